"""extract-metadata: record each transcoded rendition, and failed jobs, on the videos item.

Two event sources reach it:
- the SNS topic the transcoded bucket notifies (an S3 event inside each message);
- an SQS queue fed by an EventBridge rule for MediaConvert jobs that end in ERROR.
"""
from __future__ import annotations

import json
import logging
import os
import posixpath
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import unquote_plus

import boto3

import mp4info

logger = logging.getLogger()
logger.setLevel(logging.INFO)

s3 = boto3.client("s3")
videos = boto3.resource("dynamodb").Table(os.environ["VIDEOS_TABLE"])


@dataclass(frozen=True)
class Rendition:
    bucket: str
    key: str

    @property
    def video_id(self) -> str:
        return self.key.split("/", 1)[0]

    @property
    def name(self) -> str:
        return posixpath.basename(self.key)


@dataclass(frozen=True)
class FailedJob:
    video_id: str
    job_id: str
    error_code: int
    error_message: str


def parse_renditions(event: dict[str, Any]) -> list[Rendition]:
    """SNS records whose message is an S3 event; the s3:TestEvent sent at set-up is skipped."""
    renditions = []
    for record in event["Records"]:
        message = json.loads(record["Sns"]["Message"])
        for s3_record in message.get("Records", []):
            key = unquote_plus(s3_record["s3"]["object"]["key"])
            if key.endswith(".mp4"):
                renditions.append(Rendition(s3_record["s3"]["bucket"]["name"], key))
    return renditions


def parse_failed_jobs(event: dict[str, Any]) -> list[FailedJob]:
    """SQS records whose body is an EventBridge "MediaConvert Job State Change" event.

    A job without the pipeline's metadata was not submitted by transcode-video: it is not ours to record."""
    failed = []
    for record in event["Records"]:
        detail = json.loads(record["body"])["detail"]
        if detail["status"] == "ERROR" and "videoId" in detail.get("userMetadata", {}):
            failed.append(
                FailedJob(detail["userMetadata"]["videoId"], detail["jobId"], detail["errorCode"], detail["errorMessage"])
            )
    return failed


def describe(rendition: Rendition) -> dict[str, Any]:
    with tempfile.TemporaryFile() as file:
        s3.download_fileobj(rendition.bucket, rendition.key, file)
        size = file.tell()
        file.seek(0)
        info = mp4info.read(file)
    return {
        "key": rendition.key,
        "width": info.width,
        "height": info.height,
        "duration": Decimal(str(round(info.duration, 3))),
        "bitrate": round(size * 8 / info.duration),
        "size": size,
    }


def record_rendition(rendition: Rendition) -> None:
    item = videos.update_item(
        Key={"id": rendition.video_id},
        UpdateExpression="SET renditions.#name = :rendition",
        ConditionExpression="attribute_exists(id)",
        ExpressionAttributeNames={"#name": rendition.name},
        ExpressionAttributeValues={":rendition": describe(rendition)},
        ReturnValues="ALL_NEW",
    )["Attributes"]
    if len(item["renditions"]) >= item["expectedRenditions"] and item["status"] != "ERROR":
        videos.update_item(
            Key={"id": rendition.video_id},
            UpdateExpression="SET #status = :complete",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":complete": "COMPLETE"},
        )
    logger.info("Recorded %s (%s renditions so far)", rendition.key, len(item["renditions"]))


def record_failure(job: FailedJob) -> None:
    # update_item creates a missing item: the condition keeps another stack's (or an old) job out of this table.
    try:
        videos.update_item(
            Key={"id": job.video_id},
            UpdateExpression="SET #status = :error, errorCode = :code, errorMessage = :message",
            ConditionExpression="jobId = :job",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":error": "ERROR", ":code": job.error_code, ":message": job.error_message,
                                       ":job": job.job_id},
        )
    except videos.meta.client.exceptions.ConditionalCheckFailedException:
        logger.warning("MediaConvert job %s for %s is not one of this table's jobs; ignored", job.job_id, job.video_id)
        return
    logger.error("MediaConvert job %s for %s failed: %s", job.job_id, job.video_id, job.error_message)


def handler(event: dict[str, Any], context: Any) -> dict[str, int]:
    source = event["Records"][0].get("EventSource") or event["Records"][0].get("eventSource")
    if source == "aws:sns":
        renditions = parse_renditions(event)
        for rendition in renditions:
            record_rendition(rendition)
        return {"renditions": len(renditions)}
    if source == "aws:sqs":
        failed = parse_failed_jobs(event)
        for job in failed:
            record_failure(job)
        return {"failedJobs": len(failed)}
    raise ValueError(f"Unexpected event source {source!r}")
