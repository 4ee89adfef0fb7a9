"""The local MediaConvert: the boto3 client unchanged, jobs transcoded by real ffmpeg into moto's S3."""
import time

import pytest
from botocore.exceptions import ClientError, ParamValidationError

from serverless_workbook.common import media
from serverless_workbook.cloud.target import connect

from roles import mediaconvert_role

ROLE = "arn:aws:iam::123456789012:role/mediaconvert"
SOURCE, OUTPUT = "mc-test-source", "mc-test-output"


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    target = connect("local")
    assert mediaconvert_role(target) == ROLE
    s3 = target.client("s3")
    s3.create_bucket(Bucket=SOURCE)
    s3.create_bucket(Bucket=OUTPUT)
    clip = media.generate_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=2, width=320, height=240, fps=10)
    s3.upload_file(str(clip), SOURCE, "in/clip.mp4")
    s3.put_object(Bucket=SOURCE, Key="in/notes.mp4", Body=b"this is a text file, not a video\n")
    yield target
    target.close()


@pytest.fixture
def mediaconvert(target):
    return target.client("mediaconvert")


def mp4(name_modifier, width, height, bitrate=500_000, audio="Audio Selector 1", container="MP4"):
    return {
        "NameModifier": name_modifier,
        "ContainerSettings": {"Container": container},
        "VideoDescription": {"Width": width, "Height": height, "CodecSettings": {
            "Codec": "H_264", "H264Settings": {"RateControlMode": "CBR", "Bitrate": bitrate}}},
        "AudioDescriptions": [{"AudioSourceName": audio, "CodecSettings": {
            "Codec": "AAC", "AacSettings": {"Bitrate": 64_000, "CodingMode": "CODING_MODE_2_0", "SampleRate": 48_000}}}],
    }


def settings(key="in/clip.mp4", outputs=None, group_type="FILE_GROUP_SETTINGS", destination=f"s3://{OUTPUT}/out/",
             selector=None):
    group_key = "FileGroupSettings" if group_type == "FILE_GROUP_SETTINGS" else "HlsGroupSettings"
    group_settings = {"Destination": destination}
    if group_type == "HLS_GROUP_SETTINGS":
        group_settings["SegmentLength"] = 1
    return {
        "Inputs": [{"FileInput": f"s3://{SOURCE}/{key}",
                    "AudioSelectors": {"Audio Selector 1": selector or {"DefaultSelection": "DEFAULT"}}}],
        "OutputGroups": [{"OutputGroupSettings": {"Type": group_type, group_key: group_settings},
                          "Outputs": outputs or [mp4("-small", 160, 120)]}],
    }


def finished(mediaconvert, job_id, timeout=60):
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        job = mediaconvert.get_job(Id=job_id)["Job"]
        if not seen or seen[-1] != job["Status"]:
            seen.append(job["Status"])
        if job["Status"] in ("COMPLETE", "ERROR", "CANCELED"):
            return job, seen
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {seen[-1]} after {timeout} s")


def test_create_job_returns_at_once_and_the_job_completes_asynchronously(target, mediaconvert, tmp_path):
    job = mediaconvert.create_job(Role=ROLE, Settings=settings(outputs=[mp4("-a", 320, 240), mp4("-b", 160, 120)]),
                                  UserMetadata={"videoId": "clip"})["Job"]
    assert job["Status"] == "SUBMITTED"
    job, seen = finished(mediaconvert, job["Id"])
    assert seen[-1] == "COMPLETE" and set(seen) <= {"SUBMITTED", "PROGRESSING", "COMPLETE"}
    assert job["UserMetadata"] == {"videoId": "clip"}
    details = job["OutputGroupDetails"][0]["OutputDetails"]
    assert [(d["VideoDetails"]["WidthInPx"], d["VideoDetails"]["HeightInPx"]) for d in details] == [(320, 240), (160, 120)]
    for modifier, detail in zip(("-a", "-b"), details):
        path = tmp_path / f"clip{modifier}.mp4"
        target.client("s3").download_file(OUTPUT, f"out/clip{modifier}.mp4", str(path))
        probe = media.probe(path)
        assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
        assert abs(probe.duration * 1000 - detail["DurationInMs"]) < 100


