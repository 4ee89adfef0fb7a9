"""Answer the boto3 ``mediaconvert`` client in process and run jobs on real ffmpeg.

moto has no MediaConvert. We hook botocore's ``before-call`` event, the hook
``botocore.stub.Stubber`` uses, so requests are still validated against the
real API model first and a wrong job document fails as it would on AWS.
Jobs run on a worker thread (SUBMITTED -> PROGRESSING -> COMPLETE/ERROR),
read their input from and write their outputs to S3 through boto3, so moto's
S3 notifications fire, and publish "MediaConvert Job State Change" events to
EventBridge like the real service.
"""
from __future__ import annotations

import copy
import logging
from concurrent.futures import ThreadPoolExecutor
import datetime
import json
import os
import queue
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3
import botocore.handlers
from moto.core import DEFAULT_ACCOUNT_ID
from botocore.awsrequest import AWSResponse
from botocore.exceptions import BotoCoreError, ClientError

from serverless_workbook.common import aws_sessions, media
from serverless_workbook.localcloud import permissions, transcoder
from serverless_workbook.localcloud.mediaconvert_settings import UnsupportedSetting, check

logger = logging.getLogger(__name__)
CONTENT_TYPES = {".mp4": "video/mp4", ".m3u8": "application/vnd.apple.mpegurl", ".ts": "video/MP2T"}
# MediaConvert's error code for an input it cannot read, and one for everything else.
ERROR_UNREADABLE_INPUT = 1010
ERROR_INTERNAL = 1999


def _account_id() -> str:
    """The account moto answers as: MOTO_ACCOUNT_ID when set (the AWS-shaped rehearsal sets it), else moto's default."""
    return os.environ.get("MOTO_ACCOUNT_ID", DEFAULT_ACCOUNT_ID)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


class JobStore:
    """The jobs of this process, and the single worker that runs them in submission order."""

    def __init__(self) -> None:
        self.jobs: dict[str, dict[str, Any]] = {}
        self.cancelled: set[str] = set()
        self.lock = threading.Lock()
        self.pending: queue.Queue[tuple[str, str | None, str]] = queue.Queue()
        self.idle = threading.Event()
        self.idle.set()
        self._clients: dict[tuple[str, str | None, str, str | None], Any] = {}
        threading.Thread(target=self._work, name="mediaconvert-worker", daemon=True).start()

    def submit(self, job: dict[str, Any], endpoint_url: str | None, region: str) -> None:
        # Under the lock, so the worker cannot mark itself idle between the two steps.
        with self.lock:
            self.jobs[job["Id"]] = job
            self.idle.clear()
            self.pending.put((job["Id"], endpoint_url, region))

    def wait_idle(self, timeout: float = 120) -> bool:
        """Block until every submitted job has finished (tests and the benchmark use this)."""
        return self.idle.wait(timeout)

    def clear(self) -> None:
        with self.lock:
            self.jobs.clear()
            self.cancelled.clear()
            self._clients.clear()

    def client(self, service: str, endpoint_url: str | None, region: str, role_arn: str | None = None) -> Any:
        """A client, as `role_arn` when given. Clients are reused across jobs: creating one costs ~0.1 s, longer
        than the uploads."""
        key = (service, endpoint_url, region, role_arn)
        if key not in self._clients:
            credentials = permissions.role_credentials(role_arn, "mediaconvert-job", region) if role_arn else {}
            self._clients[key] = aws_sessions.session(
                region_name=region, aws_access_key_id=credentials.get("AWS_ACCESS_KEY_ID"),
                aws_secret_access_key=credentials.get("AWS_SECRET_ACCESS_KEY"),
                aws_session_token=credentials.get("AWS_SESSION_TOKEN")).client(service, endpoint_url=endpoint_url)
        return self._clients[key]

    def _work(self) -> None:
        while True:
            job_id, endpoint_url, region = self.pending.get()
            try:
                job = self.jobs.get(job_id)
                if job and job["Status"] == "SUBMITTED":
                    JobRun(self, job, endpoint_url, region).execute()
            except Exception:  # e.g. EventBridge unreachable after the target closed; keep serving jobs
                logger.exception("MediaConvert job %s could not be run", job_id)
            finally:
                with self.lock:
                    self.pending.task_done()
                    if self.pending.unfinished_tasks == 0:
                        self.idle.set()


