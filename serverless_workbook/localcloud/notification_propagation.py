"""A bucket's new notification configuration takes effect only after a delay, as on AWS.

"After you create or change the bucket notification configuration, it usually takes about five minutes for the
changes to take effect" (S3 User Guide, "Using Amazon SQS, Amazon SNS, and Lambda":
https://docs.aws.amazon.com/AmazonS3/latest/userguide/how-to-enable-disable-notification-intro.html). moto applies
it at once, so code that uploads right after setting a trigger (or switches a trigger off around an upload) passes
here and loses, or gets, that event there. Here, for delays.NOTIFICATION_CONFIGURATION after a change, S3 goes on
notifying as the bucket's previous configuration says: a new trigger does not fire yet, a removed one still does.
Code that waits for its trigger to fire (re-uploading while nothing happened) passes here as there.
"""
from __future__ import annotations

import copy
import threading
import time
from typing import Any

from moto.s3 import notifications
from moto.s3.models import FakeBucket, S3Backend

from serverless_workbook.localcloud.delays import NOTIFICATION_CONFIGURATION
from serverless_workbook.localcloud.patching import Replacements

_original = {"put": S3Backend.put_bucket_notification_configuration, "send": notifications.send_event}
# A bucket changed lately -> (the configuration S3 still acts on, the monotonic time the new one takes over).
# Keyed by the bucket itself: a bucket deleted and created again under its name starts afresh.
_pending: dict[FakeBucket, tuple[Any, float]] = {}
_applied: dict[FakeBucket, Any] = {}  # the configuration last put on each bucket, as it was put
_lock = threading.Lock()


def _put(self: S3Backend, bucket_name: str, notification_config: dict[str, Any]) -> None:
    bucket = self.get_bucket(bucket_name)
    before = bucket.notification_configuration
    _original["put"](self, bucket_name, notification_config)
    with _lock:
        if _applied.get(bucket) == notification_config:
            return  # the same configuration again (a stack update that left it alone) changes nothing
        _applied[bucket] = copy.deepcopy(notification_config)
        acting, until = _pending.get(bucket, (before, 0.0))
        # A change within the window leaves the configuration S3 acts on as it was.
        _pending[bucket] = (acting if until > time.monotonic() else before,
                            time.monotonic() + NOTIFICATION_CONFIGURATION.seconds())


def _acting(bucket: FakeBucket) -> FakeBucket:
    """The bucket as S3's notification senders see it now."""
    with _lock:
        pending = _pending.get(bucket)
        if pending is None or pending[1] <= time.monotonic():
            _pending.pop(bucket, None)
            return bucket
    view = copy.copy(bucket)
    view.notification_configuration = pending[0]
    return view


def _send_event(account_id: str, event_name: Any, bucket: FakeBucket, key: Any) -> None:
    _original["send"](account_id, event_name, _acting(bucket), key)


_replacements = Replacements((S3Backend, "put_bucket_notification_configuration", _put),
                             (notifications, "send_event", _send_event))
install = _replacements.install


def uninstall() -> None:
    _replacements.uninstall()
    with _lock:
        _pending.clear()
        _applied.clear()
