"""Lambda's SQS pollers, so a failing message is retried, counted and redriven as on AWS.

moto 5.2.5 invokes an SQS-mapped function once, inside SendMessage, with
``ApproximateReceiveCount`` fixed at "1"; a failed message is made visible
again but nothing ever receives it again, so it never reaches the queue's
dead-letter queue. AWS instead runs pollers: each receives a batch with the
queue's visibility timeout, invokes the function, deletes the batch on success
and otherwise leaves it to reappear, until ``maxReceiveCount`` moves it to the
dead-letter queue (moto's ReceiveMessage does that move, as SQS does).

We switch off moto's dispatch inside SendMessage and run one poller thread that
serves every enabled SQS mapping whose function is not throttled to zero in turn, in the order of their queue ARNs. The
in-process runtime runs one handler at a time, so taking turns is how two
mappings' concurrent pollers look here; within a turn, the batches AWS would run at once are delivered last
received first (poll_once), so completion order is not arrival order here either.
"""
from __future__ import annotations

import inspect
import json
import threading
from typing import Any, Iterator

from moto.awslambda.exceptions import InvalidParameterValueException, UnknownFunctionException
from moto.awslambda.models import EventSourceMapping, LambdaBackend, lambda_backends
from moto.sqs.models import Message, Queue, sqs_backends

from serverless_workbook.common import waiting
from serverless_workbook.localcloud import lambda_concurrency

PATCHED_METHOD = "add_message"
EXPECTED_PARAMETERS = ["self", "message"]
# How long the poller sleeps after a round in which no queue had a visible message.
IDLE_SLEEP_SECONDS = 0.05
# Lambda's SQS pollers start by reading and invoking up to five batches at once (Lambda Developer Guide, scaling of
# SQS event source mappings: https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-scaling.html).
INITIAL_CONCURRENT_BATCHES = 5

_original_add_message = getattr(Queue, PATCHED_METHOD, None)
_replaced_create: list[Any] = []  # the create_event_source_mapping install() wrapped, for uninstall()


class PollerPatchError(RuntimeError):
    """The pinned moto no longer has the method whose in-send dispatch we switch off."""


def self_test() -> None:
    if _original_add_message is None or list(inspect.signature(_original_add_message).parameters) != EXPECTED_PARAMETERS:
        raise PollerPatchError(
            f"moto.sqs.models.Queue.{PATCHED_METHOD}(self, message) changed; the local SQS pollers need updating"
        )


def _add_message_without_dispatch(self: Queue, message: Message) -> None:
    """moto's add_message, minus its synchronous Lambda call: the poller delivers instead."""
    mappings = self.lambda_event_source_mappings
    self.lambda_event_source_mappings = {}
    try:
        _original_add_message(self, message)
    finally:
        self.lambda_event_source_mappings = mappings


def _sqs_mappings() -> Iterator[EventSourceMapping]:
    for account in list(lambda_backends.keys()):
        for backend in list(lambda_backends[account].values()):
            for mapping in list(backend._event_source_mappings.values()):
                if mapping.event_source_arn.split(":")[2] == "sqs":
                    yield mapping


def _function(mapping: EventSourceMapping) -> Any:
    return lambda_backends[mapping.account_id][mapping.region].get_function(mapping.function_arn)


def _active(mapping: EventSourceMapping) -> bool:
    """Enabled, its function still there (a stack's teardown may delete it before the mapping), and not
    throttled to zero (reserved concurrency 0 is AWS's stop switch)."""
    try:
        return mapping.enabled and str(_function(mapping).reserved_concurrency) != "0"
    except UnknownFunctionException:
        return False


def _queue(mapping: EventSourceMapping) -> Queue | None:
    """The mapped queue, or None once it was deleted (the mapping then has nothing to poll)."""
    _, _, _, region, account, name = mapping.event_source_arn.split(":")
    return sqs_backends[account][region].queues.get(name)


