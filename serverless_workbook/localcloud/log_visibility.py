"""CloudWatch Logs shows an event only some time after it was written, as on AWS.

Lambda sends a function's log lines to CloudWatch Logs asynchronously, and GetLogEvents and FilterLogEvents
return an event only once it is ingested, seconds after the function wrote it
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/Working-with-log-groups-and-streams.html). moto returns every event at
once, so code that reads a function's log the moment its invocation returned passes here and misses lines there.
Here an event is left out of both reads until delays.LOG_EVENTS after its ingestion. Code that reads until the log
settles, or waits for the line it expects, passes here as there. An invocation's own log tail (LogType=Tail) is
the function's output, not CloudWatch Logs', and is not delayed.
"""
from __future__ import annotations

import copy
import time
from typing import Any

from moto.logs.models import LogStream

from serverless_workbook.localcloud.delays import LOG_EVENTS
from serverless_workbook.localcloud.patching import Replacements

_original = {"get": LogStream.get_log_events, "filter": LogStream.filter_log_events}


def _visible(stream: LogStream) -> LogStream:
    """A copy of the stream that holds only the events a reader could see by now."""
    ingested_by = time.time() * 1000 - LOG_EVENTS.seconds() * 1000
    view = copy.copy(stream)
    view.events = [event for event in list(stream.events) if event.ingestion_time <= ingested_by]
    return view


def _get_log_events(self: LogStream, *args: Any, **kwargs: Any) -> Any:
    return _original["get"](_visible(self), *args, **kwargs)


def _filter_log_events(self: LogStream, *args: Any, **kwargs: Any) -> Any:
    return _original["filter"](_visible(self), *args, **kwargs)


_replacements = Replacements((LogStream, "get_log_events", _get_log_events),
                             (LogStream, "filter_log_events", _filter_log_events))
install, uninstall = _replacements.install, _replacements.uninstall
