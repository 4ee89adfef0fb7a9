"""Split, encode in parallel, merge: the template's state machine on the local cloud, checked on the real output."""
import json
import subprocess
from fractions import Fraction

import cfnlint.api
import pytest

from serverless_workbook.cloud import executions, stacks, trial_functions
from serverless_workbook.models import timeline
from serverless_workbook.common import media
from serverless_workbook.localcloud import stepfunctions
from serverless_workbook.common.templates import load_template
from serverless_workbook.cloud.target import connect
from serverless_workbook.common.registry import ROOT

TEMPLATE = ROOT / "templates" / "parallel-encode.yaml"
CODE = {"ParallelEncodeCodeKey": ROOT / "functions" / "parallel_encode"}
SECONDS, FPS = 6, 25


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return media.generate_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=SECONDS, fps=FPS,
                               keyframe_seconds=1)


@pytest.fixture(scope="module")
def encoded(clip, tmp_path_factory):
    """One execution with three segments on the concurrent local cloud: its description, history and output."""
    target = connect("local-server", concurrent_lambdas=True)
    try:
        outputs = stacks.deploy(target, "parallel", TEMPLATE, code=CODE, progress=False)
        bucket = outputs["MediaBucketName"]
        target.client("s3").upload_file(str(clip), bucket, "uploads/clip.mp4")
        machine = outputs["StateMachineArn"]
        description, history = executions.run(target, machine, {"bucket": bucket, "key": "uploads/clip.mp4",
                                                                "segments": 3})
        merged = tmp_path_factory.mktemp("merged") / "merged.mp4"
        if description["status"] == "SUCCEEDED":
            target.client("s3").download_file(bucket, "encoded/clip.mp4", str(merged))
        encoded_item = item(target, outputs, "uploads/clip.mp4")
        # A screen recording has no audio: the split finds none to copy out, and the merge puts none back.
        silent = media.generate_clip(tmp_path_factory.mktemp("silent") / "silent.mp4", seconds=2, fps=FPS,
                                     keyframe_seconds=1, audio=False)
        target.client("s3").upload_file(str(silent), bucket, "uploads/silent.mp4")
        silent_run, _ = executions.run(target, machine, {"bucket": bucket, "key": "uploads/silent.mp4",
                                                         "segments": 2})
        silent_merged = tmp_path_factory.mktemp("silent-merged") / "merged.mp4"
        if silent_run["status"] == "SUCCEEDED":
            target.client("s3").download_file(bucket, "encoded/silent.mp4", str(silent_merged))
        bad_input, bad_history = executions.run(target, machine, {"bucket": bucket, "key": "uploads/bad.mp4",
                                                                  "segments": 0})
        failed_item = item(target, outputs, "uploads/bad.mp4")
        # Odd sizes in 4:4:4 split by stream copy, but x264 cannot make 4:2:0 of them: the Map state fails.
        odd = tmp_path_factory.mktemp("odd") / "odd.mp4"
        subprocess.run([media.FFMPEG, "-v", "error", "-f", "lavfi", "-i", "testsrc=size=161x121:rate=10:duration=2",
                        "-c:v", "libx264", "-pix_fmt", "yuv444p", "-g", "5", str(odd)], check=True)
        target.client("s3").upload_file(str(odd), bucket, "uploads/odd.mp4")
        odd_input, odd_history = executions.run(target, machine, {"bucket": bucket, "key": "uploads/odd.mp4",
                                                                  "segments": 2})
        odd_item = item(target, outputs, "uploads/odd.mp4")
        stacks.teardown(target, "parallel")
        leftovers = stacks.leftovers(target, "parallel")
    finally:
        target.close()
    return {"description": description, "history": history, "merged": merged, "silent_run": silent_run,
            "silent_merged": silent_merged, "bad_input": bad_input,
            "bad_history": bad_history, "encoded_item": encoded_item, "failed_item": failed_item,
            "odd_input": odd_input, "odd_history": odd_history, "odd_item": odd_item,
            "leftovers": leftovers}


def item(target, outputs, key):
    table = target.resource("dynamodb").Table(outputs["VideosTableName"])
    return table.get_item(Key={"id": key}, ConsistentRead=True).get("Item")


