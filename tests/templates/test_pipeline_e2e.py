"""The book's video pipeline, deployed from the template and driven end to end.

Runs twice: on the in-kernel local cloud, and with moto as an HTTP server,
boto3 going over the wire through an endpoint URL (the path a real account takes).
"""
import json
from urllib.parse import unquote_plus

import pytest

from serverless_workbook.cloud import function_logs, stacks
from serverless_workbook.common import media
from serverless_workbook.common.registry import ROOT
from serverless_workbook.workspaces import pipeline_run

STACK = "video-e2e"
VIDEO_KEY = "uploads/My clip (1) é.mp4"
VIDEO_ID = "My clip (1) é"
TEXT_KEY = "uploads/notes.mp4"
# A screen recording has no audio track: MediaConvert still makes every rendition, without audio.
SILENT_KEY, SILENT_ID = "uploads/screen recording.mp4", "screen recording"
# The book's renditions: NameModifier -> (width, height).
RENDITIONS = {"-1080p": (1920, 1080), "-720p": (1280, 720), "-480p": (640, 480)}


@pytest.fixture(scope="module")
def pipeline(each_local_target, tmp_path_factory):
    target = each_local_target
    outputs = stacks.deploy(
        target, STACK, ROOT / "templates" / "video-pipeline.yaml", progress=False,
        code={"TranscodeCodeKey": ROOT / "functions" / "transcode_video",
              "ExtractCodeKey": ROOT / "functions" / "extract_metadata"},
    )
    work = tmp_path_factory.mktemp(target.name)
    clip = media.generate_clip(work / "clip.mp4", seconds=5, width=320, height=240, fps=10)
    # The first upload waits for S3 to apply the new trigger (uploading again while nothing happened); the others
    # then find it in effect.
    pipeline_run.upload_and_wait(target, outputs, clip, VIDEO_KEY)
    s3 = target.client("s3")
    silent = media.generate_clip(work / "silent.mp4", seconds=1, width=320, height=240, fps=10, audio=False)
    s3.upload_file(str(silent), outputs["UploadBucketName"], SILENT_KEY)
    s3.put_object(Bucket=outputs["UploadBucketName"], Key=TEXT_KEY, Body=b"a text file, named like a video\n")
    target.wait_for_jobs()
    return target, outputs, work


def rendition_keys(target, outputs, video_id=VIDEO_ID):
    listing = target.client("s3").list_objects_v2(Bucket=outputs["TranscodedBucketName"], Prefix=f"{video_id}/")
    return sorted(o["Key"] for o in listing.get("Contents", []))


def item(target, outputs, video_id):
    table = target.resource("dynamodb").Table(outputs["VideosTableName"])
    return table.get_item(Key={"id": video_id}, ConsistentRead=True)["Item"]


def test_three_renditions_with_the_books_dimensions(pipeline):
    target, outputs, work = pipeline
    keys = rendition_keys(target, outputs)
    assert keys == sorted(f"{VIDEO_ID}/{VIDEO_ID}{modifier}.mp4" for modifier in RENDITIONS)
    for modifier, (width, height) in RENDITIONS.items():
        path = work / f"rendition{modifier}.mp4"
        target.client("s3").download_file(outputs["TranscodedBucketName"], f"{VIDEO_ID}/{VIDEO_ID}{modifier}.mp4", str(path))
        probe = media.probe(path)
        assert (probe.width, probe.height) == (width, height)
        assert (probe.video_codec, probe.audio_codec) == ("h264", "aac")
        assert probe.duration == pytest.approx(5, abs=0.1)


def test_a_video_without_audio_gives_three_playable_renditions_without_audio(pipeline):
    target, outputs, work = pipeline
    assert item(target, outputs, SILENT_ID)["status"] == "COMPLETE"
    keys = rendition_keys(target, outputs, SILENT_ID)
    assert keys == sorted(f"{SILENT_ID}/{SILENT_ID}{modifier}.mp4" for modifier in RENDITIONS)
    for modifier, (width, height) in RENDITIONS.items():
        path = work / f"silent{modifier}.mp4"
        target.client("s3").download_file(outputs["TranscodedBucketName"], f"{SILENT_ID}/{SILENT_ID}{modifier}.mp4",
                                          str(path))
        probe = media.probe(path)
        assert (probe.width, probe.height, probe.video_codec, probe.audio_tracks) == (width, height, "h264", 0)
        assert probe.duration == pytest.approx(1, abs=0.1)


