"""Drive and observe a deployed video pipeline: wait for its job, read what happened, estimate and clean up.

    session = PipelineSession(target, "lab02-video")
    outputs = session.deploy(template_path, code={...})   # run it again: updates in place
    item = upload_and_wait(target, outputs, clip, "uploads/My first clip.mp4")
    session.teardown()      # from any cell: call it when you are done
"""
from __future__ import annotations

import atexit
import datetime
import functools
import json
import posixpath
import re
import time
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Iterator

from boto3.exceptions import S3UploadFailedError
from botocore.exceptions import ClientError
from tqdm.auto import tqdm

from serverless_workbook.cloud import function_logs, load_runs, stacks
from serverless_workbook.common import waiting
from serverless_workbook.localcloud import delays
from serverless_workbook.models import costs
from serverless_workbook.models.timeline import Span

# The book's three MP4 outputs: NameModifier -> (width, height, video bitrate).
BOOK_RENDITIONS = {
    "-1080p": (1920, 1080, 6_000_000),
    "-720p": (1280, 720, 4_500_000),
    "-480p": (640, 480, 1_500_000),
}
FINAL_ITEM_STATES = ("COMPLETE", "ERROR")
NO_ITEM = "no item with that id"  # what a wait for an item that never appeared says it found
# How long the local cloud must stay idle before a wait for an item gives up; and before an upload counts as one
# that started nothing (S3 invokes the function before the local cloud answers the upload, so little is needed).
IDLE_GRACE_S, UPLOAD_IDLE_GRACE_S = 2, 0.5
# How long an upload may start nothing on a real account before it is uploaded again, and for how long in all
# (S3's documented delay before a new trigger takes effect is about five minutes).
TRIGGER_RETRY_S, TRIGGER_WAIT_S = 60, 420


def video_id(key: str) -> str:
    """The upload's basename: the item's id and the renditions' folder."""
    return posixpath.splitext(posixpath.basename(key))[0]


def _poll_seconds(target: Any) -> float:
    # The local cloud answers at once; a real account is polled gently.
    return 0.1 if target.is_local else 5


def _hopeless_once_idle(target: Any, grace: float) -> Callable[[], str | None]:
    """For waiting.until: a reason to stop once the local cloud has had no work for `grace` seconds (never on AWS)."""
    idle_since = None

    def hopeless() -> str | None:
        nonlocal idle_since
        if not target.is_idle():
            idle_since = None
            return None
        idle_since = idle_since or time.monotonic()
        if time.monotonic() - idle_since > grace:
            return "and the local cloud has no work left that could change it"
        return None

    return hopeless


def wait_for_item(target: Any, table_name: str, item_id: str, ready: Callable[[dict], bool],
                  timeout: float | None = None, idle_grace: float = IDLE_GRACE_S) -> dict[str, Any]:
    """The item once `ready` says so. On the local cloud a wrong handler is reported as soon as the cloud has
    nothing left to do (or after 30 s at most), rather than after a real account's 15 minutes."""
    timeout = timeout or (30 if target.is_local else 900)
    table = target.resource("dynamodb").Table(table_name)
    try:
        return waiting.until(lambda: table.get_item(Key={"id": item_id}, ConsistentRead=True).get("Item"),
                             f"the videos item {item_id!r}", ready=lambda item: item is not None and ready(item),
                             timeout=timeout, interval=_poll_seconds(target),
                             hopeless=_hopeless_once_idle(target, idle_grace))
    except waiting.WaitTimedOut as waited:
        item = waited.last
        found = (f"{NO_ITEM} (an upload right after the deploy may start nothing: S3 applies a new trigger after a "
                 "delay, and until_recorded uploads again while nothing was recorded)" if item is None
                 else f"status {item.get('status')!r}, fields {sorted(item)}")
        raise TimeoutError(f"the videos item {item_id!r} was not ready {waited.why}; found {found}. transcode-video "
                           "puts it (with jobId) for the upload's decoded basename, extract-metadata completes it"
                           ) from None


def watch_job(target: Any, job_id: str, label: str) -> dict[str, Any]:
    """Poll GetJob with a progress bar that shows the job's state; return the finished job."""
    mediaconvert = target.client("mediaconvert")
    # No elapsed time in the bar, so the saved output is the same on every run.
    with tqdm(total=100, bar_format="{desc} {bar:20} {n}%") as bar:
        def job() -> dict[str, Any]:
            found = mediaconvert.get_job(Id=job_id)["Job"]
            bar.set_description_str(f"{label}: {found['Status']}")
            done = 100 if found["Status"] == "COMPLETE" else found.get("JobPercentComplete", 0)
            bar.update(max(0, done - bar.n))
            return found

        # A job the local MediaConvert no longer runs would otherwise be waited for forever.
        return waiting.until(job, f"the MediaConvert job {job_id} to end", interval=_poll_seconds(target),
                             ready=lambda found: found["Status"] in stacks.FINAL_JOB_STATES,
                             hopeless=_hopeless_once_idle(target, IDLE_GRACE_S))


