"""Stored notebook outputs must not depend on the machine that encoded the media.

`make test` runs the notebooks with WORKBOOK_ENCODE_PROFILE=another-machine, so
every clip and rendition has other bytes than when the notebooks were saved,
as on a learner's laptop with another CPU or ffmpeg build. These tests keep
that run honest: the profile really changes the bytes, keeps the facts the
notebooks print, and is what the test command uses.
"""
import hashlib
import json
import re
import subprocess
import time
from decimal import Decimal
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

from serverless_workbook.cloud import stacks
from serverless_workbook.common import media
from serverless_workbook.workspaces import pipeline_run
from serverless_workbook.cloud.target import connect
from serverless_workbook.common import registry
from serverless_workbook.common.registry import ROOT

from roles import mediaconvert_role

FACTS = ("width", "height", "duration", "fps", "video_codec", "audio_codec", "audio_tracks")


def _facts(probe: media.Probe) -> dict:
    return {name: getattr(probe, name) for name in FACTS}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_machine_profile_changes_the_clip_bytes_not_its_facts(tmp_path, monkeypatch):
    monkeypatch.setenv(media.ENCODE_PROFILE_VARIABLE, "default")
    here = media.generate_clip(tmp_path / "here.mp4", seconds=1, width=160, height=120, fps=10)
    monkeypatch.setenv(media.ENCODE_PROFILE_VARIABLE, "another-machine")
    there = media.generate_clip(tmp_path / "there.mp4", seconds=1, width=160, height=120, fps=10)
    assert _digest(here) != _digest(there)
    assert _facts(media.probe(here)) == _facts(media.probe(there))


def test_another_machine_profile_changes_the_local_transcoder_bytes_not_the_renditions_facts(tmp_path, monkeypatch):
    target = connect("local")
    try:
        s3, mediaconvert = target.client("s3"), target.client("mediaconvert")
        role = mediaconvert_role(target)
        s3.create_bucket(Bucket="portability")
        clip = media.generate_clip(tmp_path / "clip.mp4", seconds=1, width=160, height=120, fps=10)
        s3.upload_file(str(clip), "portability", "in/clip.mp4")
        renditions = {}
        for profile in ("default", "another-machine"):
            monkeypatch.setenv(media.ENCODE_PROFILE_VARIABLE, profile)
            job = mediaconvert.create_job(Role=role, Settings={
                "Inputs": [{"FileInput": "s3://portability/in/clip.mp4",
                            "AudioSelectors": {"Audio Selector 1": {"DefaultSelection": "DEFAULT"}}}],
                "OutputGroups": [{"OutputGroupSettings": {"Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {
                    "Destination": f"s3://portability/{profile}/"}},
                    "Outputs": [{"NameModifier": "-small", "ContainerSettings": {"Container": "MP4"},
                                 "VideoDescription": {"Width": 320, "Height": 240, "CodecSettings": {
                                     "Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": 400_000}}},
                                 "AudioDescriptions": [{"AudioSourceName": "Audio Selector 1", "CodecSettings": {
                                     "Codec": "AAC", "AacSettings": {"Bitrate": 64_000, "CodingMode": "CODING_MODE_2_0",
                                                                     "SampleRate": 48_000}}}]}]}]})["Job"]
            deadline = time.monotonic() + 60
            while mediaconvert.get_job(Id=job["Id"])["Job"]["Status"] not in stacks.FINAL_JOB_STATES:
                assert time.monotonic() < deadline, "the local transcode did not finish in 60 s"
                time.sleep(0.05)
            assert mediaconvert.get_job(Id=job["Id"])["Job"]["Status"] == "COMPLETE"
            path = tmp_path / f"{profile}.mp4"
            s3.download_file("portability", f"{profile}/clip-small.mp4", str(path))
            renditions[profile] = path
    finally:
        target.close()
    assert _digest(renditions["default"]) != _digest(renditions["another-machine"])
    assert _facts(media.probe(renditions["default"])) == _facts(media.probe(renditions["another-machine"]))


def test_an_unknown_profile_is_refused_by_name(monkeypatch):
    monkeypatch.setenv(media.ENCODE_PROFILE_VARIABLE, "laptop")
    with pytest.raises(ValueError, match="WORKBOOK_ENCODE_PROFILE='laptop': expected 'default' or 'another-machine'"):
        media.encode_setting("veryfast")


def _dry_run(target: str) -> list[str]:
    """The commands `make <target>` would run (make -n), one per line."""
    printed = subprocess.run(["make", "-n", "--no-print-directory", "-C", str(ROOT), target],
                             capture_output=True, text=True, check=True)
    return printed.stdout.splitlines()


def test_the_test_command_runs_every_notebook_as_another_machine():
    commands = _dry_run("test")
    pytest_lines = [line for line in commands if "pytest" in line]
    another_machine = f"{media.ENCODE_PROFILE_VARIABLE}=another-machine"
    assert len(pytest_lines) == 2 and all(another_machine in line.split("&&")[1].split() for line in pytest_lines)
    kernel, server = pytest_lines
    assert "registry notebooks kernel)" in kernel and kernel.endswith(" tests $notebooks")
    assert "registry notebooks server)" in server and "IMAGEIO_FFMPEG_EXE=/usr/bin/ffmpeg" in server
    assert commands[-1] == "scripts/check_pythons.sh", "make test ends with the other Pythons' subsets"


def test_every_notebook_that_encodes_media_also_runs_with_debians_ffmpeg():
    listed = {entry.notebook for entry in registry.compared_in("server")}
    encoding = {f"{path.parent.name}/{path.name}" for folder in ("chapters", "solutions")
                for path in sorted((ROOT / folder).glob("*.ipynb")) if "generate_clip" in path.read_text()}
    assert encoding and encoding <= listed, f"add \"server\" to compared_in of {sorted(encoding - listed)} in course.toml"


def test_printed_documents_hide_what_the_encoder_decides():
    record = {"object": {"key": "a.mp4", "size": 365022, "eTag": "2ec3d881dab00142da8d814bfadaa191"},
              "rendition": {"width": Decimal("640"), "duration": Decimal("2.006"), "bitrate": Decimal("1460088")},
              "outputDetails": [{"durationInMs": 2010}, {"durationInMs": 1960}]}
    assert pipeline_run.stable(record) == {
        "object": {"key": "a.mp4", "size": "<bytes>", "eTag": "<MD5 of the bytes>"},
        "rendition": {"width": 640, "duration": 2.0, "bitrate": "<bits per second>"},
        "outputDetails": [{"durationInMs": 2000}, {"durationInMs": 2000}],
    }
    # The same clip muxed by two ffmpeg builds prints the same text.
    printed = {json.dumps(pipeline_run.stable({"duration": d})) for d in (Decimal("2.0"), Decimal("2.006"), Decimal("2"))}
    assert printed == {'{"duration": 2.0}'}


def test_the_sanitize_file_masks_embedded_video_bytes_only():
    patterns = get_sanitize_patterns(Path(__file__).with_name("nbval_sanitize.cfg").read_text())
    html = '<video controls width="320">\n <source src="data:video/mp4;base64,AAAAIGZ0eXBp\nc29t+/==" type="video/mp4">'
    for regex, replacement in patterns:
        html = re.sub(regex, replacement, html)
    assert html == '<video controls width="320">\n <source src="data:video/mp4;base64,VIDEO-BYTES" type="video/mp4">'
