"""encode-segment: encode one video segment with x264 (the Map state runs one per segment).

One thread: a function with up to 1,769 MB of memory has one vCPU, and the
speed-up must come from running many functions, not from one function's cores.
The same function encoding a whole video is the single-job baseline.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import boto3

import ffmpeg_tools

X264 = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p", "-threads", "1"]
s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, key, output_key = event["bucket"], event["key"], event["output_key"]
    with tempfile.TemporaryDirectory() as folder:
        source, encoded = os.path.join(folder, "source.mp4"), os.path.join(folder, "encoded.mp4")
        s3.download_file(bucket, key, source)
        # Video only: the audio is split off once and muxed back by the merge.
        ffmpeg_tools.run("-i", source, "-map", "0:v:0", *X264, encoded)
        s3.upload_file(encoded, bucket, output_key)
    return {"bucket": bucket, "key": output_key}