def test_hls_group_writes_segments_variant_and_master_playlists(target, mediaconvert):
    outputs = [mp4("_240", 320, 240, container="M3U8"), mp4("_120", 160, 120, container="M3U8")]
    job = mediaconvert.create_job(Role=ROLE, Settings=settings(
        outputs=outputs, group_type="HLS_GROUP_SETTINGS", destination=f"s3://{OUTPUT}/hls/show"))["Job"]
    assert finished(mediaconvert, job["Id"])[0]["Status"] == "COMPLETE"
    s3 = target.client("s3")
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=OUTPUT, Prefix="hls/")["Contents"]}
    assert {"hls/show.m3u8", "hls/show_240.m3u8", "hls/show_120.m3u8"} <= keys
    assert sum(k.endswith(".ts") for k in keys) >= 4  # 2 s in 1 s segments, for two variants
    master = s3.get_object(Bucket=OUTPUT, Key="hls/show.m3u8")["Body"].read().decode()
    assert "RESOLUTION=320x240" in master and "show_120.m3u8" in master
    variant = s3.get_object(Bucket=OUTPUT, Key="hls/show_240.m3u8")["Body"].read().decode()
    assert "#EXT-X-ENDLIST" in variant and "show_240_00000.ts" in variant


def test_a_non_video_input_ends_in_error_with_a_message(mediaconvert):
    job = mediaconvert.create_job(Role=ROLE, Settings=settings(key="in/notes.mp4"))["Job"]
    job, seen = finished(mediaconvert, job["Id"])
    assert job["Status"] == "ERROR"
    assert "no video stream" in job["ErrorMessage"]
    assert job["ErrorCode"] == 1010


# MediaConvert's API reference, AudioSelector.DefaultSelection: outputs whose input audio is missing use the default
# selector, "If you don't set a default, those outputs have no audio."
def test_a_missing_audio_track_falls_back_to_the_default_selector(target, mediaconvert, tmp_path):
    job_settings = settings(selector={"Tracks": [3]})
    job_settings["Inputs"][0]["AudioSelectors"]["Audio Selector 2"] = {"DefaultSelection": "DEFAULT", "Tracks": [1]}
    job = mediaconvert.create_job(Role=ROLE, Settings=job_settings)["Job"]
    job, _ = finished(mediaconvert, job["Id"])
    assert job["Status"] == "COMPLETE"
    target.client("s3").download_file(OUTPUT, "out/clip-small.mp4", str(tmp_path / "out.mp4"))
    assert media.probe(tmp_path / "out.mp4").audio_codec == "aac"


def test_an_input_without_audio_gives_video_outputs_without_audio(target, mediaconvert, tmp_path):
    silent = media.generate_clip(tmp_path / "silent.mp4", seconds=1, width=320, height=240, fps=10, audio=False)
    target.client("s3").upload_file(str(silent), SOURCE, "in/silent.mp4")
    s3 = target.client("s3")
    job = mediaconvert.create_job(Role=ROLE, Settings=settings(key="in/silent.mp4", outputs=[mp4("-a", 320, 240)]))["Job"]
    job, _ = finished(mediaconvert, job["Id"])
    assert job["Status"] == "COMPLETE", job.get("ErrorMessage")
    s3.download_file(OUTPUT, "out/silent-a.mp4", str(tmp_path / "out.mp4"))
    probe = media.probe(tmp_path / "out.mp4")
    assert (probe.width, probe.height, probe.video_codec, probe.audio_tracks) == (320, 240, "h264", 0)
    # An HLS master playlist names only the codecs its variants carry.
    job = mediaconvert.create_job(Role=ROLE, Settings=settings(
        key="in/silent.mp4", outputs=[mp4("_240", 320, 240, container="M3U8")], group_type="HLS_GROUP_SETTINGS",
        destination=f"s3://{OUTPUT}/silent-hls/show"))["Job"]
    assert finished(mediaconvert, job["Id"])[0]["Status"] == "COMPLETE"
    master = s3.get_object(Bucket=OUTPUT, Key="silent-hls/show.m3u8")["Body"].read().decode()
    assert "avc1." in master and "mp4a" not in master


