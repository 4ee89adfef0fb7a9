"""Reserved concurrency, enforced as Lambda enforces it.

A function's reserved concurrency caps how many of its invocations run at once. moto records the setting and
runs every invocation anyway. Lambda refuses a synchronous invocation beyond the cap with
TooManyRequestsException (HTTP 429, Reason ReservedFunctionConcurrentInvocationLimitExceeded); an asynchronous
one (an Event invoke, an S3 or SNS notification, an EventBridge rule) stays in Lambda's queue and is retried
until there is room (Lambda Developer Guide, "Configuring reserved concurrency" and "Error handling and
automatic retries in Lambda": https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html,
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html). Here the invocations in
flight are counted per function; a refused asynchronous one is retried on a thread of its own, so its caller
gets its answer at once, as from Lambda's queue. Step Functions names the refusal Lambda.TooManyRequestsException
for a state's Retry (stepfunctions). SQS mappings are not counted here: their pollers take no more batches than
the reserved concurrency (sqs_poller). A reservation itself must leave the account 100 unreserved, as on AWS.
"""
from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from typing import Any, Callable

from moto.awslambda.models import LambdaFunction
from moto.core.exceptions import JsonRESTError

# An account's concurrency quota in a region (AWS's default; new accounts may get less), of which every reservation
# must leave 100 unreserved: moto refuses a reservation beyond that only when MOTO_LAMBDA_CONCURRENCY_QUOTA is set.
ACCOUNT_CONCURRENCY = 1000
_QUOTA_VARIABLE = "MOTO_LAMBDA_CONCURRENCY_QUOTA"

# How long a refused asynchronous invocation waits before it is tried again (Lambda backs off from 1 s on; the
# local cloud tries sooner, which is never more lenient: the event still waits for room).
RETRY_SECONDS = 0.2

_lock = threading.Lock()
_in_flight: Counter[str] = Counter()
_retrying: Counter[str] = Counter()
# Bumped when the local cloud closes: the events still waiting then are dropped with it.
_generation = 0


class TooManyRequests(JsonRESTError):
    code = 429

    def __init__(self) -> None:
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.description = json.dumps({"__type": "TooManyRequestsException", "message": "Rate Exceeded.",
                                       "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
                                       "Type": "User"})


def _limit(function: LambdaFunction) -> int | None:
    reserved = function.reserved_concurrency
    return None if reserved in (None, "") else int(reserved)


def _take(function: LambdaFunction) -> bool:
    limit = _limit(function)
    with _lock:
        if limit is not None and _in_flight[function.function_arn] >= limit:
            return False
        _in_flight[function.function_arn] += 1
        return True


def _give_back(function: LambdaFunction) -> None:
    with _lock:
        _in_flight[function.function_arn] -= 1


def asynchronous(request_headers: Any) -> bool:
    """An Event invoke, or a service's notification (moto calls those with no headers at all)."""
    return not request_headers or request_headers.get("X-Amz-Invocation-Type") == "Event"


def within_reserved_concurrency(invoke: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap LambdaFunction.invoke: count each invocation in flight; refuse a synchronous one beyond the function's
    reserved concurrency, retry an asynchronous one until there is room."""
    def invoke_within(self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> Any:
        if not _take(self):
            if not asynchronous(request_headers):
                raise TooManyRequests()
            _retry_later(self, invoke, body, request_headers)
            return b""
        try:
            return invoke(self, body, request_headers, response_headers)
        finally:
            _give_back(self)

    return invoke_within


def _retry_later(function: LambdaFunction, invoke: Callable[..., Any], body: Any, request_headers: Any) -> None:
    with _lock:
        _retrying[function.function_arn] += 1
        generation = _generation

    def retry() -> None:
        try:
            while not _take(function):
                if generation != _generation:
                    return
                time.sleep(RETRY_SECONDS)
            try:
                invoke(function, body, request_headers, {})
            finally:
                _give_back(function)
        finally:
            with _lock:
                if generation == _generation:
                    _retrying[function.function_arn] -= 1

    threading.Thread(target=retry, name=f"lambda-async-retry-{function.function_name}", daemon=True).start()


def enforce_account_quota() -> None:
    """Refuse a reservation that leaves the account under 100 unreserved, with AWS's error (unless the variable
    already names another quota)."""
    os.environ.setdefault(_QUOTA_VARIABLE, str(ACCOUNT_CONCURRENCY))


def forget() -> None:
    """The local cloud closed: drop the events waiting for room, and the count of invocations in flight."""
    global _generation
    with _lock:
        _generation += 1
        _in_flight.clear()
        _retrying.clear()


def waiting_events() -> int:
    """Asynchronous invocations refused for now and waiting to be retried."""
    with _lock:
        return sum(_retrying.values())
