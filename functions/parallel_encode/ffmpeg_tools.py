"""ffmpeg for the split, encode-segment and merge functions.

On AWS it comes from the ffmpeg layer, which Lambda unpacks under /opt; on the
local cloud, from the imageio-ffmpeg package the workbook's environment pins.
"""
from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass

LAYER_FFMPEG = "/opt/bin/ffmpeg"


class FfmpegError(RuntimeError):
    """ffmpeg exited with an error; the message ends with what it printed."""


def executable() -> str:
    if os.access(LAYER_FFMPEG, os.X_OK):
        return LAYER_FFMPEG
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FfmpegError(f"No ffmpeg: {LAYER_FFMPEG} is missing (attach the ffmpeg layer to the function) "
                          "and imageio-ffmpeg is not installed") from None
    return imageio_ffmpeg.get_ffmpeg_exe()


def run(*arguments: str) -> str:
    """Run ffmpeg quietly (stdin closed, errors only); return what it printed."""
    result = subprocess.run([executable(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *arguments],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise FfmpegError(f"ffmpeg {' '.join(arguments)} failed: {result.stderr.strip()[-600:]}")
    return result.stderr


@dataclass(frozen=True)
class Streams:
    duration: float
    has_audio: bool


def streams(path: str) -> Streams:
    """The container's duration and whether it has audio, from ffmpeg's stream report."""
    # `ffmpeg -i` without an output exits 1 by design; the report on stderr is all we need.
    report = subprocess.run([executable(), "-hide_banner", "-nostdin", "-i", path],
                            capture_output=True, text=True).stderr
    duration = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", report)
    if ": Video: " not in report or not duration:
        raise FfmpegError(f"{os.path.basename(path)} is not a video ffmpeg can read: {report.strip()[-300:]}")
    hours, minutes, seconds = duration.groups()
    return Streams(int(hours) * 3600 + int(minutes) * 60 + float(seconds), ": Audio: " in report)
