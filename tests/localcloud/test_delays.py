"""AWS's delays, scaled down: for each, code that assumes immediacy fails here, and code that waits passes."""
import io
import json
import time
import zipfile

import pytest

from serverless_workbook.cloud import function_logs, stacks, trial_functions
from serverless_workbook.common import waiting
from serverless_workbook.localcloud import delays, iam_propagation, sqs_poller
from roles import function_role

HANDLER = '''
import json
import time

def handler(event, context):
    for record in event.get("Records", []):
        if "s3" in record:
            print("reacted to", record["s3"]["object"]["key"])
        elif "body" in record:
            time.sleep(0.005)  # one log timestamp (ms) per message, so the log's order is the order handled
            print("handled", record["body"])
        else:
            print("streamed", record["dynamodb"]["Keys"]["id"]["S"])
'''


@pytest.fixture(autouse=True)
def longer(monkeypatch):
    """Each delay four times as long, so that a step taken "at once" falls inside it even on a loaded machine."""
    monkeypatch.setenv(delays.SCALE, "4")


def _zipped(source):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def _function(target, name, *allowed):
    """A function that prints what reached it, allowed these actions on any resource; created as a careful script
    creates one (retrying while its new role is not assumable)."""
    iam = target.client("iam")
    role = function_role(target, name)
    if allowed:
        iam.put_role_policy(RoleName=name, PolicyName="allowed", PolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": list(allowed), "Resource": "*"}]}))
    return trial_functions.create_function(
        target.client("lambda"), FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": _zipped(HANDLER)})["FunctionArn"]


def _lines(target, function, prefix):
    return sorted(e["message"].strip() for e in function_logs.events(target, function) if e["message"].startswith(prefix))


def test_a_new_role_is_refused_at_once_and_a_retrying_create_succeeds(target, monkeypatch):
    # The shortest delay, at three seconds: on a loaded machine a second passed between the two calls.
    monkeypatch.setenv(delays.SCALE, "30")
    lam = target.client("lambda")
    role = target.client("iam").create_role(RoleName="delay-young", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="cannot be assumed by Lambda"):
        lam.create_function(FunctionName="delay-young", Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": _zipped(HANDLER)})
    assert iam_propagation.NOT_ASSUMABLE.startswith("The role defined for the function")
    created = trial_functions.create_function(lam, FunctionName="delay-young", Runtime="python3.12", Role=role,
                                              Handler="app.handler", Code={"ZipFile": _zipped(HANDLER)})
    assert created["FunctionName"] == "delay-young"


def test_a_log_line_shows_after_a_delay_and_a_settled_read_finds_it(target):
    _function(target, "delay-logs")
    target.client("lambda").invoke(FunctionName="delay-logs",
                                   Payload=json.dumps({"Records": [{"body": "one"}]}))
    logs = target.client("logs")
    at_once = logs.filter_log_events(logGroupName="/aws/lambda/delay-logs")["events"]
    assert not any("handled one" in e["message"] for e in at_once)
    assert _lines(target, "delay-logs", "handled") == ["handled one"]


def test_a_new_trigger_fires_only_after_a_delay_and_an_upload_that_waits_is_handled(target):
    arn = _function(target, "delay-trigger")
    s3 = target.client("s3")
    s3.create_bucket(Bucket="delay-trigger")
    target.client("lambda").add_permission(FunctionName="delay-trigger", StatementId="s3", Principal="s3.amazonaws.com",
                                           Action="lambda:InvokeFunction", SourceArn="arn:aws:s3:::delay-trigger")
    s3.put_bucket_notification_configuration(Bucket="delay-trigger", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket="delay-trigger", Key="at-once.txt", Body=b"x")
    time.sleep(delays.NOTIFICATION_CONFIGURATION.seconds())
    s3.put_object(Bucket="delay-trigger", Key="waited.txt", Body=b"x")
    assert _lines(target, "delay-trigger", "reacted") == ["reacted to waited.txt"]
    # Switched off, the trigger still fires for a while: the previous configuration is what S3 acts on.
    s3.put_bucket_notification_configuration(Bucket="delay-trigger", NotificationConfiguration={})
    s3.put_object(Bucket="delay-trigger", Key="still-fires.txt", Body=b"x")
    assert "reacted to still-fires.txt" in _lines(target, "delay-trigger", "reacted")


def test_the_tagging_api_lists_a_deleted_queue_for_a_while_and_the_leftover_scan_does_not(target):
    sqs, tagging = target.client("sqs"), target.client("resourcegroupstaggingapi")
    url = sqs.create_queue(QueueName="delay-tagged", tags={stacks.TAG_KEY: "delay-test"})["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)

    def listed():
        return [r["ResourceARN"] for r in tagging.get_resources(
            TagFilters=[{"Key": stacks.TAG_KEY, "Values": ["delay-test"]}])["ResourceTagMappingList"]]

    assert [arn.rsplit(":", 1)[1] for arn in listed()] == ["delay-tagged"]
    assert stacks.leftovers(target, "delay-test") == []  # each listed ARN asked of its service
    assert waiting.until(listed, "the tagging API to catch up", ready=lambda found: not found, timeout=10) == []


def test_a_latest_stream_mapping_misses_what_was_written_before_it_polled(target):
    _function(target, "delay-stream")
    dynamodb = target.client("dynamodb")
    streams = {}
    for name, position in (("delay-latest", "LATEST"), ("delay-horizon", "TRIM_HORIZON")):
        table = dynamodb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})["TableDescription"]
        streams[name] = table["LatestStreamArn"]
        target.client("lambda").create_event_source_mapping(EventSourceArn=table["LatestStreamArn"],
                                                            FunctionName="delay-stream", StartingPosition=position)
        dynamodb.put_item(TableName=name, Item={"id": {"S": f"{name}-at-once"}})
    time.sleep(delays.STREAM_START.seconds())
    dynamodb.put_item(TableName="delay-latest", Item={"id": {"S": "delay-latest-waited"}})
    assert _lines(target, "delay-stream", "streamed") == [
        "streamed delay-horizon-at-once", "streamed delay-latest-waited"]


def test_batches_run_at_once_finish_out_of_arrival_order(target):
    _function(target, "delay-batches", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
    sqs = target.client("sqs")
    url = sqs.create_queue(QueueName="delay-batches")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    lam = target.client("lambda")
    lam.put_function_concurrency(FunctionName="delay-batches", ReservedConcurrentExecutions=0)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="delay-batches", BatchSize=1)
    for n in range(1, 8):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
    lam.delete_function_concurrency(FunctionName="delay-batches")
    sqs_poller.wait_idle(10)
    handled = [e["message"].split()[1] for e in function_logs.events(target, "delay-batches")
               if e["message"].startswith("handled")]
    # Five batches at once, then the last two: each round finishes last-received first.
    assert handled == ["5", "4", "3", "2", "1", "7", "6"]


def test_scale_zero_removes_the_delays(target, monkeypatch):
    monkeypatch.setenv(delays.SCALE, "0")
    lam = target.client("lambda")
    role = function_role(target, "delay-none")
    lam.create_function(FunctionName="delay-none", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": _zipped(HANDLER)})
    lam.invoke(FunctionName="delay-none", Payload=json.dumps({"Records": [{"body": "now"}]}))
    events = target.client("logs").filter_log_events(logGroupName="/aws/lambda/delay-none")["events"]
    assert any("handled now" in e["message"] for e in events)
