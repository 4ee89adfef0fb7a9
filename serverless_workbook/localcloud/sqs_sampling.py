"""SQS short polling samples: a ReceiveMessage that does not wait may answer with no message, as on AWS.

"With short polling, the ReceiveMessage request queries only a subset of the servers (based on a weighted random
distribution) ... If the number of messages in the queue is extremely small, you might not receive any messages
in a particular ReceiveMessage response" (SQS Developer Guide, "Amazon SQS short and long polling":
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-short-and-long-polling.html).
moto always answers with every visible message, so code that takes one short poll's answer for the queue's
content passes here and fails there.

Here, deterministically: the first short poll of a queue after a message was sent to it answers with no
message; the next one receives as moto does. A long poll (WaitTimeSeconds of 1 or more, or the queue's
ReceiveMessageWaitTimeSeconds) is never sampled, nor are Lambda's own pollers, which long-poll on AWS.
WORKBOOK_SQS_SHORT_POLL_SAMPLING=0 switches it off, for a test that wants moto's answer.
"""
from __future__ import annotations

import os
import threading
from typing import Any

from moto.sqs.models import SQSBackend
from moto.sqs.responses import SQSResponse

from serverless_workbook.localcloud.patching import Replacements

SWITCH = "WORKBOOK_SQS_SHORT_POLL_SAMPLING"

_original = {"send": SQSBackend.send_message, "send_batch": SQSBackend.send_message_batch,
             "receive": SQSBackend.receive_message, "api": SQSResponse.receive_message}
_api = threading.local()  # set while a ReceiveMessage request (not a gap filler) is being answered
_sent: set[tuple[str, str, str]] = set()  # the queues sent to since their last short poll
_lock = threading.Lock()


def _key(backend: SQSBackend, queue_name: str) -> tuple[str, str, str]:
    return backend.account_id, backend.region_name, queue_name


def _send(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
    with _lock:
        _sent.add(_key(self, queue_name))
    return _original["send"](self, queue_name, *args, **kwargs)


def _send_batch(self: SQSBackend, queue_name: str, *args: Any, **kwargs: Any) -> Any:
    with _lock:
        _sent.add(_key(self, queue_name))
    return _original["send_batch"](self, queue_name, *args, **kwargs)


def _receive(self: SQSBackend, queue_name: str, count: int, wait_seconds_timeout: int, *args: Any,
             **kwargs: Any) -> Any:
    if getattr(_api, "active", False) and not wait_seconds_timeout and os.environ.get(SWITCH, "1") != "0":
        with _lock:
            sampled_out = _key(self, queue_name) in _sent
            _sent.discard(_key(self, queue_name))
        if sampled_out:
            return []
    return _original["receive"](self, queue_name, count, wait_seconds_timeout, *args, **kwargs)


def _receive_request(self: SQSResponse) -> Any:
    _api.active = True
    try:
        return _original["api"](self)
    finally:
        _api.active = False


_replacements = Replacements((SQSBackend, "send_message", _send), (SQSBackend, "send_message_batch", _send_batch),
                             (SQSBackend, "receive_message", _receive), (SQSResponse, "receive_message", _receive_request))
install = _replacements.install


def uninstall() -> None:
    _replacements.uninstall()
    with _lock:
        _sent.clear()
