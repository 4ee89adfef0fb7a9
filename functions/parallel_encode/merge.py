"""merge: join the encoded segments with the concat demuxer, then put the audio back.

Both steps copy streams: the concat demuxer shifts each segment's timestamps
by the durations before it, so the joined video plays without a seam.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import boto3

import ffmpeg_tools

s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, output_key, encoded = event["bucket"], event["output_key"], event["encoded"]
    if not encoded:
        raise ValueError("Nothing to merge: the Map state produced no encoded segments")
    with tempfile.TemporaryDirectory() as folder:
        pieces = []
        for index, segment in enumerate(encoded):
            pieces.append(os.path.join(folder, f"{index:03d}.mp4"))
            s3.download_file(segment["bucket"], segment["key"], pieces[-1])
        audio = None
        if event.get("audio_key"):
            audio = os.path.join(folder, "audio.m4a")
            s3.download_file(bucket, event["audio_key"], audio)
        s3.upload_file(join(pieces, audio, folder), bucket, output_key)
    print(f"merged {len(encoded)} segments into {output_key}")
    return {"bucket": bucket, "key": output_key, "segments": len(encoded)}


def join(pieces: list[str], audio: str | None, folder: str) -> str:
    """The pieces joined in order, with the audio (if any) put back; the merged file's path, in `folder`."""
    listing = os.path.join(folder, "segments.txt")
    with open(listing, "w") as lines:
        lines.writelines(f"file '{path}'\n" for path in pieces)
    video, merged = os.path.join(folder, "video.mp4"), os.path.join(folder, "merged.mp4")
    ffmpeg_tools.run("-f", "concat", "-safe", "0", "-i", listing, "-c", "copy", video)
    if audio:
        ffmpeg_tools.run("-i", video, "-i", audio, "-map", "0:v:0", "-map", "1:a:0", "-c", "copy",
                         "-movflags", "+faststart", merged)
    else:
        ffmpeg_tools.run("-i", video, "-c", "copy", "-movflags", "+faststart", merged)
    return merged
