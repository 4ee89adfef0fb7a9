"""Chapter 1's cost model: one workload's monthly bill on Lambda, EC2 and Fargate.

Every price lives in PRICES, one dated table that names its source, so the
chapter, the lab and the tests all read the same figures. A web API on Lambda
also pays API Gateway per request; the same API on EC2 also pays a load
balancer by the hour: both are priced here, as parts you add by name.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from serverless_workbook.common import registry

# The one definition of a month: AWS's own convention for monthly estimates (8760 h / 12).
HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    region: str
    source: str
    lambda_per_million_requests: float
    lambda_per_gb_second: float
    lambda_free_requests: int
    lambda_free_gb_seconds: int
    ec2_hourly: dict[str, float]
    fargate_per_vcpu_hour: float
    fargate_per_gb_hour: float
    mediaconvert_per_output_minute: dict[str, float]
    step_functions_per_thousand_transitions: float
    # API kind -> (requests in the tier, USD per million) in billing order; the last tier is open-ended.
    api_gateway_per_million: dict[str, tuple[tuple[float, float], ...]]
    alb_hourly: float
    alb_per_lcu_hour: float


PRICES = PriceTable(
    as_of="2026-09",
    region="us-east-1 (N. Virginia), x86, Linux, on-demand",
    source=(
        "https://aws.amazon.com/lambda/pricing/, "
        "https://aws.amazon.com/ec2/pricing/on-demand/, "
        "https://aws.amazon.com/fargate/pricing/, "
        "https://aws.amazon.com/mediaconvert/pricing/, "
        "https://aws.amazon.com/step-functions/pricing/, "
        "https://aws.amazon.com/api-gateway/pricing/, "
        "https://aws.amazon.com/elasticloadbalancing/pricing/"
    ),
    lambda_per_million_requests=0.20,
    lambda_per_gb_second=0.0000166667,
    lambda_free_requests=1_000_000,
    lambda_free_gb_seconds=400_000,
    ec2_hourly={
        "t3.micro": 0.0104,
        "t3.small": 0.0208,
        "t3.medium": 0.0416,
        "m5.large": 0.096,
    },
    fargate_per_vcpu_hour=0.04048,
    fargate_per_gb_hour=0.004445,
    # On-demand, AVC single-pass up to 30 fps, per output minute.
    mediaconvert_per_output_minute={"SD": 0.0075, "HD": 0.015},
    # Standard workflows; the first 4,000 transitions a month are free (left out, as for API Gateway).
    step_functions_per_thousand_transitions=0.025,
    # API Gateway's own free tier (1 M calls a month) lasts only 12 months from sign-up, so it is left out.
    api_gateway_per_million={
        "rest": ((333e6, 3.50), (667e6, 2.80), (19e9, 2.38), (math.inf, 1.51)),
        "http": ((300e6, 1.00), (math.inf, 0.90)),
    },
    # Application Load Balancer: per hour, plus per LCU-hour (the busiest of new connections,
    # active connections, bytes processed and rule evaluations).
    alb_hourly=0.0225,
    alb_per_lcu_hour=0.008,
)


@dataclass(frozen=True)
class Workload:
    """What one function invocation costs to run, and how often it runs."""

    requests_per_month: float
    duration_ms: float = 100
    memory_mb: int = 128

    def __post_init__(self) -> None:
        if self.requests_per_month < 0:
            raise ValueError(f"requests_per_month must be >= 0, got {self.requests_per_month}")
        if not 1 <= self.duration_ms <= 900_000:
            raise ValueError(f"duration_ms must be 1..900000 (Lambda's 15-minute limit), got {self.duration_ms}")
        if not 128 <= self.memory_mb <= 10_240:
            raise ValueError(f"memory_mb must be 128..10240 (Lambda's range), got {self.memory_mb}")

    @property
    def gb_seconds(self) -> float:
        return self.requests_per_month * (self.duration_ms / 1000) * (self.memory_mb / 1024)


def lambda_monthly_cost(workload: Workload, free_tier: bool = True, prices: PriceTable = PRICES) -> float:
    """Requests plus compute (GB-seconds), less the always-free monthly allowance."""
    requests = workload.requests_per_month
    gb_seconds = workload.gb_seconds
    if free_tier:
        requests = max(0.0, requests - prices.lambda_free_requests)
        gb_seconds = max(0.0, gb_seconds - prices.lambda_free_gb_seconds)
    return requests / 1e6 * prices.lambda_per_million_requests + gb_seconds * prices.lambda_per_gb_second


def ec2_monthly_cost(instance_type: str = "t3.small", instances: int = 1, prices: PriceTable = PRICES) -> float:
    """Always-on instances: the bill is the same whether they serve 0 or 1 million requests."""
    if instance_type not in prices.ec2_hourly:
        known = ", ".join(sorted(prices.ec2_hourly))
        raise ValueError(f"unknown instance type {instance_type!r}; the price table knows {known}")
    return prices.ec2_hourly[instance_type] * HOURS_PER_MONTH * instances


def api_gateway_monthly_cost(requests_per_month: float, api: str = "rest", prices: PriceTable = PRICES) -> float:
    """API Gateway's per-request charge, tier by tier: a REST API or the cheaper HTTP API."""
    if api not in prices.api_gateway_per_million:
        raise ValueError(f"unknown API kind {api!r}; choose one of {', '.join(prices.api_gateway_per_million)}")
    if requests_per_month < 0:
        raise ValueError(f"requests_per_month must be >= 0, got {requests_per_month}")
    cost, left = 0.0, requests_per_month
    for size, per_million in prices.api_gateway_per_million[api]:
        billed = min(left, size)
        cost += billed / 1e6 * per_million
        left -= billed
    return cost