def test_the_execution_succeeds_with_three_segments(encoded):
    assert encoded["description"]["status"] == "SUCCEEDED", encoded["description"].get("cause")
    assert json.loads(encoded["description"]["output"])["segments"] == 3


def test_the_merged_file_plays_to_the_end(encoded):
    decode = subprocess.run([media.FFMPEG, "-nostdin", "-v", "error", "-i", str(encoded["merged"]), "-f", "null", "-"],
                            capture_output=True, text=True)
    assert decode.returncode == 0 and decode.stderr == "", decode.stderr


def test_the_duration_matches_the_source_within_a_frame(encoded, clip):
    merged, source = media.probe(encoded["merged"]), media.probe(clip)
    assert abs(merged.duration - source.duration) <= 1 / FPS
    assert (merged.width, merged.height, merged.audio_codec) == (source.width, source.height, "aac")


def test_a_video_without_audio_is_merged_without_audio(encoded):
    assert encoded["silent_run"]["status"] == "SUCCEEDED", encoded["silent_run"].get("cause")
    merged = media.probe(encoded["silent_merged"])
    assert merged.audio_codec is None and abs(merged.duration - 2) <= 1 / FPS


def test_timestamps_are_continuous_across_segment_boundaries(encoded):
    times = media.frame_times(encoded["merged"])
    assert len(times) == SECONDS * FPS
    steps = {later - earlier for earlier, later in zip(times, times[1:])}
    assert steps == {Fraction(1, FPS)}, f"frame steps {sorted(steps)}: a gap or overlap at a segment boundary"


def test_the_map_state_encoded_segments_concurrently(encoded):
    spans = [span for span in executions.lambda_spans(encoded["history"]) if span.label == "EncodeSegment"]
    assert len(spans) == 3 and all(span.detail == "parallel-encode-segment" for span in spans)
    assert timeline.overlapping(spans), "the encoders never ran at the same time"


def test_a_bad_segment_count_fails_the_execution(encoded):
    assert encoded["bad_input"]["status"] == "FAILED"
    assert encoded["bad_input"]["error"] == "ValueError"
    assert "segments must be a whole number from 1 to 64" in encoded["bad_input"]["cause"]


def test_a_failure_is_caught_and_marks_the_item_without_retrying_it(encoded):
    assert encoded["failed_item"]["status"] == "FAILED"
    assert encoded["failed_item"]["error"] == "ValueError"
    assert "segments must be a whole number" in encoded["failed_item"]["errorCause"]
    # Retry names throttling and service errors only: the handler's own ValueError is not tried again.
    failures = [e for e in encoded["bad_history"] if e["type"] == "LambdaFunctionFailed"]
    assert len(failures) == 1
    entered = [e["stateEnteredEventDetails"]["name"] for e in encoded["bad_history"] if "stateEnteredEventDetails" in e]
    assert entered == ["Split", "MarkFailed", "EncodeFailed"]


def test_a_failed_encode_is_caught_at_the_map_and_marks_the_item(encoded):
    assert encoded["odd_input"]["status"] == "FAILED"
    assert (encoded["odd_item"]["status"], encoded["odd_item"]["error"]) == ("FAILED", "FfmpegError")
    assert "-c:v libx264" in encoded["odd_item"]["errorCause"]  # the encode-segment command that failed
    entered = {e["stateEnteredEventDetails"]["name"] for e in encoded["odd_history"] if "stateEnteredEventDetails" in e}
    assert {"EncodeSegments", "MarkFailed", "EncodeFailed"} <= entered and "Merge" not in entered


def test_a_success_marks_the_item_encoded(encoded):
    assert encoded["encoded_item"] == {"id": "uploads/clip.mp4", "status": "ENCODED", "encodedKey": "encoded/clip.mp4"}


def test_teardown_leaves_nothing(encoded):
    assert encoded["leftovers"] == []


def test_a_template_state_machine_also_runs_on_the_in_process_cloud(clip):
    target = connect("local")
    try:
        outputs = stacks.deploy(target, "serial", TEMPLATE, code=CODE, progress=False)
        target.client("s3").upload_file(str(clip), outputs["MediaBucketName"], "uploads/clip.mp4")
        description, _ = executions.run(target, outputs["StateMachineArn"], {
            "bucket": outputs["MediaBucketName"], "key": "uploads/clip.mp4", "segments": 2})
        stacks.teardown(target, "serial")
    finally:
        target.close()
    assert description["status"] == "SUCCEEDED", description.get("cause")
    assert json.loads(description["output"])["segments"] == 2


