"""Chapter 6's instruments: a function's REPORT lines read, a load run, and a power-tuning run, on any target.

What Lambda measured is read from the REPORT line it writes at the end of every invocation (returned in the
invoke's LogResult with LogType="Tail", and in CloudWatch Logs): Duration, Billed Duration, Memory Size, Max Memory
Used, and Init Duration on a cold start. Lab 6 has the learner write these; its checks refuse them as answers.
"""
from __future__ import annotations

import base64
import json
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import botocore.config

from serverless_workbook.models.lambda_performance import invocation_cost

_FIELDS = {"Duration": "duration_ms", "Billed Duration": "billed_ms", "Memory Size": "memory_mb",
           "Max Memory Used": "max_memory_mb", "Init Duration": "init_ms"}
_REPORT = re.compile(r"^REPORT RequestId: (\S+)(.*)$", re.MULTILINE)
_FIELD = re.compile(r"\t?([A-Za-z ]+): ([\d.]+) (?:ms|MB)")


@dataclass(frozen=True)
class Report:
    request_id: str
    duration_ms: float
    # Lambda writes every field but Init Duration on every line; a line written by other hands may lack them.
    billed_ms: float | None = None
    memory_mb: int | None = None
    max_memory_mb: int | None = None
    init_ms: float | None = None
    # What the caller waited, from sending the request to reading the answer.
    client_ms: float | None = None

    @property
    def cold(self) -> bool:
        return self.init_ms is not None


def report_of(log: str, client_ms: float | None = None) -> Report:
    """The REPORT line of an invocation's log."""
    found = _REPORT.search(log)
    if not found:
        raise ValueError(f"no REPORT line in the log: {log[-300:]!r}")
    fields = {_FIELDS[name.strip()]: float(value) for name, value in _FIELD.findall(found.group(2))
              if name.strip() in _FIELDS}
    for whole in ("memory_mb", "max_memory_mb"):
        if whole in fields:
            fields[whole] = int(fields[whole])
    return Report(found.group(1), client_ms=client_ms, **fields)


def reports_in(events: list[dict[str, Any]]) -> list[tuple[float, Report]]:
    """The REPORT lines among a function's log events (function_logs.events), each with the time it was written, in
    seconds since the epoch: Lambda writes one as each invocation ends."""
    return [(event["timestamp"] / 1000, report_of(event["message"])) for event in events
            if event["message"].startswith("REPORT ")]


def invoke(lam: Any, function_name: str, event: Any) -> Report:
    """One synchronous invocation; its REPORT line, with the caller's wait. A handler's error is raised."""
    started = time.monotonic()
    response = lam.invoke(FunctionName=function_name, Payload=json.dumps(event).encode(), LogType="Tail")
    payload = response["Payload"].read()
    client_ms = (time.monotonic() - started) * 1000
    if response.get("FunctionError"):
        raise RuntimeError(f"{function_name} failed: {payload.decode(errors='replace')[:500]}")
    return report_of(base64.b64decode(response["LogResult"]).decode(errors="replace"), client_ms)


def load(target: Any, function_name: str, requests: int, concurrency: int, event: Any = None) -> list[Report]:
    """`requests` invocations from `concurrency` callers at once, each sending its next as soon as the last
    is answered (a closed loop); their reports in the order they ended."""
    lam = target.client("lambda")
    with ThreadPoolExecutor(concurrency) as callers:
        return list(callers.map(lambda _: invoke(lam, function_name, event if event is not None else {}),
                                range(requests)))


def reconfigure(target: Any, function_name: str, **settings: Any) -> None:
    """Update the function's configuration and wait until the change is live (LastUpdateStatus Successful): on AWS
    an update takes seconds, and requests meanwhile still run the old configuration."""
    lam = target.client("lambda")
    lam.update_function_configuration(FunctionName=function_name, **settings)
    lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)


def fresh_environments(target: Any, function_name: str) -> None:
    """Retire the function's warm environments, as any configuration change does: its next requests start cold.
    The change is a full stop added to its description or taken off, so that each call really changes it."""
    description = target.client("lambda").get_function_configuration(FunctionName=function_name).get("Description", "")
    reconfigure(target, function_name, Description=description[:-1] if description.endswith(".") else description + ".")


def burst(target: Any, function_name: str, callers: int, event: Any) -> list[str]:
    """`callers` synchronous requests at once, none retried (the SDKs retry a throttle by themselves): what each
    got, "ran" or the error code."""
    lam = target.client("lambda", config=botocore.config.Config(retries={"total_max_attempts": 1}))

    def call(_: int) -> str:
        try:
            lam.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
            return "ran"
        except lam.exceptions.TooManyRequestsException as error:
            return error.response["Error"]["Code"]

    with ThreadPoolExecutor(callers) as pool:
        return list(pool.map(call, range(callers)))


def set_memory(target: Any, function_name: str, memory_mb: int) -> None:
    """Change the function's memory, once the change is live."""
    reconfigure(target, function_name, MemorySize=memory_mb)


@dataclass(frozen=True)
class Setting:
    memory_mb: int
    duration_ms: float  # the median billed duration of the warm invocations
    cost_usd: float  # of one invocation at that duration

    def as_dict(self) -> dict[str, float]:
        return {"memory_mb": self.memory_mb, "duration_ms": self.duration_ms, "cost_usd": self.cost_usd}


def power_tune(target: Any, function_name: str, memory_sizes: Sequence[int], invocations: int = 3,
               event: Any = None) -> list[Setting]:
    """AWS Lambda Power Tuning's measurement, one memory size after another: set it, warm a new environment up
    (the cold start is not what the setting costs per request), time `invocations` warm ones, price the
    median. The function's memory is put back afterwards."""
    lam = target.client("lambda")
    original = lam.get_function_configuration(FunctionName=function_name)["MemorySize"]
    settings = []
    try:
        for memory_mb in memory_sizes:
            set_memory(target, function_name, memory_mb)
            invoke(lam, function_name, event or {})
            billed = statistics.median(invoke(lam, function_name, event or {}).billed_ms for _ in range(invocations))
            settings.append(Setting(memory_mb, billed, invocation_cost(billed, memory_mb)))
    finally:
        set_memory(target, function_name, original)
    return settings