def _record(message: Message, mapping: EventSourceMapping) -> dict[str, Any]:
    """One SQS record as Lambda delivers it, with the message's real counters."""
    attributes = {
        "ApproximateReceiveCount": str(message.approximate_receive_count),
        "SentTimestamp": str(message.sent_timestamp),
        "SenderId": message.sender_id,
        "ApproximateFirstReceiveTimestamp": str(message.approximate_first_receive_timestamp),
    }
    if message.group_id:
        attributes.update(MessageGroupId=message.group_id, MessageDeduplicationId=message.deduplication_id)
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": attributes,
        "messageAttributes": {
            name: {"stringValue": value.get("StringValue"), "binaryValue": value.get("BinaryValue"),
                   "stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]}
            for name, value in message.message_attributes.items()
        },
        "md5OfBody": message.body_md5,
        "eventSource": "aws:sqs",
        "eventSourceARN": mapping.event_source_arn,
        "awsRegion": mapping.region,
    }


def _failed_ids(mapping: EventSourceMapping, payload: Any) -> set[str] | None:
    """With ReportBatchItemFailures the function names the messages that failed; None means all did."""
    if "ReportBatchItemFailures" not in (mapping.function_response_types or []):
        return None
    try:
        failures = json.loads(payload or "null")["batchItemFailures"]
        return {failure["itemIdentifier"] for failure in failures}
    except (TypeError, KeyError, ValueError):
        return None  # an unreadable report fails the whole batch, as on AWS


def _concurrent_batches(mapping: EventSourceMapping, function: Any) -> int:
    """How many batches Lambda's pollers run at once for the mapping: five to start with, fewer when the mapping's
    MaximumConcurrency or the function's reserved concurrency is lower; one for a FIFO queue, whose order
    Lambda keeps (within a message group: the labs' FIFO queues send one group)."""
    if mapping.event_source_arn.endswith(".fifo"):
        return 1
    limits = [INITIAL_CONCURRENT_BATCHES, (mapping.scaling_config or {}).get("MaximumConcurrency"),
              function.reserved_concurrency]
    return min(int(limit) for limit in limits if limit is not None)


def _deliver(mapping: EventSourceMapping, function: Any, queue: Queue, messages: list[Message]) -> None:
    """Invoke the function with one batch, synchronously as Lambda's pollers do; delete what it handled, leave
    what failed, or what the function's reserved concurrency refused, to reappear."""
    backend = sqs_backends[mapping.account_id][mapping.region]
    response_headers: dict[str, Any] = {}
    try:
        payload = function.invoke(json.dumps({"Records": [_record(m, mapping) for m in messages]}),
                                  {"X-Amz-Invocation-Type": "RequestResponse"}, response_headers)
    except lambda_concurrency.TooManyRequests:
        return
    if "x-amz-function-error" in response_headers:
        failed = {m.id for m in messages}
    else:
        failed = _failed_ids(mapping, payload) or set()
    for message in messages:
        if message.id not in failed:
            backend.delete_message(queue.name, message.receipt_handle)


def poll_once(mapping: EventSourceMapping) -> bool:
    """Receive the batches the mapping's pollers would run at once and deliver them; True if there was one.

    On AWS those batches run concurrently and finish in no particular order. Here they run one after another,
    the last received first, so that code relying on arrival order fails here as it may there.
    """
    queue = _queue(mapping)
    if queue is None:
        return False
    try:
        function = _function(mapping)
    except UnknownFunctionException:  # deleted since the mapping was listed (a teardown)
        return False
    backend = sqs_backends[mapping.account_id][mapping.region]
    batches = []
    for _ in range(_concurrent_batches(mapping, function)):
        messages = backend.receive_message(queue.name, mapping.batch_size or 10, 0, queue.visibility_timeout, ["All"])
        if not messages:
            break
        batches.append(messages)
    for messages in reversed(batches):
        _deliver(mapping, function, queue, messages)
    return bool(batches)