def test_definition_substitutions_are_applied_and_missing_ones_named():
    properties = {"Definition": {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Fn}", "End": True}}},
                  "DefinitionSubstitutions": {"Fn": "arn:aws:lambda:us-east-1:123456789012:function:f"}}
    assert json.loads(stepfunctions.definition(properties))["States"]["A"]["Resource"].endswith(":function:f")
    with pytest.raises(ValueError, match=r"\$\{Fn\}"):
        stepfunctions.definition({"Definition": properties["Definition"]})


# ---------- the template ----------

@pytest.fixture(scope="module")
def resources():
    return load_template(TEMPLATE.read_text())["Resources"]


def role_statements(resources, role):
    return [statement for policy in resources[role]["Properties"]["Policies"]
            for statement in policy["PolicyDocument"]["Statement"]]


def test_cfn_lint_passes():
    assert cfnlint.api.lint_file(TEMPLATE) == []


def test_no_wildcard_action_or_resource(resources):
    for name, resource in resources.items():
        if resource["Type"] != "AWS::IAM::Role":
            continue
        for statement in role_statements(resources, name):
            for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
                assert "*" not in action, f"{name} allows {action}"
            for arn in [statement["Resource"]] if not isinstance(statement["Resource"], list) else statement["Resource"]:
                assert arn != "*", f"{name} grants {statement['Action']} on every resource"


def test_the_state_machine_may_invoke_its_three_functions_and_update_its_table_only(resources):
    functions = sorted(name for name, resource in resources.items() if resource["Type"] == "AWS::Lambda::Function")
    assert role_statements(resources, "StateMachineRole") == [{
        "Effect": "Allow", "Action": "lambda:InvokeFunction",
        "Resource": [{"Fn::GetAtt": [name, "Arn"]} for name in ("SplitFunction", "EncodeSegmentFunction",
                                                                  "MergeFunction")],
    }, {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": {"Fn::GetAtt": ["VideosTable", "Arn"]}}]
    assert functions == ["EncodeSegmentFunction", "MergeFunction", "SplitFunction"]


def test_every_task_retries_throttling_and_catches_into_the_item(resources):
    states = resources["EncodeStateMachine"]["Properties"]["Definition"]["States"]
    tasks = {"Split": states["Split"], "EncodeSegment": states["EncodeSegments"]["ItemProcessor"]["States"]["EncodeSegment"],
             "Merge": states["Merge"]}
    for name, state in tasks.items():
        assert "Lambda.TooManyRequestsException" in state["Retry"][0]["ErrorEquals"], name
    for name in ("Split", "EncodeSegments", "Merge"):
        assert states[name]["Catch"] == [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "MarkFailed"}]
    assert 1 < states["EncodeSegments"]["MaxConcurrency"] <= 16


def test_state_times_come_from_the_history(encoded):
    history = encoded["history"]
    merge = executions.state_seconds(history, "Merge")
    assert 0 < merge < executions.state_seconds(history, "EncodeSegments") + merge
    with pytest.raises(ValueError, match="'Encode'"):
        executions.state_seconds(history, "Encode")


def test_invoke_answers_or_raises_the_handlers_error(tmp_path):
    (tmp_path / "app.py").write_text("import time\n\ndef handler(event, context):\n"
                                     "    time.sleep(event.get('sleep', 0))\n"
                                     "    if event.get('fail'):\n        raise ValueError('asked to fail')\n"
                                     "    return {'echo': event}\n")
    target = connect("local")
    try:
        with trial_functions.trial_function(target, tmp_path, {}, timeout=3):
            name = f"lab-trial-{tmp_path.name.replace('_', '-')}"
            assert executions.invoke(target, name, {"a": 1}) == {"echo": {"a": 1}}
            with pytest.raises(executions.FunctionFailed, match="ValueError: asked to fail"):
                executions.invoke(target, name, {"fail": True})
    finally:
        target.close()
