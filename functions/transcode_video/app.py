"""transcode-video: submit one MediaConvert job per video uploaded to the upload bucket.

The job writes the book's three MP4 renditions into the transcoded bucket
under ``<basename>/`` and the videos table records that the job is running.
"""
from __future__ import annotations

import logging
import os
import posixpath
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import boto3

logger = logging.getLogger()
logger.setLevel(logging.INFO)

# (NameModifier, width, height, video bitrate): the book's 1080p, 720p and 480p outputs.
RENDITIONS = (
    ("-1080p", 1920, 1080, 6_000_000),
    ("-720p", 1280, 720, 4_500_000),
    ("-480p", 640, 480, 1_500_000),
)
AUDIO_SELECTOR = "Audio Selector 1"

TRANSCODED_BUCKET = os.environ["TRANSCODED_BUCKET"]
MEDIACONVERT_ROLE_ARN = os.environ["MEDIACONVERT_ROLE_ARN"]
# Clients are created once per sandbox and reused by every invocation.
mediaconvert = boto3.client("mediaconvert")
videos = boto3.resource("dynamodb").Table(os.environ["VIDEOS_TABLE"])


@dataclass(frozen=True)
class Upload:
    bucket: str
    key: str

    @property
    def video_id(self) -> str:
        """The upload's basename, which is also its folder in the transcoded bucket."""
        return posixpath.splitext(posixpath.basename(self.key))[0]


def parse_uploads(event: dict[str, Any]) -> list[Upload]:
    """S3 sends keys URL-encoded, and one s3:TestEvent when the notification is configured."""
    if event.get("Event") == "s3:TestEvent":
        return []
    return [
        Upload(record["s3"]["bucket"]["name"], unquote_plus(record["s3"]["object"]["key"]))
        for record in event["Records"]
        if record["eventName"].startswith("ObjectCreated")
    ]


def mp4_output(name_modifier: str, width: int, height: int, bitrate: int) -> dict[str, Any]:
    return {
        "NameModifier": name_modifier,
        "ContainerSettings": {"Container": "MP4", "Mp4Settings": {}},
        "VideoDescription": {
            "Width": width,
            "Height": height,
            "CodecSettings": {
                "Codec": "H_264",
                "H264Settings": {"RateControlMode": "CBR", "Bitrate": bitrate, "QualityTuningLevel": "SINGLE_PASS"},
            },
        },
        "AudioDescriptions": [
            {
                "AudioSourceName": AUDIO_SELECTOR,
                "CodecSettings": {
                    "Codec": "AAC",
                    "AacSettings": {"Bitrate": 96_000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48_000},
                },
            }
        ],
    }


def job_settings(upload: Upload) -> dict[str, Any]:
    return {
        "Inputs": [
            {
                "FileInput": f"s3://{upload.bucket}/{upload.key}",
                "AudioSelectors": {AUDIO_SELECTOR: {"DefaultSelection": "DEFAULT"}},
                "TimecodeSource": "ZEROBASED",
            }
        ],
        "OutputGroups": [
            {
                "Name": "File Group",
                "OutputGroupSettings": {
                    "Type": "FILE_GROUP_SETTINGS",
                    "FileGroupSettings": {"Destination": f"s3://{TRANSCODED_BUCKET}/{upload.video_id}/"},
                },
                "Outputs": [mp4_output(*rendition) for rendition in RENDITIONS],
            }
        ],
    }


def handler(event: dict[str, Any], context: Any) -> dict[str, list[str]]:
    job_ids = []
    for upload in parse_uploads(event):
        job = mediaconvert.create_job(
            Role=MEDIACONVERT_ROLE_ARN,
            Settings=job_settings(upload),
            # transcodedBucket marks the job as this stack's: the failed-job rule matches only it.
            UserMetadata={"videoId": upload.video_id, "sourceKey": upload.key, "transcodedBucket": TRANSCODED_BUCKET},
        )["Job"]
        videos.put_item(
            Item={
                "id": upload.video_id,
                "sourceBucket": upload.bucket,
                "sourceKey": upload.key,
                "jobId": job["Id"],
                "status": "SUBMITTED",
                "expectedRenditions": len(RENDITIONS),
                "renditions": {},
            }
        )
        logger.info("Submitted MediaConvert job %s for s3://%s/%s", job["Id"], upload.bucket, upload.key)
        job_ids.append(job["Id"])
    return {"jobIds": job_ids}
