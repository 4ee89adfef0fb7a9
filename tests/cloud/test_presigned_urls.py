"""Presigned URLs as AWS needs them, which moto cannot tell: SigV4, on the bucket's regional virtual-hosted host.

New buckets refuse SigV2, and the global host (bucket.s3.amazonaws.com) answers 307 outside us-east-1, after which
the signature no longer matches. Signing is local, so these tests need no cloud, only credentials.
"""
import base64
import json
import sys
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from stubbed_account import StubbedAccount

from serverless_workbook.cloud.target import Target

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def aws_target(region: str) -> Target:
    # Presigning sends nothing: the stubbed account's clients sign exactly as the aws target's.
    return StubbedAccount(region)


def assert_sigv4_regional(url: str, region: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.hostname == f"videos.s3.{region}.amazonaws.com", url
    query = parse_qs(parts.query)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].split("/")[2:4] == [region, "s3"]
    assert "Signature" not in query and "AWSAccessKeyId" not in query


@pytest.mark.parametrize("region", REGIONS)
def test_the_targets_s3_clients_presign_get_with_sigv4_on_the_regional_host(region):
    url = aws_target(region).client("s3").generate_presigned_url(
        "get_object", Params={"Bucket": "videos", "Key": "My clip/My clip-480p.mp4"}, ExpiresIn=300)
    assert_sigv4_regional(url, region)
    assert parse_qs(urlsplit(url).query)["X-Amz-Expires"] == ["300"]


@pytest.mark.parametrize("region", REGIONS)
def test_the_targets_s3_clients_presign_post_with_sigv4_on_the_regional_host(region):
    post = aws_target(region).client("s3").generate_presigned_post("videos", "uploads/a.mp4")
    assert post["url"] == f"https://videos.s3.{region}.amazonaws.com/"
    assert post["fields"]["x-amz-algorithm"] == "AWS4-HMAC-SHA256"
    assert post["fields"]["x-amz-credential"].split("/")[2] == region
    policy = json.loads(base64.b64decode(post["fields"]["policy"]))
    assert {"x-amz-algorithm": "AWS4-HMAC-SHA256"} in policy["conditions"]


def test_a_callers_own_config_still_wins():
    from botocore.config import Config

    url = aws_target("eu-west-1").client("s3", config=Config(signature_version="s3")).generate_presigned_url(
        "get_object", Params={"Bucket": "videos", "Key": "a.mp4"})
    assert "Signature" in parse_qs(urlsplit(url).query)


def test_the_local_server_endpoint_stays_path_style():
    session = boto3.session.Session(aws_access_key_id="a", aws_secret_access_key="b", region_name="eu-west-1")
    target = Target("local-server", "210987654321", "eu-west-1", session, "http://127.0.0.1:5000")
    url = target.client("s3").generate_presigned_url("get_object", Params={"Bucket": "videos", "Key": "a.mp4"})
    assert url.startswith("http://127.0.0.1:5000/videos/a.mp4?X-Amz-Algorithm=AWS4-HMAC-SHA256")


@pytest.mark.parametrize("region", REGIONS)
def test_the_video_api_presigns_get_and_post_with_sigv4_on_the_regional_host(region, monkeypatch):
    # As Lambda runs it: the region comes from the function's environment.
    for name, value in {"AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
                        "AWS_SECRET_ACCESS_KEY": "secret", "VIDEOS_TABLE": "videos-table", "OWNERS_TABLE": "owners",
                        "UPLOAD_BUCKET": "videos", "TRANSCODED_BUCKET": "videos"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.syspath_prepend("functions/video_api")
    monkeypatch.delitem(sys.modules, "app", raising=False)
    import app

    try:
        assert_sigv4_regional(app.s3.generate_presigned_url("get_object", Params={"Bucket": "videos", "Key": "a.mp4"}),
                              region)
        assert app.s3.generate_presigned_post("videos", "a.mp4")["url"] == f"https://videos.s3.{region}.amazonaws.com/"
    finally:
        sys.modules.pop("app", None)