class JobRun:
    """One job's trip through ffmpeg, with S3 I/O and EventBridge status events."""

    def __init__(self, store: JobStore, job: dict[str, Any], endpoint_url: str | None, region: str) -> None:
        self.store, self.job = store, job
        # The job reads its input and writes its outputs as its role, as MediaConvert does: a role that may not
        # read the upload or write the renditions fails the job.
        self.s3 = store.client("s3", endpoint_url, region, job["Role"])
        self.events = store.client("events", endpoint_url, region)

    def execute(self) -> None:
        job = self.job
        self._set(Status="PROGRESSING", JobPercentComplete=0)
        job["Timing"]["StartTime"] = _now()
        self._publish()
        try:
            with tempfile.TemporaryDirectory(prefix="mediaconvert-") as work:
                self._transcode(Path(work))
        except (transcoder.InputError, media.NotAVideo, UnsupportedSetting) as error:
            self._finish("ERROR", ErrorCode=ERROR_UNREADABLE_INPUT, ErrorMessage=str(error))
        except (ClientError, BotoCoreError) as error:
            self._finish("ERROR", ErrorCode=ERROR_UNREADABLE_INPUT, ErrorMessage=f"S3: {error}")
        except Exception as error:  # a bug here must fail the job, never the worker that runs every job
            self._finish("ERROR", ErrorCode=ERROR_INTERNAL, ErrorMessage=f"{type(error).__name__}: {error}")
        else:
            if job["Id"] in self.store.cancelled:
                self._finish("CANCELED")
            else:
                self._finish("COMPLETE", JobPercentComplete=100)

    def _transcode(self, work: Path) -> None:
        settings = self.job["Settings"]
        job_input = settings["Inputs"][0]
        bucket, key = transcoder.split_s3_uri(job_input["FileInput"])
        source_path = work / ("input" + Path(key).suffix)
        self.s3.download_file(bucket, key, str(source_path))
        source = media.probe(source_path)
        outputs = transcoder.plan_outputs(settings, key, work / "out")
        command = transcoder.ffmpeg_command(outputs, job_input, source_path, source)
        transcoder.run(
            command, source.duration,
            on_progress=lambda percent: self._set(JobPercentComplete=percent),
            is_cancelled=lambda: self.job["Id"] in self.store.cancelled,
        )
        if self.job["Id"] in self.store.cancelled:
            return
        # Probed side by side: this is the only step between the encode and the uploads.
        with ThreadPoolExecutor() as pool:
            for output, probe in zip(outputs, pool.map(media.probe, [o.main_file for o in outputs])):
                output.probe = probe
        self.job["OutputGroupDetails"] = _output_group_details(settings, outputs)
        self._upload(outputs)

    def _upload(self, outputs: list[transcoder.OutputFile]) -> None:
        """Segments before playlists, playlists before the master, as a player would need them."""
        for output in outputs:
            bucket, prefix = transcoder.split_s3_uri(output.destination_prefix)
            files = sorted(output.local_dir.glob(f"{output.base_name}_*.ts")) + [output.main_file]
            for path in files:
                with path.open("rb") as body:
                    self.s3.put_object(Bucket=bucket, Key=prefix + path.name, Body=body,
                                       ContentType=CONTENT_TYPES.get(path.suffix, "application/octet-stream"))
        for group_index in sorted({o.group_index for o in outputs}):
            group = [o for o in outputs if o.group_index == group_index]
            if group[0].container == "M3U8":
                bucket, prefix = transcoder.split_s3_uri(group[0].destination_prefix)
                group_name = self.job["Settings"]["OutputGroups"][group_index]
                base = _hls_master_name(group_name, self.job["Settings"]["Inputs"][0]["FileInput"])
                self.s3.put_object(
                    Bucket=bucket, Key=f"{prefix}{base}.m3u8", Body=transcoder.master_playlist(group).encode(),
                    ContentType=CONTENT_TYPES[".m3u8"],
                )

    def _set(self, **fields: Any) -> None:
        with self.store.lock:
            self.job.update(fields)

    def _finish(self, status: str, **fields: Any) -> None:
        self._set(Status=status, **fields)
        self.job["Timing"]["FinishTime"] = _now()
        self._publish()

    def _publish(self) -> None:
        job = self.job
        detail: dict[str, Any] = {
            "timestamp": int(time.time() * 1000),
            "accountId": _account_id(),
            "queue": job["Queue"],
            "jobId": job["Id"],
            "status": job["Status"],
            "userMetadata": job.get("UserMetadata", {}),
        }
        if job["Status"] == "ERROR":
            detail.update(errorCode=job["ErrorCode"], errorMessage=job["ErrorMessage"])
        if job["Status"] == "COMPLETE":
            detail["outputGroupDetails"] = _event_output_details(job)
        self.events.put_events(
            Entries=[{
                "Source": "aws.mediaconvert",
                "DetailType": "MediaConvert Job State Change",
                "Resources": [job["Arn"]],
                "Detail": json.dumps(detail),
            }]
        )