def load_balancer_monthly_cost(lcus: float = 1.0, prices: PriceTable = PRICES) -> float:
    """An Application Load Balancer in front of instances, always on, using `lcus` LCUs on average.

    One LCU covers 25 new connections a second, 3,000 active connections and 1 GB
    an hour processed: more than one small instance serves, hence the default.
    """
    if lcus < 0:
        raise ValueError(f"lcus must be >= 0, got {lcus}")
    return (prices.alb_hourly + lcus * prices.alb_per_lcu_hour) * HOURS_PER_MONTH


def fargate_monthly_cost(vcpu: float = 0.25, memory_gb: float = 0.5, tasks: int = 1,
                         prices: PriceTable = PRICES) -> float:
    """Always-running tasks, billed per vCPU-hour and GB-hour."""
    hourly = vcpu * prices.fargate_per_vcpu_hour + memory_gb * prices.fargate_per_gb_hour
    return hourly * HOURS_PER_MONTH * tasks


def serverless_monthly_cost(workload: Workload, api: str | None = None, free_tier: bool = True,
                            prices: PriceTable = PRICES) -> float:
    """Lambda's bill, plus API Gateway's when the function answers web requests (`api` "rest" or "http")."""
    gateway = api_gateway_monthly_cost(workload.requests_per_month, api, prices) if api else 0.0
    return lambda_monthly_cost(workload, free_tier, prices) + gateway


def break_even_requests(fixed_monthly_cost: float, duration_ms: float = 100, memory_mb: int = 128,
                        free_tier: bool = True, prices: PriceTable = PRICES, api: str | None = None) -> float:
    """Monthly requests at which Lambda (with API Gateway in front when `api` names one) costs as much
    as a fixed monthly bill.

    The cost grows piecewise-linearly with requests (each free allowance runs
    out, and each API Gateway tier starts, at its own point), so the crossing is
    found by bisection on a monotonic function rather than by a single formula.
    """
    def gap(requests: float) -> float:
        workload = Workload(requests, duration_ms, memory_mb)
        return serverless_monthly_cost(workload, api, free_tier, prices) - fixed_monthly_cost

    low, high = 0.0, 1.0
    while gap(high) < 0:
        high *= 2
    for _ in range(200):
        mid = (low + high) / 2
        if gap(mid) < 0:
            low = mid
        else:
            high = mid
    return math.ceil(high)


# ---------- what a notebook costs on a real account, and the confirmation before the first deploy ----------

CONFIRM_VARIABLE = "WORKBOOK_CONFIRM_COSTS"
# The table holds one region's prices (PRICES.region). Elsewhere the estimate is given at those prices and
# bounded by this factor: AWS prices some regions higher, and this workbook does not carry their tables
# (each service's pricing page lists them), so the bound is deliberately wide rather than exact.
OTHER_REGION_BOUND = 2.0
PRICED_REGION = PRICES.region.split()[0]
# The pipeline's outputs (workspaces.pipeline_run.BOOK_RENDITIONS; a test keeps the two equal), by height.
PIPELINE_OUTPUT_HEIGHTS = (1080, 720, 480)
# Lambda, S3, DynamoDB, SNS, SQS, EventBridge, API Gateway, CloudWatch Logs and Cognito for a notebook's few
# hundred requests and few MB: well under this, in USD.
OTHER_SERVICES_BOUND = 0.01


