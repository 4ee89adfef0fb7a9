"""Turn a MediaConvert job's settings into one ffmpeg run and describe what it produced.

One ffmpeg process decodes the input once and encodes every output, which is
what keeps the local pipeline close to a hand-written ffmpeg command in speed.
"""
from __future__ import annotations

import posixpath
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from serverless_workbook.common import media, process_environment
from serverless_workbook.localcloud.mediaconvert_settings import UnsupportedSetting

# MediaConvert's defaults when a setting is absent.
DEFAULT_RATE_CONTROL = "CBR"
DEFAULT_BITRATE = 5_000_000
DEFAULT_AUDIO_BITRATE = 96_000
DEFAULT_SAMPLE_RATE = 48_000
PRESETS = {"SINGLE_PASS": "veryfast", "SINGLE_PASS_HQ": "medium"}
# RFC 6381 codec strings for the master playlist: H.264 profile at level 4.0, and AAC-LC.
AVC_CODECS = {"BASELINE": "avc1.42e028", "MAIN": "avc1.4d4028", "HIGH": "avc1.640028"}
AAC_CODEC = "mp4a.40.2"


class InputError(RuntimeError):
    """The input cannot be transcoded (not a video, or ffmpeg failed on it)."""


@dataclass
class OutputFile:
    """One rendition: the files ffmpeg writes and where MediaConvert puts them in S3."""

    group_index: int
    destination_prefix: str
    base_name: str
    container: str
    settings: dict[str, Any]
    group_settings: dict[str, Any]
    local_dir: Path
    probe: media.Probe | None = None

    @property
    def main_file(self) -> Path:
        extension = "m3u8" if self.container == "M3U8" else self.settings.get("Extension", "mp4")
        return self.local_dir / f"{self.base_name}.{extension}"

    @property
    def bandwidth(self) -> int:
        h264 = self.settings["VideoDescription"]["CodecSettings"]["H264Settings"]
        audio = sum(
            d["CodecSettings"]["AacSettings"].get("Bitrate", DEFAULT_AUDIO_BITRATE)
            for d in self.settings.get("AudioDescriptions", [])
        ) if self.has_audio else 0
        return (h264.get("MaxBitrate") or h264.get("Bitrate", DEFAULT_BITRATE)) + audio

    @property
    def codecs(self) -> str:
        h264 = self.settings["VideoDescription"]["CodecSettings"]["H264Settings"]
        video = AVC_CODECS[h264.get("CodecProfile", "HIGH")]
        return f"{video},{AAC_CODEC}" if self.has_audio else video

    @property
    def has_audio(self) -> bool:
        # Once encoded, the file says: an output whose audio the input lacked has none (see audio_selectors).
        return bool(self.probe.audio_tracks if self.probe else self.settings.get("AudioDescriptions"))


def split_s3_uri(uri: str) -> tuple[str, str]:
    if not uri.startswith("s3://"):
        raise UnsupportedSetting("Destination/FileInput", f"{uri!r} is not an s3:// URI")
    bucket, _, key = uri[len("s3://"):].partition("/")
    return bucket, key