def _needs_stack(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn "no such bucket / table" into stacks.NotDeployed: one line instead of a traceback."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except (ClientError, S3UploadFailedError) as error:
            if not any(code in str(error) for code in ("NoSuchBucket", "ResourceNotFoundException")):
                raise
            raise stacks.NotDeployed("The pipeline's bucket or table is not there (torn down, or the kernel "
                                     "restarted): run the deploy cell first.") from error

    return wrapper


def until_recorded(target: Any, outputs: dict[str, str], video_id: str, upload: Callable[[], Any]) -> dict[str, Any]:
    """upload(), then the video's item once transcode-video recorded its job.

    S3 applies a bucket's new trigger only after a while ("usually about five minutes", the S3 guide says), so an
    upload right after the deploy may start nothing. While nothing at all was recorded, upload() is called again
    (the same key: S3 replaces the object), for as long as S3 may take; once the table changed, or after that,
    a missing item is the handler's doing, and the wait's error says so.
    """
    table = target.resource("dynamodb").Table(outputs["VideosTableName"])
    deadline = time.monotonic() + (UPLOAD_IDLE_GRACE_S + 2 * delays.NOTIFICATION_CONFIGURATION.at_most()
                                   if target.is_local else TRIGGER_WAIT_S)
    while True:
        items_before = table.scan(Select="COUNT")["Count"]
        upload()
        try:
            return wait_for_item(target, outputs["VideosTableName"], video_id, lambda i: "jobId" in i,
                                 timeout=None if target.is_local else TRIGGER_RETRY_S, idle_grace=UPLOAD_IDLE_GRACE_S)
        except TimeoutError as error:
            triggered = table.scan(Select="COUNT")["Count"] != items_before
            if NO_ITEM not in str(error) or triggered or time.monotonic() >= deadline:
                raise


@_needs_stack
def upload_and_wait(target: Any, outputs: dict[str, str], clip: str | Path, key: str) -> dict[str, Any]:
    """Upload a clip, follow its MediaConvert job, and return its videos item once it is final."""
    item_id = video_id(key)
    item = until_recorded(target, outputs, item_id,
                          lambda: target.client("s3").upload_file(str(clip), outputs["UploadBucketName"], key))
    watch_job(target, item["jobId"], item_id)
    return wait_for_item(target, outputs["VideosTableName"], item_id, lambda i: i["status"] in FINAL_ITEM_STATES)


@_needs_stack
def processed(target: Any, outputs: dict[str, str], clip: str | Path, key: str) -> dict[str, Any]:
    """The clip's final videos item, uploading it and waiting first unless that was done already."""
    item = target.resource("dynamodb").Table(outputs["VideosTableName"]).get_item(
        Key={"id": video_id(key)}, ConsistentRead=True).get("Item")
    if item is not None and item.get("status") in FINAL_ITEM_STATES:
        return item
    uploaded = target.client("s3").list_objects_v2(Bucket=outputs["UploadBucketName"], Prefix=key).get("Contents", [])
    if item is None and any(o["Key"] == key for o in uploaded):
        # Uploading again would only wait again for an item transcode-video does not write.
        raise RuntimeError(f"{key!r} is in the upload bucket but the videos table has no item {video_id(key)!r}: "
                           "transcode-video did not record the upload, so the pipeline cannot finish it")
    return upload_and_wait(target, outputs, clip, key)


def lambda_spans(target: Any, function_name: str) -> list[Span]:
    """One span per invocation, from the REPORT lines of the function's log group (read once it has settled).

    A REPORT line is written when the invocation ends and carries its duration.
    """
    spans = [Span(function_name, end - report.duration_ms / 1000, end)
             for end, report in load_runs.reports_in(function_logs.events(target, function_name))]
    return sorted(spans, key=lambda s: s.start)


def job_spans(job: dict[str, Any]) -> list[Span]:
    """The job's wait in the queue and its transcoding, from GetJob's Timing."""
    timing = {k: v.timestamp() for k, v in job["Timing"].items() if isinstance(v, datetime.datetime)}
    return [Span("MediaConvert queued", timing["SubmitTime"], timing["StartTime"]),
            Span("MediaConvert transcoding", timing["StartTime"], timing["FinishTime"])]


def run_cost(clip_seconds: float) -> dict[str, float]:
    """An upper bound, in USD, of one lab run on a real account: MediaConvert is nearly all of it.

    Each output is counted as at least one whole minute, so the estimate errs high. Lambda,
    S3, DynamoDB, SNS and SQS for a handful of requests and a few MB come to well under a cent.
    """
    by_height = costs.transcode_cost(clip_seconds, tuple(h for _, h, _ in BOOK_RENDITIONS.values()))
    cost = {f"MediaConvert {m[1:]}": by_height[h] for m, (_, h, _) in BOOK_RENDITIONS.items()}
    cost["Lambda, S3, DynamoDB, SNS, SQS (under)"] = costs.OTHER_SERVICES_BOUND
    return cost


class DeployedOutputs(Mapping):
    """A stack's outputs, read from CloudFormation when a cell uses them.

    Bound in a lab's first cell and replaced by the deploy cell's result: after a kernel
    restart, a cell that needs the stack says "run the deploy cell first" in one line
    (stacks.NotDeployed) instead of a NameError traceback.
    """

    def __init__(self, session: "PipelineSession") -> None:
        self._session = session

    def __getitem__(self, key: str) -> str:
        return self._session.outputs()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._session.outputs())

    def __len__(self) -> int:
        return len(self._session.outputs())


