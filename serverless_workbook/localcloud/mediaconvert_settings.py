"""Which MediaConvert job settings the local transcoder honours.

Anything outside this allow-list is refused with the setting's path, so a job
never silently produces something different from what AWS would.
"""
from __future__ import annotations

from typing import Any

ANY = object()


class Map:
    """A dict whose keys are chosen by the user (selector names, metadata keys)."""

    def __init__(self, values: Any) -> None:
        self.values = values


class UnsupportedSetting(ValueError):
    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"The local cloud's MediaConvert does not support {path}: {detail}")
        self.path = path


H264 = {
    "Bitrate": ANY,
    "MaxBitrate": ANY,
    "RateControlMode": {"CBR", "VBR", "QVBR"},
    "QvbrSettings": {"QvbrQualityLevel": ANY},
    "QualityTuningLevel": {"SINGLE_PASS", "SINGLE_PASS_HQ"},
    "CodecProfile": {"BASELINE", "MAIN", "HIGH"},
    "GopSize": ANY,
    "GopSizeUnits": {"FRAMES", "SECONDS"},
    "FramerateControl": {"INITIALIZE_FROM_SOURCE", "SPECIFIED"},
    "FramerateNumerator": ANY,
    "FramerateDenominator": ANY,
}

OUTPUT = {
    "NameModifier": ANY,
    "Extension": ANY,
    "ContainerSettings": {"Container": {"MP4", "M3U8"}, "Mp4Settings": {}, "M3u8Settings": {}},
    "VideoDescription": {
        "Width": ANY,
        "Height": ANY,
        "ScalingBehavior": {"DEFAULT", "FIT", "STRETCH_TO_OUTPUT"},
        "CodecSettings": {"Codec": {"H_264"}, "H264Settings": H264},
    },
    "AudioDescriptions": [
        {
            "AudioSourceName": ANY,
            "CodecSettings": {
                "Codec": {"AAC"},
                "AacSettings": {
                    "Bitrate": ANY,
                    "SampleRate": ANY,
                    "CodingMode": {"CODING_MODE_1_0", "CODING_MODE_2_0"},
                },
            },
        }
    ],
}

JOB = {
    "Role": ANY,
    "Queue": ANY,
    "UserMetadata": Map(ANY),
    "Tags": Map(ANY),
    "ClientRequestToken": ANY,
    "Settings": {
        "Inputs": [
            {
                "FileInput": ANY,
                # Timecodes label frames; they do not change the encoded pictures or sound.
                "TimecodeSource": {"ZEROBASED", "EMBEDDED"},
                "VideoSelector": {},
                "AudioSelectors": Map(
                    {"DefaultSelection": {"DEFAULT", "NOT_DEFAULT"}, "Tracks": ANY, "SelectorType": {"TRACK"}}
                ),
            }
        ],
        "OutputGroups": [
            {
                "Name": ANY,
                "CustomName": ANY,
                "OutputGroupSettings": {
                    "Type": {"FILE_GROUP_SETTINGS", "HLS_GROUP_SETTINGS"},
                    "FileGroupSettings": {"Destination": ANY},
                    "HlsGroupSettings": {
                        "Destination": ANY,
                        "SegmentLength": ANY,
                        "SegmentControl": {"SEGMENTED_FILES"},
                    },
                },
                "Outputs": [OUTPUT],
            }
        ],
    },
}


def check(value: Any, spec: Any = JOB, path: str = "") -> None:
    """Raise UnsupportedSetting for the first key or value the local transcoder cannot honour."""
    if spec is ANY:
        return
    if isinstance(spec, Map):
        for key, item in value.items():
            check(item, spec.values, f"{path}.{key}")
    elif isinstance(spec, dict):
        for key, item in value.items():
            if key not in spec:
                raise UnsupportedSetting(f"{path}.{key}".lstrip("."), "this setting is not implemented")
            check(item, spec[key], f"{path}.{key}".lstrip("."))
    elif isinstance(spec, list):
        for index, item in enumerate(value):
            check(item, spec[0], f"{path}[{index}]")
    elif value not in spec:
        raise UnsupportedSetting(path, f"{value!r} is not one of {sorted(spec)}")
