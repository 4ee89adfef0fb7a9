"""A Lambda layer with ffmpeg, for the parallel-encode functions on AWS.

The binary is the static x86_64 Linux ffmpeg inside the imageio-ffmpeg wheel
the workbook pins, so nothing is downloaded from outside the package registry.
Lambda unpacks a layer under /opt, so ``bin/ffmpeg`` in the zip is
``/opt/bin/ffmpeg`` in the function, where functions/parallel_encode looks.

    archive = build_zip()                        # same bytes on every build here
    arn = publish(target, bucket, archive)       # then set WORKBOOK_FFMPEG_LAYER_ARN=arn
    parameters = template_parameters(target)     # the template's FfmpegLayerArn, refused early when missing
"""
from __future__ import annotations

import hashlib
import io
import os
import zipfile
from pathlib import Path
from typing import Any

import imageio_ffmpeg

from serverless_workbook.cloud.artifacts import ZIP_DATE

MEMBER = "bin/ffmpeg"
LAYER_NAME = "workbook-ffmpeg"
LAYER_VARIABLE = "WORKBOOK_FFMPEG_LAYER_ARN"
# ELF header: the magic, then e_machine at byte 18 (little endian); 0x3E is x86-64.
_ELF_MAGIC = b"\x7fELF"
_X86_64 = 0x3E
# Level 1 is 3.5 times faster than the default for a zip 9 % larger (74 MB for a 173 MB binary).
COMPRESS_LEVEL = 1
HOW_TO_GET_THE_LINUX_BINARY = (
    "Lambda runs x86_64 Linux: on another system, get the Linux wheel from PyPI with "
    "`pip download imageio-ffmpeg==0.8.1 --platform manylinux2014_x86_64 --only-binary=:all: --no-deps`, "
    "unzip it and pass its imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-* file as binary="
)


class NotALambdaBinary(ValueError):
    """The ffmpeg given is not an x86_64 Linux executable, so it cannot run in Lambda."""


class NoLayer(RuntimeError):
    """A deploy to AWS of the parallel encoder without its ffmpeg layer: every execution would fail."""


def template_parameters(target: Any) -> dict[str, str]:
    """templates/parallel-encode.yaml's FfmpegLayerArn, from WORKBOOK_FFMPEG_LAYER_ARN: the published layer on AWS;
    on the local cloud it may stay empty (the functions use the environment's ffmpeg).

    On AWS without it, the stack would deploy and every execution then fail with "No ffmpeg": refused here,
    before anything is created, with what to do.
    """
    arn = os.environ.get(LAYER_VARIABLE, "")
    if not arn and not target.is_local:
        raise NoLayer(
            f"On AWS the parallel encoder's functions take ffmpeg from a Lambda layer, and {LAYER_VARIABLE} is not "
            "set, so every execution would fail. Publish the layer once: "
            "arn = ffmpeg_layer.publish(target, bucket, ffmpeg_layer.build_zip()) (bucket: any bucket of yours in "
            f"this region), set {LAYER_VARIABLE}=<that arn>, restart the kernel and run again. Nothing was deployed.")
    return {"FfmpegLayerArn": arn}


def check_binary(binary: Path) -> None:
    with open(binary, "rb") as file:
        header = file.read(20)
    if header[:4] != _ELF_MAGIC or int.from_bytes(header[18:20], "little") != _X86_64:
        raise NotALambdaBinary(f"{binary.name} is not an x86_64 Linux executable. {HOW_TO_GET_THE_LINUX_BINARY}")


def build_zip(binary: str | Path | None = None) -> bytes:
    """The layer zip: the binary as bin/ffmpeg, executable, with a fixed date, so every build is identical."""
    binary = Path(binary or imageio_ffmpeg.get_ffmpeg_exe())
    check_binary(binary)
    info = zipfile.ZipInfo(MEMBER, ZIP_DATE)
    info.external_attr = 0o755 << 16  # Lambda keeps the mode: without x, /opt/bin/ffmpeg cannot run
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, so the mode bits above are honoured
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, binary.read_bytes(), compresslevel=COMPRESS_LEVEL)
    return buffer.getvalue()


def publish(target: Any, bucket: str, archive: bytes) -> str:
    """Upload the zip to the bucket and publish it as a layer version; return the version's ARN.

    The zip is larger than the 50 MB a direct upload allows, so it goes through S3.
    """
    key = f"layers/ffmpeg-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
    target.client("s3").put_object(Bucket=bucket, Key=key, Body=archive)
    return target.client("lambda").publish_layer_version(
        LayerName=LAYER_NAME,
        Description="ffmpeg (static, from the imageio-ffmpeg wheel) at /opt/bin/ffmpeg",
        Content={"S3Bucket": bucket, "S3Key": key},
        CompatibleRuntimes=["python3.12"],
        CompatibleArchitectures=["x86_64"],
    )["LayerVersionArn"]
