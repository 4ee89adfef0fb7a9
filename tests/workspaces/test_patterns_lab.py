"""Lab 4's workspace: handler parts spliced into the reference functions, and the queue policy reader."""
import pytest

from serverless_workbook.course.lab_format import stub_line
from serverless_workbook.cloud import function_logs
from serverless_workbook.workspaces import patterns_lab
from serverless_workbook.course.lab_format import NotSaved

QUEUE, TOPIC = "arn:aws:sqs:us-east-1:1:captions", "arn:aws:sns:us-east-1:1:uploads"
HANDLER = "def handler(event, context):\n    ### BEGIN SOLUTION\n    return helper(event)\n    ### END SOLUTION\n"


def test_a_part_replaces_only_the_reference_handler(tmp_path):
    workspace = patterns_lab.HandlerWorkspace(tmp_path)
    assert "your handler" in workspace.save("video_commands", "def helper(event):\n    return 1\n\n\n" + HANDLER)
    app = (workspace.folder_for("video_commands") / "app.py").read_text()
    assert app.count("def handler(") == 1 and "return helper(event)" in app and "### BEGIN" not in app
    assert "COMMANDS = {" in app and "def helper(event):" in app
    compile(app, "app.py", "exec")


def test_a_stubbed_part_says_which_exercise_is_not_done(tmp_path):
    workspace = patterns_lab.HandlerWorkspace(tmp_path)
    assert "still a stub" in workspace.save("owner_stats", f"def handler(event, context):\n    {stub_line('4.5')}\n")
    with pytest.raises(NotImplementedError, match="Exercise 4.5 is not done yet"):
        workspace.folder_for("owner_stats")
    with pytest.raises(NotSaved, match="handler_part video_commands"):
        workspace.folder_for("video_commands")


def test_bad_parts_are_refused_with_what_to_do(tmp_path):
    workspace = patterns_lab.HandlerWorkspace(tmp_path)
    with pytest.raises(ValueError, match="choose one of video_commands, owner_stats"):
        workspace.save("transcode_video", HANDLER)
    with pytest.raises(ValueError, match="must define handler"):
        workspace.save("owner_stats", "def handle(event, context):\n    pass\n")


def test_unknown_pattern_is_refused():
    with pytest.raises(ValueError, match="No pattern template named 'pipes'"):
        patterns_lab.deploy(None, "x", "pipes")


def _statement(**changes):
    statement = {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage",
                 "Resource": QUEUE, "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}}}
    statement.update(changes)
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_topic_may_send_follows_the_sns_guides_policy():
    assert patterns_lab.topic_may_send(_statement(), QUEUE, TOPIC)
    assert patterns_lab.topic_may_send(_statement(Action=["sqs:SendMessage"], Resource=[QUEUE]), QUEUE, TOPIC)
    assert patterns_lab.topic_may_send(_statement(Condition={"ArnLike": {"aws:SourceArn": [TOPIC]}}), QUEUE, TOPIC)
    assert not patterns_lab.topic_may_send(_statement(), QUEUE, TOPIC + "-other")
    assert not patterns_lab.topic_may_send(_statement(Condition={}), QUEUE, TOPIC)
    assert not patterns_lab.topic_may_send(_statement(Effect="Deny"), QUEUE, TOPIC)
    assert not patterns_lab.topic_may_send(_statement(Principal="*"), QUEUE, TOPIC)
    assert not patterns_lab.topic_may_send(_statement(Resource=QUEUE + "-other"), QUEUE, TOPIC)
    assert not patterns_lab.topic_may_send({}, QUEUE, TOPIC)


def test_on_aws_printed_reads_the_log_until_two_reads_agree(monkeypatch, stubbed_account):
    a, b = '{"key": "a", "attempt": 1}', '{"key": "b", "attempt": 1}'
    logs = stubbed_account.stub("logs")
    # The log grows between the first two reads; the third finds what the second found (in another order).
    for messages in ([b], [b, a], [a, b]):
        logs.add_response("filter_log_events", {"events": [{"message": message, "timestamp": 1} for message in messages]},
                          {"logGroupName": "/aws/lambda/worker"})
    monkeypatch.setattr(function_logs, "AWS_SETTLE_SECONDS", 0)
    assert patterns_lab.printed(stubbed_account, "worker") == [{"key": "a", "attempt": 1}, {"key": "b", "attempt": 1}]
    logs.assert_no_pending_responses()