def plan_outputs(settings: dict[str, Any], input_key: str, work_dir: Path) -> list[OutputFile]:
    """Name every output the way MediaConvert does: destination + input basename + NameModifier."""
    input_stem = posixpath.splitext(posixpath.basename(input_key))[0]
    outputs = []
    for group_index, group in enumerate(settings["OutputGroups"]):
        group_settings = group["OutputGroupSettings"]
        kind = group_settings["Type"]
        kind_settings = group_settings.get(
            "FileGroupSettings" if kind == "FILE_GROUP_SETTINGS" else "HlsGroupSettings", {}
        )
        destination = kind_settings.get("Destination")
        if not destination:
            raise UnsupportedSetting(f"Settings.OutputGroups[{group_index}]", "a Destination is required")
        prefix, _, name = destination.rpartition("/")
        base = name or input_stem
        group_dir = work_dir / f"group{group_index}"
        group_dir.mkdir(parents=True, exist_ok=True)
        for output in group["Outputs"]:
            container = output.get("ContainerSettings", {}).get("Container", "M3U8" if kind == "HLS_GROUP_SETTINGS" else "MP4")
            if (kind == "HLS_GROUP_SETTINGS") != (container == "M3U8"):
                raise UnsupportedSetting(
                    f"Settings.OutputGroups[{group_index}].Outputs.ContainerSettings.Container",
                    f"{container} in a {kind} group",
                )
            if "VideoDescription" not in output:
                raise UnsupportedSetting(f"Settings.OutputGroups[{group_index}].Outputs", "audio-only outputs")
            outputs.append(
                OutputFile(
                    group_index, prefix + "/", base + output.get("NameModifier", ""),
                    container, output, kind_settings, group_dir,
                )
            )
    return outputs


def _scale_filter(video: dict[str, Any], source: media.Probe) -> str:
    width, height = video.get("Width"), video.get("Height")
    if not width and not height:
        width, height = source.width, source.height
    elif not height:
        height = round(width * source.height / source.width / 2) * 2
    elif not width:
        width = round(height * source.width / source.height / 2) * 2
    if video.get("ScalingBehavior", "DEFAULT") == "STRETCH_TO_OUTPUT":
        return f"scale={width}:{height},setsar=1"
    # DEFAULT and FIT keep the picture's shape and letterbox it into the frame.
    return (
        f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
        f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
    )


def _video_args(video: dict[str, Any], source: media.Probe) -> list[str]:
    h264 = video["CodecSettings"]["H264Settings"]
    mode = h264.get("RateControlMode", DEFAULT_RATE_CONTROL)
    bitrate = h264.get("Bitrate", DEFAULT_BITRATE)
    args = ["-vf", _scale_filter(video, source), "-c:v", "libx264", "-pix_fmt", "yuv420p",
            "-preset", media.encode_setting(PRESETS[h264.get("QualityTuningLevel", "SINGLE_PASS")])]
    if mode == "CBR":
        args += ["-b:v", str(bitrate), "-minrate", str(bitrate), "-maxrate", str(bitrate), "-bufsize", str(2 * bitrate),
                 "-x264-params", "nal-hrd=cbr"]
    elif mode == "VBR":
        peak = h264.get("MaxBitrate", bitrate)
        args += ["-b:v", str(bitrate), "-maxrate", str(peak), "-bufsize", str(2 * peak)]
    else:
        # QVBR's 1-10 quality scale mapped onto x264's constant-rate factor, capped at MaxBitrate.
        level = h264.get("QvbrSettings", {}).get("QvbrQualityLevel", 7)
        peak = h264.get("MaxBitrate", bitrate)
        args += ["-crf", str(41 - 2 * level), "-maxrate", str(peak), "-bufsize", str(2 * peak)]
    if "CodecProfile" in h264:
        args += ["-profile:v", h264["CodecProfile"].lower()]
    if h264.get("FramerateControl") == "SPECIFIED":
        args += ["-r", f"{h264['FramerateNumerator']}/{h264['FramerateDenominator']}"]
    if "GopSize" in h264:
        seconds = h264.get("GopSizeUnits", "FRAMES") == "SECONDS"
        args += ["-g", str(round(h264["GopSize"] * source.fps if seconds else h264["GopSize"]))]
    return args