class Poller:
    """The thread that plays Lambda's pollers for every enabled SQS mapping."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._delivering = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqs-pollers", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            mappings = sorted((m for m in _sqs_mappings() if _active(m)), key=lambda m: m.event_source_arn)
            self._delivering.set()
            try:
                delivered = [poll_once(mapping) for mapping in mappings]
            finally:
                self._delivering.clear()
            if not any(delivered):
                self._stop.wait(IDLE_SLEEP_SECONDS)

    def idle(self, include_in_flight: bool) -> bool:
        """No mapped queue has a visible message and no batch is being delivered; with include_in_flight, also no
        failed message is waiting to reappear."""
        queues = [q for q in (_queue(m) for m in _sqs_mappings() if _active(m)) if q is not None]
        pending = any(q._messages if include_in_flight else q.messages for q in queues)
        return not pending and not self._delivering.is_set()

    def wait(self, timeout: float, include_in_flight: bool) -> bool:
        """Wait until idle(include_in_flight)."""
        try:
            return waiting.until(lambda: self.idle(include_in_flight), "the mapped queues to be delivered",
                                 timeout=timeout, interval=IDLE_SLEEP_SECONDS)
        except waiting.WaitTimedOut:
            return False


_poller: Poller | None = None


def _installed() -> Poller:
    if _poller is None:
        raise RuntimeError("The local SQS pollers are not installed; connect to the local cloud first")
    return _poller


def delivered() -> bool:
    """Every message visible now was delivered once (failures may come back later)."""
    return _installed().idle(include_in_flight=False)


def wait_delivered(timeout: float = 30) -> None:
    """Wait until every message that is visible now has been delivered once (failures may come back later)."""
    if not _installed().wait(timeout, include_in_flight=False):
        raise TimeoutError(f"SQS mappings still have messages to deliver after {timeout} s")


def wait_idle(timeout: float = 30) -> None:
    """Wait until mapped queues are empty: every message handled, or parked in a dead-letter queue.
    A message that keeps failing on a queue without one never lets them rest."""
    if not _installed().wait(timeout, include_in_flight=True):
        raise TimeoutError(f"SQS mappings still have messages after {timeout} s (one failing forever, without a DLQ?)")


def _visibility_checked(create: Any) -> Any:
    """Lambda refuses an SQS mapping whose queue hides a received message for less time than the function may
    run: the message would reappear, and run again, while the first run is still going (Lambda Developer Guide:
    https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-queueconfig)."""
    def checked(self: LambdaBackend, spec: dict[str, Any]) -> EventSourceMapping:
        source, function = spec.get("EventSourceArn") or "", spec.get("FunctionName")
        if source.split(":")[2:3] == ["sqs"] and function:
            _, _, _, region, account, name = source.split(":")
            queue = sqs_backends[account][region].queues.get(name)
            timeout = self._lambdas.get_function_by_name_or_arn_with_qualifier(function).timeout
            if queue is not None and int(queue.visibility_timeout) < int(timeout):
                raise InvalidParameterValueException(
                    f"Queue visibility timeout: {queue.visibility_timeout} seconds is less than Function timeout: "
                    f"{timeout} seconds")
        return create(self, spec)
    return checked


def install() -> Poller:
    """Start the pollers; a second connect in the same process shares them rather than polling twice."""
    global _poller
    self_test()
    setattr(Queue, PATCHED_METHOD, _add_message_without_dispatch)
    if not _replaced_create:
        _replaced_create.append(LambdaBackend.create_event_source_mapping)
        LambdaBackend.create_event_source_mapping = _visibility_checked(_replaced_create[0])
    if _poller is None:
        _poller = Poller()
        _poller.start()
    return _poller


def uninstall() -> None:
    global _poller
    if _poller is not None:
        _poller.stop()
        _poller = None
    setattr(Queue, PATCHED_METHOD, _original_add_message)
    if _replaced_create:
        LambdaBackend.create_event_source_mapping = _replaced_create.pop()