def _hls_master_name(group: dict[str, Any], file_input: str) -> str:
    destination = group["OutputGroupSettings"]["HlsGroupSettings"]["Destination"]
    return destination.rpartition("/")[2] or Path(transcoder.split_s3_uri(file_input)[1]).stem


def _output_group_details(settings: dict[str, Any], outputs: list[transcoder.OutputFile]) -> list[dict[str, Any]]:
    """GetJob's OutputGroupDetails: per output its duration and picture size."""
    details = []
    for group_index, _ in enumerate(settings["OutputGroups"]):
        details.append({
            "OutputDetails": [
                {
                    "DurationInMs": int(round(o.probe.duration * 1000)),
                    "VideoDetails": {"WidthInPx": o.probe.width, "HeightInPx": o.probe.height},
                }
                for o in outputs if o.group_index == group_index
            ]
        })
    return details


def _event_output_details(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The job-complete event's camelCase output details, with each output's S3 path."""
    groups = []
    for group, details in zip(job["Settings"]["OutputGroups"], job["OutputGroupDetails"]):
        groups.append({
            "type": group["OutputGroupSettings"]["Type"].replace("_SETTINGS", ""),
            "outputDetails": [
                {
                    "durationInMs": d["DurationInMs"],
                    "videoDetails": {"widthInPx": d["VideoDetails"]["WidthInPx"], "heightInPx": d["VideoDetails"]["HeightInPx"]},
                }
                for d in details["OutputDetails"]
            ],
        })
    return groups


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


class MediaConvertService:
    """The four operations, on a JobStore."""

    def __init__(self, store: JobStore) -> None:
        self.store = store

    def create_job(self, params: dict[str, Any], endpoint_url: str | None, region: str) -> dict[str, Any]:
        try:
            check(params)
            if len(params["Settings"]["Inputs"]) != 1:
                raise UnsupportedSetting("Settings.Inputs", "exactly one input is supported (no stitching)")
        except UnsupportedSetting as error:
            raise ApiError(400, "BadRequestException", str(error)) from None
        job_id = f"{int(time.time() * 1000)}-{uuid.uuid4().hex[:6]}"
        job = {
            "Id": job_id,
            "Arn": f"arn:aws:mediaconvert:{region}:{_account_id()}:jobs/{job_id}",
            "Status": "SUBMITTED",
            "CreatedAt": _now(),
            "Role": params["Role"],
            "Queue": params.get("Queue", f"arn:aws:mediaconvert:{region}:{_account_id()}:queues/Default"),
            "Settings": copy.deepcopy(params["Settings"]),
            "UserMetadata": dict(params.get("UserMetadata", {})),
            "Timing": {"SubmitTime": _now()},
            "AccelerationStatus": "NOT_APPLICABLE",
            "Priority": 0,
        }
        self.store.submit(job, endpoint_url, region)
        return {"Job": self._snapshot(job_id)}

    def get_job(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"Job": self._snapshot(params["Id"])}

    def list_jobs(self, params: dict[str, Any]) -> dict[str, Any]:
        with self.store.lock:
            jobs = [j for j in self.store.jobs.values()
                    if params.get("Status") in (None, j["Status"]) and params.get("Queue") in (None, j["Queue"])]
        jobs.sort(key=lambda j: j["CreatedAt"], reverse=params.get("Order", "DESCENDING") == "DESCENDING")
        start = int(params.get("NextToken") or 0)
        page_size = params.get("MaxResults", 20)
        page = jobs[start:start + page_size]
        response: dict[str, Any] = {"Jobs": [self._snapshot(j["Id"]) for j in page]}
        if start + page_size < len(jobs):
            response["NextToken"] = str(start + page_size)
        return response

    def cancel_job(self, params: dict[str, Any]) -> dict[str, Any]:
        job = self._snapshot(params["Id"])
        if job["Status"] not in ("SUBMITTED", "PROGRESSING"):
            raise ApiError(409, "ConflictException", f"Job {params['Id']} is {job['Status']} and cannot be canceled")
        with self.store.lock:
            self.store.cancelled.add(params["Id"])
            if job["Status"] == "SUBMITTED":
                self.store.jobs[params["Id"]]["Status"] = "CANCELED"
        return {}

    def _snapshot(self, job_id: str) -> dict[str, Any]:
        with self.store.lock:
            if job_id not in self.store.jobs:
                raise ApiError(404, "NotFoundException", f"The specified job {job_id} does not exist")
            return copy.deepcopy(self.store.jobs[job_id])


_OPERATIONS = {"CreateJob": "create_job", "GetJob": "get_job", "ListJobs": "list_jobs", "CancelJob": "cancel_job"}
store: JobStore | None = None
_service: MediaConvertService | None = None
_installed = False


def _remember_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    # The request dict seen by before-call is already serialized to the wire's camelCase;
    # keep the caller's own shape (the same object, so the idempotency token filled later is in it).
    context["workbook_mediaconvert_params"] = params


def _refusal(request_signer: Any, params: dict[str, Any], region: str) -> str | None:
    """Why a function's role may not submit this job: CreateJob on the job's queue, and iam:PassRole on the job's
    role to MediaConvert (MediaConvert User Guide, "Setting up IAM permissions":
    https://docs.aws.amazon.com/mediaconvert/latest/ug/iam-role.html)."""
    credentials = request_signer._credentials if request_signer is not None else None
    if credentials is None:
        return None
    key = credentials.get_frozen_credentials().access_key
    queue = params.get("Queue") or f"arn:aws:mediaconvert:{region}:{_account_id()}:queues/Default"
    return (permissions.refusal(key, "mediaconvert:CreateJob", queue)
            or permissions.refusal(key, "iam:PassRole", params.get("Role", ""),
                                   {"iam:PassedToService": "mediaconvert.amazonaws.com"}))


def _answer(model: Any, params: dict[str, Any], context: dict[str, Any], request_signer: Any = None,
            **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
    if _service is None:
        return None
    api_params = copy.deepcopy(context.get("workbook_mediaconvert_params", {}))
    request_id = str(uuid.uuid4())
    metadata = {"RequestId": request_id, "HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
    try:
        if model.name not in _OPERATIONS:
            raise ApiError(400, "BadRequestException",
                           f"The local cloud's MediaConvert implements {', '.join(_OPERATIONS)}, not {model.name}")
        if model.name == "CreateJob":
            host = urlsplit(params["url"])
            endpoint_url = None if host.hostname.endswith("amazonaws.com") else f"{host.scheme}://{host.netloc}"
            region = context.get("client_region") or "us-east-1"
            refused = _refusal(request_signer, api_params, region)
            if refused:
                raise ApiError(403, "AccessDeniedException", refused)
            body = _service.create_job(api_params, endpoint_url, region)
            status = 201
        else:
            body = getattr(_service, _OPERATIONS[model.name])(api_params)
            status = 200
    except ApiError as error:
        metadata["HTTPStatusCode"] = error.status
        return AWSResponse(params["url"], error.status, {}, None), {
            "Error": {"Code": error.code, "Message": str(error)}, "Message": str(error), "ResponseMetadata": metadata,
        }
    metadata["HTTPStatusCode"] = status
    body["ResponseMetadata"] = metadata
    return AWSResponse(params["url"], status, {}, None), body


_HANDLERS = [
    ("before-parameter-build.mediaconvert", _remember_params),
    ("before-call.mediaconvert", _answer),
]


def install() -> JobStore:
    """Answer every mediaconvert client created from now on (and the default session's)."""
    global store, _service, _installed
    if store is None:
        store = JobStore()
    _service = MediaConvertService(store)
    if not _installed:
        botocore.handlers.BUILTIN_HANDLERS.extend(_HANDLERS)
        _installed = True
        if boto3.DEFAULT_SESSION is not None:
            for event, handler in _HANDLERS:
                boto3.DEFAULT_SESSION.events.register(event, handler)
    return store


def uninstall() -> None:
    """Stop answering; clients made afterwards reach the real (or moto's) endpoint again."""
    global _service
    _service = None