def _audio_args(output: dict[str, Any], selectors: dict[str, str | None]) -> list[str]:
    args = []
    index = 0
    for description in output.get("AudioDescriptions", []):
        source = description.get("AudioSourceName", "Audio Selector 1")
        if source not in selectors:
            raise UnsupportedSetting("AudioDescriptions.AudioSourceName", f"no audio selector named {source!r}")
        if selectors[source] is None:
            continue  # no audio for this description, as MediaConvert does (see audio_selectors)
        aac = description["CodecSettings"]["AacSettings"]
        channels = "1" if aac.get("CodingMode") == "CODING_MODE_1_0" else "2"
        args += ["-map", selectors[source], f"-c:a:{index}", "aac",
                 f"-b:a:{index}", str(aac.get("Bitrate", DEFAULT_AUDIO_BITRATE)),
                 f"-ar:a:{index}", str(aac.get("SampleRate", DEFAULT_SAMPLE_RATE)), f"-ac:a:{index}", channels]
        index += 1
    return args


def audio_selectors(job_input: dict[str, Any], source: media.Probe) -> dict[str, str | None]:
    """Map each audio selector name to an ffmpeg stream specifier, or None where the input has no such track.

    A missing track is not an error. MediaConvert's API reference, AudioSelector.DefaultSelection
    (https://docs.aws.amazon.com/mediaconvert/latest/apireference/jobs.html#jobs-prop-audioselector-defaultselection):
    "The service uses this default for outputs where it can't find the specified input audio. If you don't set a
    default, those outputs have no audio." So a silent screen recording still gives every video output.
    """
    tracks = source.audio_tracks
    found = {}
    for name, selector in job_input.get("AudioSelectors", {}).items():
        track = selector.get("Tracks", [1])[0]
        found[name] = f"0:a:{track - 1}" if track <= tracks else None
    default = next((found[name] for name, selector in job_input.get("AudioSelectors", {}).items()
                    if selector.get("DefaultSelection") == "DEFAULT" and found[name]), None)
    return {name: specifier or default for name, specifier in found.items()}


def ffmpeg_command(outputs: list[OutputFile], job_input: dict[str, Any], source_path: Path, source: media.Probe) -> list[str]:
    selectors = audio_selectors(job_input, source)
    command = [media.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-progress", "pipe:1",
               "-i", str(source_path)]
    for output in outputs:
        command += ["-map", "0:v:0", *_video_args(output.settings["VideoDescription"], source),
                    *_audio_args(output.settings, selectors), *media.BITEXACT]
        if output.container == "M3U8":
            segment_seconds = output.group_settings.get("SegmentLength", 10)
            # A segment can only start on a keyframe, so force one at every boundary.
            command += ["-force_key_frames:v", f"expr:gte(t,n_forced*{segment_seconds})",
                        "-f", "hls", "-hls_time", str(segment_seconds), "-hls_playlist_type", "vod",
                        "-hls_segment_filename", str(output.local_dir / f"{output.base_name}_%05d.ts")]
        else:
            command += ["-movflags", "+faststart"]
        command.append(str(output.main_file))
    return command


def run(command: list[str], duration: float, on_progress: Callable[[int], None], is_cancelled: Callable[[], bool]) -> None:
    """Run ffmpeg, reporting percent complete from its -progress stream."""
    process = process_environment.popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in process.stdout:
        if is_cancelled():
            process.kill()
            break
        if line.startswith("out_time_us=") and line.strip()[12:].isdigit() and duration:
            on_progress(min(99, int(int(line.strip()[12:]) / 1e6 / duration * 100)))
    stderr = process.stderr.read()
    if process.wait() != 0 and not is_cancelled():
        raise InputError(f"ffmpeg failed: {stderr.strip().splitlines()[-1] if stderr.strip() else process.returncode}")


def master_playlist(outputs: list[OutputFile]) -> str:
    lines = ["#EXTM3U", "#EXT-X-VERSION:3"]
    for output in outputs:
        probe = output.probe
        lines.append(
            f'#EXT-X-STREAM-INF:BANDWIDTH={output.bandwidth},RESOLUTION={probe.width}x{probe.height},'
            f'CODECS="{output.codecs}"'
        )
        lines.append(output.main_file.name)
    return "\n".join(lines) + "\n"
