"""split: cut the uploaded video into segments at keyframes, and its audio into one file.

Stream copy, so splitting costs a read and a write, not an encode; a cut can
only fall on a keyframe, so a source with sparse keyframes gives fewer
segments than asked for.
"""
from __future__ import annotations

import csv
import os
import posixpath
import tempfile
from typing import Any

import boto3

import ffmpeg_tools
import transfers

MAX_SEGMENTS = 64
s3 = boto3.client("s3")


def segment_count(event: dict[str, Any]) -> int:
    count = event.get("segments")
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_SEGMENTS:
        raise ValueError(f"segments must be a whole number from 1 to {MAX_SEGMENTS}, not {count!r}")
    return count


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    bucket, key, count = event["bucket"], event["key"], segment_count(event)
    name = posixpath.splitext(posixpath.basename(key))[0]
    work = f"work/{context.aws_request_id}"
    with tempfile.TemporaryDirectory() as folder:
        source = os.path.join(folder, "source.mp4")
        s3.download_file(bucket, key, source)
        source_streams = ffmpeg_tools.streams(source)
        audio = os.path.join(folder, "audio.m4a") if source_streams.has_audio else None
        times = cut(source, folder, source_streams.duration, count, audio)
        segments = [{"bucket": bucket, "key": f"{work}/segments/{index:03d}.mp4",
                     "output_key": f"{work}/encoded/{index:03d}.mp4", "start": start, "end": end}
                    for index, (_, start, end) in enumerate(times)]
        uploads = [(os.path.join(folder, file_name), bucket, segment["key"])
                   for (file_name, _, _), segment in zip(times, segments)]
        audio_key = f"{work}/audio.m4a" if audio else None
        if audio:
            uploads.append((audio, bucket, audio_key))
        transfers.at_once(s3.upload_file, uploads)
    print(f"split {key} into {len(segments)} segments ({count} asked for)")
    return {"bucket": bucket, "source_key": key, "output_key": f"encoded/{name}.mp4", "audio_key": audio_key,
            "segments": segments}


def cut(source: str, folder: str, duration: float, count: int,
        audio: str | None = None) -> list[tuple[str, float, float]]:
    """Segment files with their start and end in the source; with `audio`, the source's audio copied there too.

    The segment muxer's list gives times in its own timeline, shifted by the source's decoding delay (a 3 s video
    with B-frames ends at 3.2 there); a segment's place in the video is the sum of the durations before it.
    """
    listing = os.path.join(folder, "segments.csv")
    # Cut at the first keyframe after each 1/count of the duration (a guess is enough: the muxer
    # only cuts at keyframes).
    ffmpeg_tools.run("-i", source, "-map", "0:v:0", "-c", "copy", "-f", "segment",
                     "-segment_time", f"{duration / count:.6f}", "-reset_timestamps", "1",
                     "-segment_list", listing, "-segment_list_type", "csv",
                     os.path.join(folder, "segment-%03d.mp4"),
                     # The same read of the source copies the audio out.
                     *(("-map", "0:a:0", "-c", "copy", audio) if audio else ()))
    times, start = [], 0.0
    with open(listing, newline="") as rows:
        for name, _, _ in csv.reader(rows):
            end = round(start + ffmpeg_tools.streams(os.path.join(folder, name)).duration, 3)
            times.append((name, start, end))
            start = end
    return times