class PipelineSession:
    """One deployed stack; teardown() works from any cell.

    On a real account teardown is also registered with atexit, as a safety net only: a kernel
    shutdown does not wait for atexit work, so call teardown() yourself.
    """

    def __init__(self, target: Any, stack_name: str) -> None:
        self.target, self.stack_name = target, stack_name
        self._registered = False

    def deploy(self, template_path: str | Path, code: dict[str, str | Path],
               replace_data: bool = False) -> dict[str, str]:
        """Create the stack, or update it in place (see stacks.deploy); a failed create leaves nothing behind."""
        if not self.target.is_local and not self._registered:
            atexit.register(self.teardown)
            self._registered = True
        return stacks.deploy(self.target, self.stack_name, template_path, code=code, replace_data=replace_data)

    def outputs(self) -> dict[str, str]:
        """The deployed stack's outputs; stacks.NotDeployed says "run the deploy cell first" when it is not there."""
        return stacks.outputs(self.target, self.stack_name)

    def deployed(self) -> bool:
        try:
            self.outputs()
        except stacks.NotDeployed:
            return False
        return True

    def teardown(self) -> list[str]:
        """Delete the stack if it is there; return the leftover scan (empty when all is gone)."""
        if self.deployed():
            stacks.teardown(self.target, self.stack_name)
        return stacks.leftovers(self.target, self.stack_name)


_VOLATILE_KEYS = {"sequencer", "x-amz-request-id", "x-amz-id-2", "Signature", "MessageId", "configurationId"}
# Facts about encoded bytes: another CPU or ffmpeg build gives other values for the same video.
_ENCODER_KEYS = {"eTag": "<MD5 of the bytes>", "size": "<bytes>", "bitrate": "<bits per second>"}
# Muxers of other ffmpeg builds end a file a few milliseconds apart (2.0 s, 2.006 s):
# durations print to the tenth of a second, each key in its own unit and type.
_DURATION_ROUNDING = {"duration": (1, float), "durationInMs": (-2, int)}
_VOLATILE_TEXT = [
    # The random suffix CloudFormation gives a resource's physical name.
    (re.compile(r"(?<=-)(?=[0-9]*[A-Z])[A-Z0-9]{12}\b"), "<suffix>"),
    (re.compile(r"\b\d{13}-[0-9a-f]{6}\b"), "<job-id>"),
    (re.compile(r"(?<=SimpleNotificationService-)[0-9a-f]{32}"), "<certificate>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?"), "<time>"),
    (re.compile(r"^1\d{12}$"), "<epoch-ms>"),
]


def stable(value: Any, key: str | None = None) -> Any:
    """A copy of an event or document with ids and times replaced by placeholders, for printing."""
    if isinstance(value, dict):
        return {k: stable(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [stable(v) for v in value]
    if key in _VOLATILE_KEYS and isinstance(value, str):
        return f"<{key}>"
    if key in _ENCODER_KEYS:
        return _ENCODER_KEYS[key]
    if isinstance(value, Decimal):
        # DynamoDB numbers arrive as Decimal; print them as the numbers they are.
        value = int(value) if value == value.to_integral_value() else float(value)
    if key in _DURATION_ROUNDING and isinstance(value, (int, float)) and not isinstance(value, bool):
        digits, kind = _DURATION_ROUNDING[key]
        return kind(round(value, digits))
    if isinstance(value, (datetime.datetime, int)) and not isinstance(value, bool):
        text = value.isoformat() if isinstance(value, datetime.datetime) else str(value)
    elif isinstance(value, str):
        text = value
    else:
        return value
    replaced = text
    for pattern, placeholder in _VOLATILE_TEXT:
        replaced = pattern.sub(placeholder, replaced)
    return value if replaced == text else replaced


def show(value: Any) -> None:
    """Print a document, stabilised, as indented JSON."""
    print(json.dumps(stable(value), indent=2, default=str, ensure_ascii=False))
