"""A DynamoDB stream mapping that starts at LATEST misses what was written before it began polling, as on AWS.

With StartingPosition LATEST, Lambda reads only records written after its poller started reading the stream, which
is some time after CreateEventSourceMapping (or the stack's deploy) returned
(https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html); TRIM_HORIZON starts from the oldest record. moto
delivers every record to every mapping, so code that writes right after deploying a LATEST mapping passes here and
loses those writes there. Here a LATEST mapping is given no record written before delays.STREAM_START after its
creation; TRIM_HORIZON mappings get every record, as before.
"""
from __future__ import annotations

import datetime
import threading
from typing import Any

from moto.awslambda.models import EventSourceMapping, LambdaBackend
from moto.core.utils import utcnow

from serverless_workbook.localcloud.delays import STREAM_START
from serverless_workbook.localcloud.patching import Replacements

_original = {"init": EventSourceMapping.__init__, "send": LambdaBackend.send_dynamodb_items}
_polling_from: dict[str, datetime.datetime] = {}  # a LATEST mapping's uuid -> when its poller starts reading
_lock = threading.Lock()


def _init(self: EventSourceMapping, spec: dict[str, Any]) -> None:
    _original["init"](self, spec)
    if self.starting_position == "LATEST":
        with _lock:
            _polling_from[self.uuid] = utcnow() + datetime.timedelta(seconds=STREAM_START.seconds())


def _send(self: LambdaBackend, function_arn: str, items: list[Any], source: str) -> Any:
    with _lock:
        starts = [_polling_from.get(m.uuid) for m in self._event_source_mappings.values()
                  if m.function_arn == function_arn and m.event_source_arn == source]
    start = starts[0] if starts else None
    if start is not None:
        items = [item for item in items if item.record["dynamodb"]["ApproximateCreationDateTime"] >= start]
        if not items:
            return None  # nothing this poller has seen; moto keeps the records for the stream's other mappings
    return _original["send"](self, function_arn, items, source)


_replacements = Replacements((EventSourceMapping, "__init__", _init), (LambdaBackend, "send_dynamodb_items", _send))
install = _replacements.install


def uninstall() -> None:
    _replacements.uninstall()
    with _lock:
        _polling_from.clear()