def test_an_unsupported_setting_is_refused_by_name(mediaconvert):
    document = settings()
    document["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["CodecSettings"]["H264Settings"]["Telecine"] = "HARD"
    with pytest.raises(ClientError, match=r"H264Settings\.Telecine") as raised:
        mediaconvert.create_job(Role=ROLE, Settings=document)
    assert raised.value.response["Error"]["Code"] == "BadRequestException"


def test_an_unsupported_value_is_refused_by_name(mediaconvert):
    document = settings()
    document["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["CodecSettings"]["Codec"] = "H_265"
    with pytest.raises(ClientError, match=r"CodecSettings\.Codec.*H_265"):
        mediaconvert.create_job(Role=ROLE, Settings=document)


def test_botocore_still_validates_the_request_against_the_real_api(mediaconvert):
    with pytest.raises(ParamValidationError):
        mediaconvert.create_job(Role=ROLE, Settings={"Inputs": [{"FileInput": 42}]})


def test_get_job_of_an_unknown_id_is_not_found(mediaconvert):
    with pytest.raises(mediaconvert.exceptions.NotFoundException):
        mediaconvert.get_job(Id="1234-nope")


def test_list_jobs_filters_by_status_and_pages(target, mediaconvert):
    target.wait_for_jobs()
    all_jobs = mediaconvert.list_jobs()["Jobs"]
    errors = mediaconvert.list_jobs(Status="ERROR")["Jobs"]
    assert errors and all(j["Status"] == "ERROR" for j in errors)
    first = mediaconvert.list_jobs(MaxResults=1)
    assert len(first["Jobs"]) == 1 and first["Jobs"][0]["Id"] == all_jobs[0]["Id"]
    assert mediaconvert.list_jobs(MaxResults=1, NextToken=first["NextToken"])["Jobs"][0]["Id"] == all_jobs[1]["Id"]


def test_cancel_job_stops_a_submitted_job(target, mediaconvert):
    # The single worker runs jobs in order, so the second one is still SUBMITTED when cancelled.
    mediaconvert.create_job(Role=ROLE, Settings=settings(outputs=[mp4("-slow", 640, 480)]))
    queued = mediaconvert.create_job(Role=ROLE, Settings=settings(outputs=[mp4("-never", 160, 120)]))["Job"]
    mediaconvert.cancel_job(Id=queued["Id"])
    target.wait_for_jobs()
    assert mediaconvert.get_job(Id=queued["Id"])["Job"]["Status"] == "CANCELED"
    assert "Contents" not in target.client("s3").list_objects_v2(Bucket=OUTPUT, Prefix="out/clip-never")
    with pytest.raises(mediaconvert.exceptions.ConflictException):
        mediaconvert.cancel_job(Id=queued["Id"])


def test_an_operation_the_local_cloud_lacks_is_refused_by_name(mediaconvert):
    with pytest.raises(ClientError, match="not ListPresets"):
        mediaconvert.list_presets()


def test_a_job_whose_role_may_not_read_the_input_fails(target, mediaconvert):
    iam = target.client("iam")
    blind = iam.create_role(RoleName="mediaconvert-blind", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="mediaconvert-blind", PolicyName="write", PolicyDocument=(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:PutObject", '
        '"Resource": "arn:aws:s3:::*/*"}]}'))
    job, _ = finished(mediaconvert, mediaconvert.create_job(Role=blind, Settings=settings())["Job"]["Id"])
    assert job["Status"] == "ERROR" and "AccessDenied" in job["ErrorMessage"], job.get("ErrorMessage")
