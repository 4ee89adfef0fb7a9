"""Step Functions executions: start one and wait for it, and read its history as spans of time.

The history is the state machine's own record: every state entered and left,
every Lambda task scheduled, started and finished, with timestamps. Which
tasks overlapped, and how long each state took, is read from it alone, so it
works the same on the local cloud and on AWS.
"""
from __future__ import annotations

import json
from typing import Any

from botocore.config import Config

from serverless_workbook.common import waiting
from serverless_workbook.models.timeline import Span

LAMBDA_ENDS = ("LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut")


def run(target: Any, state_machine_arn: str, event: dict[str, Any], timeout: float = 300,
        poll_seconds: float = 0.1) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Start an execution, wait until it ends; return its description and its whole history."""
    sfn = target.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=state_machine_arn, input=json.dumps(event))["executionArn"]
    description = waiting.until(lambda: sfn.describe_execution(executionArn=arn), f"the execution {arn} to end",
                                ready=lambda d: d["status"] != "RUNNING", timeout=timeout, interval=poll_seconds)
    pages = sfn.get_paginator("get_execution_history").paginate(executionArn=arn)
    return description, [event for page in pages for event in page["events"]]


class FunctionFailed(RuntimeError):
    """A synchronous invocation's handler raised (or timed out); the message is its error type and message."""


def invoke(target: Any, function_name: str, event: dict[str, Any]) -> Any:
    """Invoke a function synchronously, waiting as long as its Timeout allows; return its answer.

    The Invoke API reference (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html) warns that a
    client may disconnect while a long synchronous invocation runs. botocore's defaults do worse: after a
    60 s read timeout they send the request again, up to four times, and each retry runs the function again
    beside the ones still running (measured with a 2 s read timeout: three invocations of one call in 6 s).
    On a loaded machine a single-job encode can take over a minute: five encodes then share the cores, and
    everything after them waits. So the client waits the function's Timeout, and never retries.
    """
    lam = target.client("lambda")
    timeout = lam.get_function_configuration(FunctionName=function_name)["Timeout"]
    patient = target.client("lambda", config=Config(read_timeout=timeout + 30, retries={"total_max_attempts": 1}))
    response = patient.invoke(FunctionName=function_name, Payload=json.dumps(event).encode())
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        raise FunctionFailed(f"{function_name}: {payload.get('errorType')}: {payload.get('errorMessage')}")
    return payload


def lambda_spans(history: list[dict[str, Any]]) -> list[Span]:
    """Every Lambda task of the execution, in the order they ended."""
    by_id = {event["id"]: event for event in history}
    spans = []
    for event in history:
        if event["type"] not in LAMBDA_ENDS:
            continue
        started = by_id[event["previousEventId"]]
        scheduled = by_id[started["previousEventId"]]
        entered = by_id[scheduled["previousEventId"]]
        resource = scheduled["lambdaFunctionScheduledEventDetails"]["resource"]
        spans.append(Span(entered["stateEnteredEventDetails"]["name"], started["timestamp"], event["timestamp"],
                          succeeded=event["type"] == LAMBDA_ENDS[0], detail=resource.rsplit(":", 1)[-1]))
    return spans


def seconds(description: dict[str, Any]) -> float:
    """How long an ended execution ran, as Step Functions records it: start date to stop date.

    Unlike a clock around run(), this leaves out the polling, which on the local cloud takes
    CPU from the execution itself."""
    return (description["stopDate"] - description["startDate"]).total_seconds()


def state_seconds(history: list[dict[str, Any]], state: str) -> float:
    """Seconds from first entering the named state to last leaving it."""
    entered = [e["timestamp"] for e in history if e.get("stateEnteredEventDetails", {}).get("name") == state]
    exited = [e["timestamp"] for e in history if e.get("stateExitedEventDetails", {}).get("name") == state]
    if not entered or not exited:
        raise ValueError(f"the history has no state named {state!r} that was entered and left")
    return (max(exited) - min(entered)).total_seconds()
