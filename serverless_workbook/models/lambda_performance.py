"""Chapter 6's model of a Lambda function's performance: what memory buys, what an invocation costs, percentiles,
and Little's law.

Lambda allocates CPU in proportion to memory: 1,769 MB buys one vCPU (AWS Lambda Developer Guide, "Configuring
Lambda function memory": https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory-computing.html). So
the part of a handler's time spent computing on one thread stretches by 1,769 / memory below that, and shrinks no
further above it; the part spent waiting (a database, S3) does not change with memory at all.
"""
from __future__ import annotations

import math
from typing import Sequence

from serverless_workbook.models.costs import PRICES, PriceTable

MB_PER_VCPU = 1769
# Lambda's memory settings: 128 MB to 10,240 MB, in 1 MB steps.
MEMORY_RANGE_MB = (128, 10_240)


def cpu_share(memory_mb: float) -> float:
    """The share of one vCPU a single thread gets at this memory size."""
    return min(1.0, memory_mb / MB_PER_VCPU)


def modelled_duration_ms(memory_mb: float, compute_ms_at_one_vcpu: float, wait_ms: float = 0.0) -> float:
    """A handler's duration at this memory size: its single-threaded compute stretched by the CPU share, plus
    its waiting, which memory does not shorten."""
    return compute_ms_at_one_vcpu / cpu_share(memory_mb) + wait_ms


def invocation_cost(billed_ms: float, memory_mb: float, prices: PriceTable = PRICES) -> float:
    """USD for one invocation: its GB-seconds (billed milliseconds times memory in GB of 1,024 MB) plus the
    request charge, without the free tier."""
    return (billed_ms / 1000 * memory_mb / 1024 * prices.lambda_per_gb_second
            + prices.lambda_per_million_requests / 1e6)


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The nearest-rank percentile: the smallest value with at least `percent` % of the values at or below it."""
    if not values:
        raise ValueError("no values to take a percentile of")
    if not 0 < percent <= 100:
        raise ValueError(f"a percentile is above 0 and at most 100, not {percent}")
    ordered = sorted(values)
    return ordered[math.ceil(percent * len(ordered) / 100) - 1]


def concurrency(requests_per_second: float, duration_ms: float) -> int:
    """Little's law: the environments busy at once, on average, is the arrival rate times the time each request
    holds one (rounded up: a fraction of an environment is a whole one)."""
    return math.ceil(round(requests_per_second * duration_ms / 1000, 9))


def pick(settings: Sequence[dict[str, float]], strategy: str) -> dict[str, float]:
    """The memory setting AWS Lambda Power Tuning would choose: the cheapest ("cost"), the fastest ("speed"), or
    the best of both ("balanced": the smallest sum of cost and duration, each divided by its largest value);
    a tie goes to the smaller memory."""
    if not settings:
        raise ValueError("no settings to pick from")
    most_cost = max(s["cost_usd"] for s in settings)
    most_time = max(s["duration_ms"] for s in settings)
    scores = {"cost": lambda s: s["cost_usd"], "speed": lambda s: s["duration_ms"],
              "balanced": lambda s: s["cost_usd"] / most_cost + s["duration_ms"] / most_time}
    if strategy not in scores:
        raise ValueError(f"strategy must be one of {', '.join(scores)}, not {strategy!r}")
    return min(settings, key=lambda s: (scores[strategy](s), s["memory_mb"]))
