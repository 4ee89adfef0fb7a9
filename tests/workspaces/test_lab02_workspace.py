"""Lab 2's workspace: template parts merge back into the reference, stubs fall back to it, events print stably."""
import datetime

import pytest
import yaml

from serverless_workbook.cloud import trial_functions
from serverless_workbook.cloud.target import connect
from serverless_workbook.workspaces import pipeline_lab, pipeline_run
from serverless_workbook.common.templates import load_template

REFERENCE = load_template(pipeline_lab.REFERENCE_TEMPLATE.read_text())


def reference_part(name: str) -> str:
    """The YAML a learner would write for a part: exactly what the reference has there."""
    fragment: dict = {}
    for path in pipeline_lab.TEMPLATE_PARTS[name]:
        node, out = REFERENCE["Resources"], fragment
        for key in path[:-1]:
            node, out = node[key], out.setdefault(key, {})
        out[path[-1]] = node[path[-1]]
    return yaml.safe_dump(fragment)


@pytest.mark.parametrize("name", sorted(pipeline_lab.TEMPLATE_PARTS))
def test_the_reference_part_written_back_gives_the_reference_template(tmp_path, name):
    workspace = pipeline_lab.Workspace(tmp_path)
    workspace.save_part(name, reference_part(name))
    assert workspace.template(only=name) == REFERENCE


def test_removing_a_part_really_removes_it(tmp_path):
    workspace = pipeline_lab.Workspace(tmp_path)
    workspace.save_part("bucket_trigger", "UploadBucket:\n  Properties: {}\n")
    resources = workspace.template(only="bucket_trigger")["Resources"]
    assert "TranscodeInvokePermission" not in resources
    assert "NotificationConfiguration" not in resources["UploadBucket"]["Properties"]
    assert "BucketEncryption" in resources["UploadBucket"]["Properties"]  # the rest of the bucket is kept


def test_a_stubbed_part_is_saved_as_a_stub_and_the_reference_deploys(tmp_path):
    workspace = pipeline_lab.Workspace(tmp_path)
    stub = '# YOUR CODE HERE\nraise NotImplementedError("Exercise 2.2 is not done yet")\n'
    assert "still a stub" in workspace.save_part("bucket_trigger", stub)
    with pytest.raises(NotImplementedError, match="Exercise 2.2 is not done yet"):
        workspace.template(only="bucket_trigger")
    assert load_template(workspace.write_template().read_text()) == REFERENCE


def test_a_stubbed_handler_is_saved_but_the_reference_deploys(tmp_path):
    workspace = pipeline_lab.Workspace(tmp_path)
    source = 'def handler(event, context):\n    raise NotImplementedError("Exercise 2.1 is not done yet")\n'
    assert "still a stub" in workspace.save_handler("transcode_video", source)
    assert workspace.handler_folder("transcode_video") == pipeline_lab.FUNCTIONS / "transcode_video"
    with pytest.raises(NotImplementedError, match="Exercise 2.1"):
        workspace.learner_handler("transcode_video")


def test_a_written_handler_deploys_without_markers_and_with_its_helpers(tmp_path):
    workspace = pipeline_lab.Workspace(tmp_path)
    source = "def handler(event, context):\n    ### BEGIN SOLUTION\n    return {}\n    ### END SOLUTION\n"
    workspace.save_handler("extract_metadata", source)
    folder = workspace.handler_folder("extract_metadata")
    assert folder == tmp_path / "extract_metadata"
    assert (folder / "app.py").read_text() == "def handler(event, context):\n    return {}\n"
    assert (folder / "mp4info.py").is_file()


def test_stable_hides_ids_and_times_but_keeps_meaning():
    event = {
        "id": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "time": datetime.datetime(2026, 11, 27, 3, 0, tzinfo=datetime.timezone.utc),
        "detail": {"jobId": "1795751128530-c01be7", "timestamp": 1795751128530, "status": "COMPLETE"},
        "bucket": "ch2-video-uploads-123456789012",
        "role": "arn:aws:iam::123456789012:role/ch2-video-MediaConvertRole-EP23Z0KMBPMZ",
        "sequencer": "0055AED6DCD90281E5",
        "item": {"id": "My first clip"},
    }
    assert pipeline_run.stable(event) == {
        "id": "<uuid>",
        "time": "<time>",
        "detail": {"jobId": "<job-id>", "timestamp": "<epoch-ms>", "status": "COMPLETE"},
        "bucket": "ch2-video-uploads-123456789012",
        "role": "arn:aws:iam::123456789012:role/ch2-video-MediaConvertRole-<suffix>",
        "sequencer": "<sequencer>",
        "item": {"id": "My first clip"},
    }


@pytest.mark.parametrize("name", ["local", "local-server"])
def test_a_trial_that_fails_says_which_line_of_the_handler(name, tmp_path):
    folder = tmp_path / "handler"
    folder.mkdir()
    (folder / "app.py").write_text('def handler(event, context):\n    return event["Records"][0]["s3"]["name"]\n')
    target = connect(name)
    try:
        with trial_functions.trial_function(target, folder, {}) as invoke:
            failed = invoke({"Records": [{"s3": {}}]})
    finally:
        target.close()
    assert failed.error == "KeyError: 'name' (at app.py, line 2: return event[\"Records\"][0][\"s3\"][\"name\"])"
