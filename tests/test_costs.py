"""The cost model against figures worked out by hand from the price table."""
import pytest

from serverless_workbook.costs import (
    PRICES,
    Workload,
    break_even_requests,
    ec2_monthly_cost,
    fargate_monthly_cost,
    lambda_monthly_cost,
)


def test_prices_are_dated_and_sourced():
    assert PRICES.as_of and "aws.amazon.com/lambda/pricing" in PRICES.source


def test_gb_seconds():
    # 5M x 0.12 s x 0.5 GB
    assert Workload(5_000_000, 120, 512).gb_seconds == pytest.approx(300_000)


def test_lambda_inside_the_free_compute_allowance_pays_only_for_requests():
    # 300,000 GB-s < 400,000 free; (5M - 1M) requests x $0.20 per million
    assert lambda_monthly_cost(Workload(5_000_000, 120, 512)) == pytest.approx(0.80)


def test_lambda_without_free_tier():
    # 5 x $0.20 + 300,000 GB-s x $0.0000166667
    assert lambda_monthly_cost(Workload(5_000_000, 120, 512), free_tier=False) == pytest.approx(6.00001)


def test_lambda_beyond_both_allowances():
    # 40M x 0.8 s x 2 GB = 64M GB-s; (64M - 0.4M) x 0.0000166667 + 39 x 0.20
    expected = 63_600_000 * 0.0000166667 + 39 * 0.20
    assert lambda_monthly_cost(Workload(40_000_000, 800, 2048)) == pytest.approx(expected)
    assert expected == pytest.approx(1067.80212)


def test_idle_lambda_costs_nothing():
    assert lambda_monthly_cost(Workload(0)) == 0
    assert lambda_monthly_cost(Workload(0), free_tier=False) == 0


def test_ec2_bills_every_hour():
    assert ec2_monthly_cost("t3.small") == pytest.approx(0.0208 * 730)  # $15.184
    assert ec2_monthly_cost("t3.medium", instances=2) == pytest.approx(60.736)


def test_fargate_bills_vcpu_and_memory_hours():
    # 0.25 x 0.04048 + 0.5 x 0.004445 = 0.0123425 per hour
    assert fargate_monthly_cost(0.25, 0.5) == pytest.approx(9.010025)


def test_break_even_against_a_t3_small():
    # Per request: $0.0000002 + 0.06 GB-s x $0.0000166667 = $0.0000012000002.
    # Past both allowances (6.67M requests) cost = 1.2e-6 R - 0.2 - 6.66668 = 15.184
    expected = (15.184 + 0.2 + 400_000 * 0.0000166667) / (0.2e-6 + 0.06 * 0.0000166667)
    found = break_even_requests(ec2_monthly_cost("t3.small"), duration_ms=120, memory_mb=512)
    assert found == pytest.approx(expected, rel=1e-6)
    assert 18_370_000 < found < 18_380_000


@pytest.mark.parametrize("bad", [
    dict(requests_per_month=-1), dict(requests_per_month=1, duration_ms=0),
    dict(requests_per_month=1, memory_mb=64), dict(requests_per_month=1, memory_mb=20_000),
])
def test_impossible_workloads_are_refused(bad):
    with pytest.raises(ValueError):
        Workload(**bad)


def test_unknown_instance_type_names_the_known_ones():
    with pytest.raises(ValueError, match="t3.small"):
        ec2_monthly_cost("x9.huge")


def test_one_lab_run_on_a_real_account_is_priced_from_the_same_table():
    from serverless_workbook.pipeline_run import run_cost

    # Each of the three outputs bills at least a minute: 1080p and 720p as HD, 480p as SD.
    estimate = run_cost(clip_seconds=2)
    mediaconvert = sum(v for k, v in estimate.items() if k.startswith("MediaConvert"))
    assert mediaconvert == pytest.approx(0.015 + 0.015 + 0.0075)
    assert run_cost(clip_seconds=61)["MediaConvert 1080p"] == pytest.approx(2 * 0.015)
