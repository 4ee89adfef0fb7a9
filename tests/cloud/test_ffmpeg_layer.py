"""The ffmpeg layer: reproducible, the binary where the parallel-encode handlers look, and they find it there."""
import hashlib
import importlib.util
import io
import os
import stat
import sys
import zipfile
import zlib
from pathlib import Path

import imageio_ffmpeg
import pytest

from serverless_workbook.cloud import ffmpeg_layer
from serverless_workbook.cloud.artifacts import ZIP_DATE
from serverless_workbook.common.registry import ROOT

TOOLS = ROOT / "functions" / "parallel_encode" / "ffmpeg_tools.py"


def handler_tools():
    """The handlers' ffmpeg_tools module, loaded from the function folder as Lambda would."""
    spec = importlib.util.spec_from_file_location("ffmpeg_tools_under_test", TOOLS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks the module up while it is defined
    spec.loader.exec_module(module)
    return module


def stand_in(path, machine=0x3E):
    """A small file with an ELF header for the given machine: fast to zip, enough to tell builds apart."""
    header = b"\x7fELF" + bytes(14) + machine.to_bytes(2, "little")
    path.write_bytes(header + b"#!/bin/sh\n" + os.urandom(64))
    return path


@pytest.fixture(scope="module")
def layer():
    return zipfile.ZipFile(io.BytesIO(ffmpeg_layer.build_zip()))


def test_the_layer_holds_the_wheels_binary_at_the_path_the_handlers_use(layer):
    binary = Path(imageio_ffmpeg.get_ffmpeg_exe())
    (info,) = layer.infolist()
    assert "/opt/" + info.filename == handler_tools().LAYER_FFMPEG == "/opt/bin/ffmpeg"
    assert info.file_size == binary.stat().st_size
    assert info.CRC == zlib.crc32(binary.read_bytes())
    assert stat.S_IMODE(info.external_attr >> 16) == 0o755 and info.date_time == ZIP_DATE


def test_builds_are_byte_identical_and_follow_the_binary(tmp_path):
    binary = stand_in(tmp_path / "ffmpeg")
    first, second = ffmpeg_layer.build_zip(binary), ffmpeg_layer.build_zip(binary)
    assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
    os.utime(binary, (0, 0))  # the file's own date must not reach the zip
    assert ffmpeg_layer.build_zip(binary) == first
    assert ffmpeg_layer.build_zip(stand_in(tmp_path / "other")) != first


def test_a_binary_lambda_cannot_run_is_refused(tmp_path):
    with pytest.raises(ffmpeg_layer.NotALambdaBinary, match="pip download imageio-ffmpeg"):
        ffmpeg_layer.build_zip(stand_in(tmp_path / "ffmpeg-arm64", machine=0xB7))
    (tmp_path / "ffmpeg.exe").write_bytes(b"MZ" + bytes(30))
    with pytest.raises(ffmpeg_layer.NotALambdaBinary):
        ffmpeg_layer.build_zip(tmp_path / "ffmpeg.exe")


def test_handlers_use_the_layer_on_aws_and_imageio_ffmpeg_locally(tmp_path, monkeypatch):
    tools = handler_tools()
    assert tools.executable() == imageio_ffmpeg.get_ffmpeg_exe()  # no /opt/bin/ffmpeg here
    opt = tmp_path / "opt"
    zipfile.ZipFile(io.BytesIO(ffmpeg_layer.build_zip(stand_in(tmp_path / "ffmpeg")))).extractall(opt)
    # zipfile does not restore modes; Lambda does, as the test above checks they are stored.
    (opt / "bin" / "ffmpeg").chmod(0o755)
    monkeypatch.setattr(tools, "LAYER_FFMPEG", str(opt / "bin" / "ffmpeg"))
    assert tools.executable() == str(opt / "bin" / "ffmpeg")


def test_published_layer_reaches_the_templates_functions(tmp_path):
    from serverless_workbook.cloud import stacks
    from serverless_workbook.cloud.target import connect
    target = connect("local")
    try:
        target.client("s3").create_bucket(Bucket="layers")
        arn = ffmpeg_layer.publish(target, "layers", ffmpeg_layer.build_zip(stand_in(tmp_path / "ffmpeg")))
        stacks.deploy(target, "layered", ROOT / "templates" / "parallel-encode.yaml", {"FfmpegLayerArn": arn},
                      code={"ParallelEncodeCodeKey": ROOT / "functions" / "parallel_encode"}, progress=False)
        layers = target.client("lambda").get_function(FunctionName="layered-encode-segment")["Configuration"]["Layers"]
    finally:
        target.close()
    assert [layer["Arn"] for layer in layers] == [arn]


def test_a_layer_from_outside_the_local_cloud_is_left_out(tmp_path):
    from serverless_workbook.cloud import stacks
    from serverless_workbook.cloud.target import connect
    foreign = "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"
    target = connect("local")
    try:
        stacks.deploy(target, "foreign", ROOT / "templates" / "parallel-encode.yaml", {"FfmpegLayerArn": foreign},
                      code={"ParallelEncodeCodeKey": ROOT / "functions" / "parallel_encode"}, progress=False)
        configuration = target.client("lambda").get_function(FunctionName="foreign-merge")["Configuration"]
    finally:
        target.close()
    assert configuration.get("Layers", []) == []


def test_a_deploy_to_aws_without_the_layer_is_refused_before_anything_is_created(stubbed_account, monkeypatch):
    monkeypatch.delenv(ffmpeg_layer.LAYER_VARIABLE, raising=False)
    with pytest.raises(ffmpeg_layer.NoLayer, match="WORKBOOK_FFMPEG_LAYER_ARN is not set.*Nothing was deployed"):
        ffmpeg_layer.template_parameters(stubbed_account)
    monkeypatch.setenv(ffmpeg_layer.LAYER_VARIABLE, "arn:aws:lambda:eu-west-1:111122223333:layer:workbook-ffmpeg:3")
    assert ffmpeg_layer.template_parameters(stubbed_account) == {
        "FfmpegLayerArn": "arn:aws:lambda:eu-west-1:111122223333:layer:workbook-ffmpeg:3"}


def test_the_local_cloud_needs_no_layer(monkeypatch):
    from serverless_workbook.cloud.target import Target

    monkeypatch.delenv(ffmpeg_layer.LAYER_VARIABLE, raising=False)
    local = Target("local", "123456789012", "us-east-1", session=None)
    assert ffmpeg_layer.template_parameters(local) == {"FfmpegLayerArn": ""}
