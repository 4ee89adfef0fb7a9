"""Chapter 5's models: Amdahl's law, rounds under a concurrency limit, and the bill of one parallel encode."""
import pytest

from serverless_workbook.models.costs import PRICES
from serverless_workbook.models.parallel_model import (ParallelEncode, amdahl_speedup, mediaconvert_cost,
                                                parallel_encode_cost)


def test_amdahl_limits_the_speedup_to_one_over_the_serial_fraction():
    assert amdahl_speedup(0, 8) == 8
    assert amdahl_speedup(0.1, 10) == pytest.approx(1 / (0.1 + 0.09))
    assert amdahl_speedup(0.1, 1e12) == pytest.approx(10)
    with pytest.raises(ValueError, match="serial_fraction"):
        amdahl_speedup(1.5, 2)


def test_the_model_is_amdahl_when_concurrency_is_unlimited():
    job = ParallelEncode(encode_seconds=100, split_seconds=3, merge_seconds=2, cold_start_seconds=0)
    for segments in (1, 4, 16):
        assert job.speedup(segments) * (job.seconds(1) / job.encode_seconds) == pytest.approx(
            amdahl_speedup(job.serial_fraction, segments))


def test_a_concurrency_limit_runs_segments_in_rounds():
    job = ParallelEncode(encode_seconds=120, split_seconds=0, merge_seconds=0, cold_start_seconds=0, concurrency=4)
    assert job.seconds(4) == 30 and job.seconds(8) == 30 and job.seconds(5) == pytest.approx(48)


def test_bad_inputs_are_named():
    with pytest.raises(ValueError, match="concurrency"):
        ParallelEncode(encode_seconds=1, concurrency=0)
    with pytest.raises(ValueError, match="segments"):
        ParallelEncode(encode_seconds=1).seconds(0)
    with pytest.raises(ValueError, match="resolution"):
        mediaconvert_cost(1, "4K")


def test_the_bill_grows_with_segments_only_by_cold_starts_requests_and_transitions():
    job = ParallelEncode(encode_seconds=600, split_seconds=5, merge_seconds=5, cold_start_seconds=1)
    one, many = parallel_encode_cost(job, 1), parallel_encode_cost(job, 20)
    extra_gb_seconds = 19 * 1 * 1769 / 1024
    assert many.lambda_compute - one.lambda_compute == pytest.approx(extra_gb_seconds * PRICES.lambda_per_gb_second)
    assert many.step_functions - one.step_functions == pytest.approx(19 / 1000 * 0.025)
    assert mediaconvert_cost(10) == pytest.approx(0.15)
