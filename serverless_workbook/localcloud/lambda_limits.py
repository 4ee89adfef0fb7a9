"""Lambda's invocation payload quotas, which moto does not enforce.

Lambda refuses an Invoke whose request payload is over 6 MB (synchronous) or 1 MB (asynchronous, InvocationType
Event) with RequestTooLargeException, HTTP 413 (Lambda API reference, Invoke:
https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). moto already refuses a response over 6 MB.
Only Invoke calls are checked: the events services send (S3, SNS, a stream's batch) have quotas of their own.
"""
from __future__ import annotations

from typing import Any, Callable

from moto.awslambda.models import LambdaFunction
from moto.core.exceptions import JsonRESTError

from serverless_workbook.localcloud.lambda_concurrency import asynchronous

SYNCHRONOUS_BYTES, ASYNCHRONOUS_BYTES = 6 * 1024 * 1024, 1024 * 1024


class RequestTooLarge(JsonRESTError):
    code = 413

    def __init__(self, limit: int) -> None:
        super().__init__("RequestTooLargeException",
                         f"Request must be smaller than {limit} bytes for the InvokeFunction operation")


def within_payload_quota(invoke: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap LambdaFunction.invoke: refuse an Invoke call whose payload is over its invocation type's quota."""
    def checked(self: LambdaFunction, body: Any, request_headers: Any, response_headers: Any) -> Any:
        if request_headers:  # an Invoke call; a service's event comes with none
            limit = ASYNCHRONOUS_BYTES if asynchronous(request_headers) else SYNCHRONOUS_BYTES
            size = len(body.encode() if isinstance(body, str) else body or b"")
            if size > limit:
                raise RequestTooLarge(limit)
        return invoke(self, body, request_headers, response_headers)

    return checked
