"""A function's CloudWatch Logs, read as AWS serves them: an event shows up seconds after the function wrote it.

    lines = function_logs.events(target, "my-function")    # once the invocations are done: the whole log

A read taken right after an invocation may miss its last lines, on a real account and on the local cloud alike
(localcloud.log_visibility), so the log is read until two reads some seconds apart agree.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from serverless_workbook.common import waiting
from serverless_workbook.localcloud import delays

T = TypeVar("T")

# How far apart two reads of a real account's log must agree: longer than CloudWatch Logs usually takes to show
# an event. The local cloud's delay is known, and shorter.
AWS_SETTLE_SECONDS = 5


def settle_seconds(target: Any) -> float:
    return 1.2 * delays.LOG_EVENTS.seconds() if target.is_local else AWS_SETTLE_SECONDS


def settled(target: Any, read: Callable[[], T], what: str) -> T:
    """read(), repeated until two reads settle_seconds apart agree (the writers must be done)."""
    return waiting.settled(read, what, interval=settle_seconds(target), timeout=30 if target.is_local else 300)


def events(target: Any, function: str) -> list[dict[str, Any]]:
    """Every event of every stream of the function's log group, oldest first, once the log has settled (a
    function that never ran has no log group: its events are none)."""
    logs, group = target.client("logs"), f"/aws/lambda/{function}"

    def read() -> list[dict[str, Any]]:
        try:
            found = [event for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group)
                     for event in page["events"]]
        except logs.exceptions.ResourceNotFoundException:
            return []
        # In an order of their own, so that two reads of the same events agree whatever order the API used.
        return sorted(found, key=lambda event: (event["timestamp"], event["message"]))

    return settled(target, read, f"the log of {function}")
