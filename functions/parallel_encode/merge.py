"""merge: join the encoded segments with the concat demuxer, and put the audio back.

One stream copy: the concat demuxer shifts each segment's timestamps by the
durations before it, so the joined video plays without a seam.
"""
from __future__ import annotations

import os
import tempfile
from typing import Any

import boto3

import ffmpeg_tools
import transfers

s3 = boto3.client("s3")


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, output_key, encoded = event["bucket"], event["output_key"], event["encoded"]
    if not encoded:
        raise ValueError("Nothing to merge: the Map state produced no encoded segments")
    with tempfile.TemporaryDirectory() as folder:
        pieces = [os.path.join(folder, f"{index:03d}.mp4") for index in range(len(encoded))]
        downloads = [(segment["bucket"], segment["key"], piece) for segment, piece in zip(encoded, pieces)]
        audio = os.path.join(folder, "audio.m4a") if event.get("audio_key") else None
        if audio:
            downloads.append((bucket, event["audio_key"], audio))
        transfers.at_once(s3.download_file, downloads)
        s3.upload_file(join(pieces, audio, folder), bucket, output_key)
    print(f"merged {len(encoded)} segments into {output_key}")
    return {"bucket": bucket, "key": output_key, "segments": len(encoded)}


def join(pieces: list[str], audio: str | None, folder: str) -> str:
    """The pieces joined in order, with the audio (if any) put back; the merged file's path, in `folder`."""
    listing = os.path.join(folder, "segments.txt")
    with open(listing, "w") as lines:
        lines.writelines(f"file '{path}'\n" for path in pieces)
    merged = os.path.join(folder, "merged.mp4")
    with_audio = ("-i", audio, "-map", "0:v:0", "-map", "1:a:0") if audio else ()
    ffmpeg_tools.run("-f", "concat", "-safe", "0", "-i", listing, *with_audio, "-c", "copy",
                     "-movflags", "+faststart", merged)
    return merged
