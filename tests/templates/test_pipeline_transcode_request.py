"""The transcode handler's CreateJob request, validated by botocore against the real MediaConvert API.

No moto here: botocore's Stubber answers, after the client has validated the
request against the service model exactly as it would before sending it to AWS.
"""
import importlib.util
import sys

import pytest
from botocore.exceptions import ParamValidationError
from botocore.stub import ANY, Stubber
from serverless_workbook.common.registry import ROOT

ROLE = "arn:aws:iam::123456789012:role/video-MediaConvertRole"
# (width, height, bitrate) of the book's renditions.
BOOK_RENDITIONS = {(1920, 1080, 6_000_000), (1280, 720, 4_500_000), (640, 480, 1_500_000)}


@pytest.fixture
def app(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "stubbed")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "stubbed")
    monkeypatch.setenv("TRANSCODED_BUCKET", "video-transcoded")
    monkeypatch.setenv("MEDIACONVERT_ROLE_ARN", ROLE)
    monkeypatch.setenv("VIDEOS_TABLE", "videos")
    spec = importlib.util.spec_from_file_location("transcode_app", ROOT / "functions" / "transcode_video" / "app.py")
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "transcode_app", module)
    spec.loader.exec_module(module)
    return module


def s3_event(key):
    return {"Records": [{"eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": "video-uploads"}, "object": {"key": key}}}]}


def test_create_job_request_is_valid_for_the_real_api(app):
    sent = {}
    app.mediaconvert.meta.events.register(
        "provide-client-params.mediaconvert.CreateJob", lambda params, **_: sent.update(params))
    with Stubber(app.mediaconvert) as mediaconvert, Stubber(app.videos.meta.client) as dynamodb:
        mediaconvert.add_response("create_job", {"Job": {"Id": "job-1", "Role": ROLE, "Settings": {}}},
                                  {"Role": ROLE, "Settings": ANY, "UserMetadata": ANY})
        dynamodb.add_response("put_item", {}, {"TableName": "videos", "Item": ANY})
        result = app.handler(s3_event("uploads/My+clip+%281%29+%C3%A9.mp4"), None)
        mediaconvert.assert_no_pending_responses()

    assert result == {"jobIds": ["job-1"]}
    settings = sent["Settings"]
    assert settings["Inputs"][0]["FileInput"] == "s3://video-uploads/uploads/My clip (1) é.mp4"
    group = settings["OutputGroups"][0]
    assert group["OutputGroupSettings"]["FileGroupSettings"]["Destination"] == "s3://video-transcoded/My clip (1) é/"
    outputs = group["Outputs"]
    assert {
        (o["VideoDescription"]["Width"], o["VideoDescription"]["Height"],
         o["VideoDescription"]["CodecSettings"]["H264Settings"]["Bitrate"]) for o in outputs
    } == BOOK_RENDITIONS
    assert {o["ContainerSettings"]["Container"] for o in outputs} == {"MP4"}
    assert {o["AudioDescriptions"][0]["CodecSettings"]["Codec"] for o in outputs} == {"AAC"}
    assert sent["UserMetadata"] == {"videoId": "My clip (1) é", "sourceKey": "uploads/My clip (1) é.mp4",
                                    "transcodedBucket": "video-transcoded"}


def test_the_same_path_rejects_an_invalid_job_document(app, monkeypatch):
    broken = app.job_settings(app.Upload("video-uploads", "uploads/clip.mp4"))
    broken["OutputGroups"][0]["Outputs"][0]["VideoDescription"]["Width"] = "1920px"
    monkeypatch.setattr(app, "job_settings", lambda upload: broken)
    with Stubber(app.mediaconvert) as mediaconvert, pytest.raises(ParamValidationError, match="Width"):
        mediaconvert.add_response("create_job", {"Job": {"Id": "job-1", "Role": ROLE, "Settings": {}}})
        app.handler(s3_event("uploads/clip.mp4"), None)


def test_the_s3_test_event_submits_nothing(app):
    with Stubber(app.mediaconvert) as mediaconvert:
        assert app.handler({"Service": "Amazon S3", "Event": "s3:TestEvent", "Bucket": "video-uploads"}, None) == {
            "jobIds": []}
        mediaconvert.assert_no_pending_responses()
