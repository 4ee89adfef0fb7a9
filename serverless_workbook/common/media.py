"""Sample clips and probing with the static ffmpeg that imageio-ffmpeg ships (it has no ffprobe)."""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import imageio_ffmpeg

from serverless_workbook.common import process_environment

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()

# Bit-exact flags keep encoder version strings and timestamps out of the file,
# so the same arguments always give the same bytes.
BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1"]


# Another CPU or another ffmpeg build encodes the same command into other bytes.
# WORKBOOK_ENCODE_PROFILE=another-machine makes this machine do that on purpose
# (other x264 presets, another AAC bitrate), so the test suite proves that no
# stored notebook output depends on encoded bytes. A learner's own ffmpeg is
# used instead of the wheel's when IMAGEIO_FFMPEG_EXE names it.
ENCODE_PROFILE_VARIABLE = "WORKBOOK_ENCODE_PROFILE"
_ANOTHER_MACHINE = {"veryfast": "faster", "medium": "fast", "96k": "112k"}


def encode_setting(value: str) -> str:
    """The x264 preset or AAC bitrate to use for `value` under the current encode profile."""
    profile = os.environ.get(ENCODE_PROFILE_VARIABLE, "default")
    if profile == "default":
        return value
    if profile == "another-machine":
        return _ANOTHER_MACHINE.get(value, value)
    raise ValueError(f"{ENCODE_PROFILE_VARIABLE}={profile!r}: expected 'default' or 'another-machine'")


class NotAVideo(ValueError):
    """ffmpeg found no video stream in the file."""


@dataclass(frozen=True)
class Probe:
    width: int
    height: int
    duration: float
    fps: float
    bitrate: int
    video_codec: str
    audio_codec: str | None
    audio_tracks: int
    size: int


def generate_clip(path: str | Path, seconds: float = 5, width: int = 640, height: int = 360, fps: int = 25,
                  audio: bool = True, keyframe_seconds: float | None = None) -> Path:
    """Write a deterministic H.264/AAC test card with a 440 Hz tone (no copyrighted footage).

    audio=False leaves the tone out, as in a screen recording with no audio track. keyframe_seconds
    puts a keyframe that often (x264's default is every 250 frames), which is where a stream-copy
    split can cut.
    """
    path = Path(path)
    tone_input = ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}"] if audio else []
    tone_codec = ["-c:a", "aac", "-b:a", encode_setting("96k"), "-shortest"] if audio else []
    gop = ["-g", str(round(fps * keyframe_seconds))] if keyframe_seconds else []
    process_environment.run(
        [
            FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc=size={width}x{height}:rate={fps}:duration={seconds}", *tone_input,
            "-c:v", "libx264", "-preset", encode_setting("veryfast"), "-pix_fmt", "yuv420p", "-threads", "1", *gop,
            *tone_codec, *BITEXACT, str(path),
        ],
        check=True,
    )
    return path


_DURATION = re.compile(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?), .*?bitrate: (\d+) kb/s")
_VIDEO = re.compile(r"Stream #\d+:\d+.*?: Video: (\w+)[^\n]*?, (\d{2,5})x(\d{2,5})")
_FPS = re.compile(r"Stream #\d+:\d+.*?: Video: [^\n]*?, (\d+(?:\.\d+)?) fps")
_AUDIO = re.compile(r"Stream #\d+:\d+.*?: Audio: (\w+)")


def probe(path: str | Path) -> Probe:
    """Read width, height, duration, bitrate and codecs from `ffmpeg -i`'s stream report."""
    path = Path(path)
    # `ffmpeg -i` with no output always exits 1; the report on stderr is what we want.
    report = process_environment.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-i", str(path)], capture_output=True, text=True
    ).stderr
    video = _VIDEO.search(report)
    duration = _DURATION.search(report)
    if not video or not duration:
        last_line = report.strip().splitlines()[-1] if report.strip() else "no output from ffmpeg"
        raise NotAVideo(f"{path.name}: no video stream ({last_line.replace(str(path), path.name)})")
    hours, minutes, seconds, kbps = duration.groups()
    audio = _AUDIO.findall(report)
    return Probe(
        width=int(video.group(2)),
        height=int(video.group(3)),
        duration=int(hours) * 3600 + int(minutes) * 60 + float(seconds),
        fps=float(fps.group(1)) if (fps := _FPS.search(report)) else 0.0,
        bitrate=int(kbps) * 1000,
        video_codec=video.group(1),
        audio_codec=audio[0] if audio else None,
        audio_tracks=len(audio),
        size=path.stat().st_size,
    )


def frame_times(path: str | Path) -> list[Fraction]:
    """Presentation time of every decoded video frame, in seconds, exactly (ffmpeg's framemd5 listing)."""
    lines = process_environment.run([FFMPEG, "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-f", "framemd5",
                            "-"], capture_output=True, text=True, check=True).stdout.splitlines()
    time_base = Fraction(next(line for line in lines if line.startswith("#tb 0:")).split(":")[1].strip())
    return [int(line.split(",")[2]) * time_base for line in lines if not line.startswith("#")]
