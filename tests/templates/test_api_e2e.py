"""Upload through the API, let the pipeline run, find the video in the catalogue, play a rendition.

The client never hands video bytes to a function: POST /uploads returns a
presigned POST, the file goes straight to the upload bucket, and the lab 2
pipeline (deployed on the same local cloud) does the rest. Runs on the
in-kernel local cloud and on moto as an HTTP server, where the presigned URLs
point at a real socket too.
"""
import pytest
import requests

from serverless_workbook.cloud import stacks
from serverless_workbook.common import media
from serverless_workbook.workspaces import catalogue, pipeline_run

EMAIL, PASSWORD = "grace@example.com", "Compiler-A0-1952"


@pytest.fixture(scope="module")
def journey(each_local_target, tmp_path_factory):
    target = each_local_target
    pipeline, outputs = catalogue.deploy_with_pipeline(target, "video", "video-api", progress=False)
    catalogue.create_user(target, outputs, EMAIL, PASSWORD)
    endpoint = catalogue.serve(target, outputs)
    auth = {"Authorization": catalogue.sign_in(target, outputs, EMAIL, PASSWORD)}
    work = tmp_path_factory.mktemp(target.name)
    clip = media.generate_clip(work / "clip.mp4", seconds=2, width=320, height=240, fps=10)
    grant = requests.post(f"{endpoint.url}/uploads", headers=auth, timeout=10,
                          json={"filename": "Summer trip.mp4", "contentType": "video/mp4",
                                "size": clip.stat().st_size}).json()
    sent = []

    def upload():
        with clip.open("rb") as file:
            sent.append(requests.post(grant["url"], data=grant["fields"], timeout=30,
                                      files={"file": ("Summer trip.mp4", file, "video/mp4")}))

    # The pipeline was deployed a moment ago: S3 applies its trigger after a delay, so the grant may be used again.
    pipeline_run.until_recorded(target, pipeline, grant["videoId"], upload)
    uploaded = sent[-1]
    target.wait_for_jobs()
    yield target, endpoint, auth, grant, uploaded, work, pipeline
    endpoint.stop()


def test_the_presigned_post_puts_the_file_in_the_upload_bucket(journey):
    _, _, _, grant, uploaded, _, _ = journey
    assert uploaded.status_code in (200, 204), uploaded.text
    assert grant["key"] == f"{grant['videoId']}.mp4"


def test_the_video_appears_in_the_catalogue_with_its_renditions(journey):
    _, endpoint, auth, grant, _, _, _ = journey
    page = requests.get(f"{endpoint.url}/videos", params={"rendition": "720p"}, headers=auth, timeout=10).json()
    listed = {video["id"]: video for video in page["videos"]}
    assert listed[grant["videoId"]] == {"id": grant["videoId"], "status": "COMPLETE",
                                        "renditions": ["1080p", "720p", "480p"]}


def test_a_rendition_plays_through_its_presigned_url(journey):
    _, endpoint, auth, grant, _, work, _ = journey
    video = requests.get(f"{endpoint.url}/videos/{grant['videoId']}", headers=auth, timeout=10).json()
    rendition = video["renditions"]["720p"]
    playback = requests.get(rendition["url"], timeout=30)
    assert playback.status_code == 200
    path = work / "720p.mp4"
    path.write_bytes(playback.content)
    probe = media.probe(path)
    assert (probe.width, probe.height, probe.video_codec) == (1280, 720, "h264")
    assert len(playback.content) == rendition["size"]


def test_deleting_the_video_removes_it_and_its_files(journey):
    target, endpoint, auth, grant, _, _, pipeline = journey
    video = requests.get(f"{endpoint.url}/videos/{grant['videoId']}", headers=auth, timeout=10).json()
    assert requests.delete(f"{endpoint.url}/videos/{grant['videoId']}", headers=auth, timeout=10).status_code == 204
    for rendition in video["renditions"].values():
        # moto says 404 NoSuchKey; S3 says 403 to a signer without s3:ListBucket.
        assert requests.get(rendition["url"], timeout=10).status_code in (403, 404)
    uploads = target.client("s3").list_objects_v2(Bucket=pipeline["UploadBucketName"]).get("Contents", [])
    assert grant["key"] not in [upload["Key"] for upload in uploads]


def test_teardown_leaves_nothing_behind(journey):
    target, endpoint, *_ = journey
    endpoint.stop()
    stacks.teardown(target, "video-api")
    stacks.teardown(target, "video")
    assert stacks.leftovers(target) == []
    assert target.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"] == []
    assert target.client("apigateway").get_rest_apis()["items"] == []
    assert target.client("lambda").list_functions()["Functions"] == []