def test_the_videos_item_is_complete_and_matches_the_files(pipeline):
    target, outputs, work = pipeline
    video = item(target, outputs, VIDEO_ID)
    assert video["status"] == "COMPLETE"
    assert video["sourceKey"] == VIDEO_KEY
    assert video["sourceBucket"] == outputs["UploadBucketName"]
    assert set(video["renditions"]) == {f"{VIDEO_ID}{modifier}.mp4" for modifier in RENDITIONS}
    s3 = target.client("s3")
    for name, rendition in video["renditions"].items():
        path = work / name
        s3.download_file(outputs["TranscodedBucketName"], rendition["key"], str(path))
        probe = media.probe(path)
        assert (rendition["width"], rendition["height"]) == (probe.width, probe.height)
        assert float(rendition["duration"]) == pytest.approx(probe.duration, abs=0.05)
        assert rendition["size"] == path.stat().st_size
        assert rendition["bitrate"] == pytest.approx(probe.bitrate, rel=0.05)


def test_the_notification_queue_received_every_rendition(pipeline):
    target, outputs, _ = pipeline
    sqs = target.client("sqs")
    notified = set()
    while True:
        messages = sqs.receive_message(QueueUrl=outputs["NotificationQueueUrl"], MaxNumberOfMessages=10,
                                       WaitTimeSeconds=1).get("Messages", [])
        if not messages:
            break
        for message in messages:
            s3_event = json.loads(json.loads(message["Body"])["Message"])
            notified |= {unquote_plus(r["s3"]["object"]["key"]) for r in s3_event.get("Records", [])}
            sqs.delete_message(QueueUrl=outputs["NotificationQueueUrl"], ReceiptHandle=message["ReceiptHandle"])
    assert set(rendition_keys(target, outputs)) <= notified


def test_both_functions_wrote_their_logs(pipeline):
    target, outputs, _ = pipeline

    def messages(function):
        return "\n".join(e["message"] for e in function_logs.events(target, function))

    assert "Submitted MediaConvert job" in messages(outputs["TranscodeFunctionName"])
    assert f"Recorded {VIDEO_ID}/{VIDEO_ID}-1080p.mp4" in messages(outputs["ExtractFunctionName"])


def test_a_text_file_named_mp4_ends_as_an_error_on_its_item(pipeline):
    target, outputs, _ = pipeline
    video = item(target, outputs, "notes")
    assert video["status"] == "ERROR"
    assert "no video stream" in video["errorMessage"]
    assert video["renditions"] == {}
    head = target.client("s3").head_object(Bucket=outputs["UploadBucketName"], Key=TEXT_KEY)
    assert head["ContentLength"] == len(b"a text file, named like a video\n")


def test_failed_jobs_of_other_stacks_create_nothing(pipeline):
    # The failed-job queue can receive another stack's job, or a job submitted by hand: neither is this table's.
    target, outputs, _ = pipeline

    def failed_job(user_metadata):
        detail = {"status": "ERROR", "jobId": "1700000000000-other", "errorCode": 1010, "errorMessage": "bad input",
                  "userMetadata": user_metadata}
        return {"eventSource": "aws:sqs", "body": json.dumps({"detail": detail})}

    event = {"Records": [failed_job({"videoId": "someone else's clip"}), failed_job({})]}
    response = target.client("lambda").invoke(FunctionName=outputs["ExtractFunctionName"],
                                              Payload=json.dumps(event).encode())
    assert "FunctionError" not in response, response["Payload"].read()
    table = target.resource("dynamodb").Table(outputs["VideosTableName"])
    assert "Item" not in table.get_item(Key={"id": "someone else's clip"})
    assert item(target, outputs, "notes")["status"] == "ERROR"  # its own failure is still recorded


def test_teardown_leaves_nothing_tagged(pipeline):
    target, _, _ = pipeline
    assert stacks.leftovers(target, STACK)  # the scan does see the live stack
    stacks.teardown(target, STACK)
    assert stacks.leftovers(target) == []
    assert target.client("s3").list_buckets()["Buckets"] == []

