"""Chapter 5's models of split / encode in parallel / merge: its time (Amdahl's law) and its price.

The split and the merge run once, whatever the number of segments: they are
the serial part. The encodes run side by side, at most `concurrency` at a
time, so N segments take ceil(N / concurrency) rounds; each new function
sandbox adds a cold start to its first round.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from serverless_workbook.models.costs import PRICES, PriceTable


def amdahl_speedup(serial_fraction: float, workers: float) -> float:
    """The speed-up on `workers` when `serial_fraction` of the single-worker time cannot be split."""
    if not 0 <= serial_fraction <= 1:
        raise ValueError(f"serial_fraction must be 0..1, got {serial_fraction}")
    if workers < 1:
        raise ValueError(f"workers must be >= 1, got {workers}")
    return 1 / (serial_fraction + (1 - serial_fraction) / workers)


@dataclass(frozen=True)
class ParallelEncode:
    """One video's encode: the work, and what the parallel version adds around it."""

    encode_seconds: float          # the single job's encode, on one vCPU
    split_seconds: float = 2.0
    merge_seconds: float = 2.0
    concurrency: int = 1000        # Lambda's default account limit on concurrent executions
    cold_start_seconds: float = 1.0

    def __post_init__(self) -> None:
        for name in ("encode_seconds", "split_seconds", "merge_seconds", "cold_start_seconds"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.concurrency < 1:
            raise ValueError(f"concurrency must be >= 1, got {self.concurrency}")

    def seconds(self, segments: int) -> float:
        """Wall time with `segments` segments: split, the rounds of encodes, merge."""
        if segments < 1:
            raise ValueError(f"segments must be >= 1, got {segments}")
        rounds = math.ceil(segments / self.concurrency)
        return (self.split_seconds + self.cold_start_seconds + rounds * self.encode_seconds / segments
                + self.merge_seconds)

    def speedup(self, segments: int) -> float:
        return self.encode_seconds / self.seconds(segments)

    @property
    def serial_fraction(self) -> float:
        """Amdahl's serial part: what does not shrink with more segments, against the whole."""
        serial = self.split_seconds + self.cold_start_seconds + self.merge_seconds
        return serial / (serial + self.encode_seconds)


@dataclass(frozen=True)
class EncodeBill:
    lambda_compute: float
    lambda_requests: float
    step_functions: float

    @property
    def total(self) -> float:
        return self.lambda_compute + self.lambda_requests + self.step_functions


def parallel_encode_cost(job: ParallelEncode, segments: int, memory_mb: int = 1769,
                         prices: PriceTable = PRICES) -> EncodeBill:
    """One video on Lambda and Step Functions, without free tiers: the encodes cost the same GB-seconds
    however they are split; each segment adds a request, a cold start and a state transition."""
    if segments < 1:
        raise ValueError(f"segments must be >= 1, got {segments}")
    function_seconds = (job.split_seconds + job.merge_seconds + job.encode_seconds
                        + min(segments, job.concurrency) * job.cold_start_seconds)
    # Transitions: Split, the Map state, one per segment's task, Merge.
    transitions = 3 + segments
    return EncodeBill(
        lambda_compute=function_seconds * memory_mb / 1024 * prices.lambda_per_gb_second,
        lambda_requests=(2 + segments) / 1e6 * prices.lambda_per_million_requests,
        step_functions=transitions / 1000 * prices.step_functions_per_thousand_transitions,
    )


def mediaconvert_cost(video_minutes: float, resolution: str = "HD", prices: PriceTable = PRICES) -> float:
    """One output of that many minutes, on demand."""
    if resolution not in prices.mediaconvert_per_output_minute:
        raise ValueError(f"resolution must be one of {sorted(prices.mediaconvert_per_output_minute)}, "
                         f"got {resolution!r}")
    return video_minutes * prices.mediaconvert_per_output_minute[resolution]