class CostsNotConfirmed(RuntimeError):
    """A deploy to a real account before this kernel confirmed what it costs."""


def transcode_cost(clip_seconds: float, output_heights: tuple[int, ...] = PIPELINE_OUTPUT_HEIGHTS,
                   prices: PriceTable = PRICES) -> dict[int, float]:
    """MediaConvert's charge for one clip, per output height: each output is billed per started minute
    (at least one), HD from 720 lines up."""
    minutes = max(1, math.ceil(clip_seconds / 60))
    return {height: minutes * prices.mediaconvert_per_output_minute["HD" if height >= 720 else "SD"]
            for height in output_heights}


@dataclass(frozen=True)
class Estimate:
    """The most one notebook run costs on AWS, in USD: in a region, or (region None) wherever it will run."""

    notebook: str
    region: str | None
    videos: int
    prices: PriceTable = PRICES

    @property
    def at_table_prices(self) -> float:
        return self.videos * sum(transcode_cost(1, prices=self.prices).values()) + OTHER_SERVICES_BOUND

    @property
    def bound(self) -> float:
        factor = 1.0 if self.region == PRICED_REGION else OTHER_REGION_BOUND
        return self.at_table_prices * factor

    def __str__(self) -> str:
        per_video = sum(transcode_cost(1, prices=self.prices).values())
        text = (f"Estimated cost of {self.notebook} on AWS: at most {self.videos} short "
                f"video{'s' if self.videos != 1 else ''} transcoded "
                f"(3 MediaConvert outputs, each billed as a whole minute: ${per_video:.4f} a video), plus under "
                f"${OTHER_SERVICES_BOUND:.2f} for everything else: ${self.at_table_prices:.2f} at {PRICED_REGION} "
                f"prices ({self.prices.as_of})")
        if self.region == PRICED_REGION:
            return f"{text}."
        if self.region is None:
            # Not deploying to AWS: the same text in every region the local cloud is given.
            return (f"{text}; in another region count on at most {OTHER_REGION_BOUND:g}x (${self.bound:.2f}). "
                    "The local cloud bills nothing.")
        return (f"{text}. The workbook knows only {PRICED_REGION}'s prices; in {self.region} count on at most "
                f"{OTHER_REGION_BOUND:g}x: ${self.bound:.2f} (each service's pricing page lists its regions' prices).")


def notebook_estimate(stack_name: str, target: Any) -> Estimate:
    """The estimate for the notebook whose stacks are named with this prefix in course.toml (how many videos it
    sends through a pipeline at most, its clips being seconds long; any other stack: one video), in the target's
    region on AWS, and for any region on the local cloud."""
    region = None if target.is_local else target.region
    for entry in registry.entries():
        if entry.stack_prefix and stack_name.startswith(entry.stack_prefix):
            return Estimate(entry.name, region, entry.videos)
    return Estimate(f"the notebook that creates {stack_name}", region, 1)


_confirmed: set[tuple[str, str]] = set()


def confirm(target: Any) -> None:
    """Say yes, for this kernel, to deploying to the target's account and paying for what the notebook runs."""
    _confirmed.add((target.account_id, target.region))
    print(f"Confirmed: this kernel may deploy to AWS in {target.region}.")


def require_confirmation(target: Any, stack_name: str) -> None:
    """Refuse the first real deploy from a kernel until the learner confirmed the cost; local targets pass.

    The confirmation is explicit and per kernel: `costs.confirm(target)` in a cell, or WORKBOOK_CONFIRM_COSTS=yes
    in the environment JupyterLab was started from (never read from a notebook's own outputs).
    """
    if target.is_local or (target.account_id, target.region) in _confirmed:
        return
    if os.environ.get(CONFIRM_VARIABLE, "").strip().lower() == "yes":
        _confirmed.add((target.account_id, target.region))
        return
    raise CostsNotConfirmed(
        f"{notebook_estimate(stack_name, target)} Nothing has been created yet. Stacks are deleted by the "
        f"clean-up cell (or: python -m serverless_workbook.cloud.cleanup --yes). To go ahead, run "
        f"`from serverless_workbook.models import costs; costs.confirm(target)` in a cell (or start JupyterLab with "
        f"{CONFIRM_VARIABLE}=yes), then run this cell again.")
