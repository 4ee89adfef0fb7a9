"""Chapter 6's model: the CPU memory buys, an invocation's price, nearest-rank percentiles, Little's law, the picks;
and the REPORT line read as Lambda writes it."""
import pytest

from serverless_workbook.cloud.load_runs import report_of
from serverless_workbook.models.costs import PRICES
from serverless_workbook.models.lambda_performance import (
    concurrency,
    cpu_share,
    invocation_cost,
    modelled_duration_ms,
    nearest_rank,
    pick,
)


def test_memory_buys_a_share_of_one_vcpu_up_to_1769_mb():
    assert cpu_share(1769) == cpu_share(3008) == 1.0
    assert modelled_duration_ms(512, 100) == pytest.approx(100 * 1769 / 512)
    # Waiting does not shrink with memory.
    assert modelled_duration_ms(128, 0, wait_ms=100) == modelled_duration_ms(10_240, 0, wait_ms=100) == 100


def test_an_invocation_costs_its_gb_seconds_and_its_request():
    assert invocation_cost(1000, 1024) == pytest.approx(PRICES.lambda_per_gb_second + 0.2e-6)
    # Below one vCPU, compute costs the same at any memory: half the memory, twice the time.
    assert invocation_cost(modelled_duration_ms(256, 50), 256) == pytest.approx(
        invocation_cost(modelled_duration_ms(1024, 50), 1024))


@pytest.mark.parametrize("percent, expected", [(1, 15), (20, 15), (30, 20), (40, 20), (50, 35), (75, 40), (100, 50)])
def test_nearest_rank_is_a_value_some_request_had(percent, expected):
    assert nearest_rank([50, 15, 40, 20, 35], percent) == expected


def test_nearest_rank_of_seven_percent_of_a_hundred_is_the_seventh():
    # 7 / 100 * 100 is 7.000000000000001 in floating point, whose ceiling is 8.
    assert nearest_rank(list(range(1, 101)), 7) == 7


@pytest.mark.parametrize("values, percent", [([], 50), ([1], 0), ([1], 100.5)])
def test_nearest_rank_refuses_what_has_no_percentile(values, percent):
    with pytest.raises(ValueError):
        nearest_rank(values, percent)


@pytest.mark.parametrize("rate, ms, expected", [(100, 200, 20), (7, 300, 3), (30, 100, 3), (1, 1, 1), (0, 500, 0)])
def test_littles_law_rounds_up_to_whole_environments(rate, ms, expected):
    assert concurrency(rate, ms) == expected


SETTINGS = [{"memory_mb": 128, "duration_ms": 800, "cost_usd": 2.0e-6},
            {"memory_mb": 256, "duration_ms": 380, "cost_usd": 1.8e-6},
            {"memory_mb": 1024, "duration_ms": 110, "cost_usd": 2.1e-6},
            {"memory_mb": 1769, "duration_ms": 60, "cost_usd": 3.0e-6},
            {"memory_mb": 3008, "duration_ms": 60, "cost_usd": 5.0e-6}]


@pytest.mark.parametrize("strategy, memory", [("cost", 256), ("speed", 1769), ("balanced", 1024)])
def test_the_picks_and_a_tie_goes_to_the_smaller_memory(strategy, memory):
    assert pick(SETTINGS, strategy)["memory_mb"] == memory


def test_an_unknown_strategy_is_refused():
    with pytest.raises(ValueError, match="cost, speed, balanced"):
        pick(SETTINGS, "fastest")


def test_a_report_line_is_read_with_and_without_a_cold_start():
    cold = report_of("START RequestId: r1 Version: $LATEST\nprinted Duration: 9 ms\nEND RequestId: r1\n"
                     "REPORT RequestId: r1\tDuration: 6.26 ms\tBilled Duration: 316 ms\tMemory Size: 1769 MB\t"
                     "Max Memory Used: 19 MB\tInit Duration: 308.98 ms\t\n", client_ms=400.0)
    assert (cold.duration_ms, cold.billed_ms, cold.memory_mb, cold.max_memory_mb, cold.init_ms, cold.cold) == (
        6.26, 316, 1769, 19, 308.98, True)
    warm = report_of("REPORT RequestId: r2\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\t\n")
    assert (warm.request_id, warm.max_memory_mb, warm.init_ms, warm.cold) == ("r2", None, None, False)
    with pytest.raises(ValueError, match="no REPORT line"):
        report_of("START RequestId: r3\n")


def test_a_report_line_with_only_its_duration_is_read():
    # As lab 2's check writes them for a function it never ran.
    report = report_of("REPORT RequestId: 0000002a\tDuration: 12.50 ms\t")
    assert (report.duration_ms, report.billed_ms, report.memory_mb) == (12.5, None, None)
