"""The local SQS pollers: retries with real receive counts, redrive to a DLQ, partial batch failures."""
import json

import pytest

from serverless_workbook.cloud import function_logs, trial_functions
from serverless_workbook.localcloud import sqs_poller
from test_localcloud_lambda import zipped
from roles import function_role

HANDLER = '''
import json
import time

def handler(event, context):
    failures = []
    for record in event["Records"]:
        tier = record["messageAttributes"].get("tier", {}).get("stringValue", "none")
        print("ATTEMPT", record["body"], record["attributes"]["ApproximateReceiveCount"], tier)
        if "slow" in record["body"]:
            time.sleep(1)
        if "poison" in record["body"]:
            failures.append({"itemIdentifier": record["messageId"]})
    if failures and not context.function_name.endswith("partial"):
        raise ValueError("a poison message")
    return {"batchItemFailures": failures}
'''


def attempts(target, function):
    events = function_logs.events(target, function)
    lines = [line.split()[1:] for e in events for line in e["message"].splitlines() if line.startswith("ATTEMPT")]
    return sorted(lines)


def queue_with_dlq(target, name, max_receive_count):
    sqs = target.client("sqs")
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": max_receive_count}
    queue = sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "1", "RedrivePolicy": json.dumps(redrive)})
    url = queue["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq


def mapped_function(target, name, queue_arn, timeout=1, **mapping):
    iam = target.client("iam")
    role = function_role(target, name)
    # What Lambda's poller needs of the function's role, or it refuses the mapping (as on AWS).
    iam.put_role_policy(RoleName=name, PolicyName="poll", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
         "Resource": queue_arn}]}))
    lambda_ = target.client("lambda")
    trial_functions.create_function(lambda_, FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped(HANDLER)}, Timeout=timeout)
    lambda_.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=name, **mapping)


def dlq_bodies(target, dlq):
    messages = target.client("sqs").receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])
    return sorted(m["Body"] for m in messages)


def test_poison_message_is_retried_up_to_max_receive_count_then_parked(target):
    url, arn, dlq = queue_with_dlq(target, "orders", max_receive_count=3)
    mapped_function(target, "orders-worker", arn, BatchSize=1)
    sqs = target.client("sqs")
    sqs.send_message(QueueUrl=url, MessageBody="good", MessageAttributes={
        "tier": {"DataType": "String", "StringValue": "premium"}})
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    sqs_poller.wait_idle(timeout=20)
    assert attempts(target, "orders-worker") == [
        ["good", "1", "premium"], ["poison", "1", "none"], ["poison", "2", "none"], ["poison", "3", "none"]]
    assert dlq_bodies(target, dlq) == ["poison"]


def test_partial_batch_failure_retries_only_the_failed_message(target):
    url, arn, dlq = queue_with_dlq(target, "batch", max_receive_count=2)
    sqs = target.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "1", "MessageBody": "fine"}, {"Id": "2", "MessageBody": "poison"}])
    mapped_function(target, "batch-partial", arn, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs_poller.wait_idle(timeout=20)
    assert attempts(target, "batch-partial") == [["fine", "1", "none"], ["poison", "1", "none"], ["poison", "2", "none"]]
    assert dlq_bodies(target, dlq) == ["poison"]


def test_disabled_mapping_leaves_messages_queued(target):
    url, arn, _ = queue_with_dlq(target, "paused", max_receive_count=2)
    mapped_function(target, "paused-worker", arn, Enabled=False)
    target.client("sqs").send_message(QueueUrl=url, MessageBody="waiting")
    sqs_poller.wait_idle(timeout=5)
    assert attempts(target, "paused-worker") == []
    count = target.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert count["Attributes"]["ApproximateNumberOfMessages"] == "1"


def test_function_throttled_to_zero_receives_nothing_until_released(target):
    url, arn, _ = queue_with_dlq(target, "throttled", max_receive_count=2)
    mapped_function(target, "throttled-worker", arn)
    lambda_ = target.client("lambda")
    lambda_.put_function_concurrency(FunctionName="throttled-worker", ReservedConcurrentExecutions=0)
    target.client("sqs").send_message(QueueUrl=url, MessageBody="held")
    sqs_poller.wait_idle(timeout=5)
    assert attempts(target, "throttled-worker") == []
    lambda_.delete_function_concurrency(FunctionName="throttled-worker")
    sqs_poller.wait_idle(timeout=5)
    assert attempts(target, "throttled-worker") == [["held", "1", "none"]]


def test_message_failing_forever_without_a_dlq_never_lets_the_pollers_rest(target):
    sqs = target.client("sqs")
    url = sqs.create_queue(QueueName="no-dlq", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapped_function(target, "no-dlq-worker", arn)
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    sqs_poller.wait_delivered(timeout=5)
    with pytest.raises(TimeoutError, match="without a DLQ"):
        sqs_poller.wait_idle(timeout=0.3)
    sqs.purge_queue(QueueUrl=url)


def test_the_local_cloud_is_not_idle_while_a_mapped_message_waits_or_is_delivered(target):
    # A wait that gives up once the local cloud is idle must not give up on work a poller still has to deliver.
    sqs = target.client("sqs")
    url = sqs.create_queue(QueueName="slow", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapped_function(target, "slow-worker", arn, timeout=5)
    assert target.is_idle()
    sqs.send_message(QueueUrl=url, MessageBody="slow")
    assert not target.is_idle()
    sqs_poller.wait_delivered(timeout=10)
    assert target.is_idle()
    assert attempts(target, "slow-worker") == [["slow", "1", "none"]]


def test_a_mapping_whose_function_was_deleted_first_does_not_stop_the_pollers(target):
    # A stack's teardown may delete a function before its mapping: the other mappings are still served.
    gone_url, gone_arn, _ = queue_with_dlq(target, "orphaned", max_receive_count=2)
    mapped_function(target, "orphaned-worker", gone_arn)
    target.client("lambda").delete_function(FunctionName="orphaned-worker")
    target.client("sqs").send_message(QueueUrl=gone_url, MessageBody="nobody")
    url, arn, _ = queue_with_dlq(target, "still-served", max_receive_count=2)
    mapped_function(target, "still-served-worker", arn)
    target.client("sqs").send_message(QueueUrl=url, MessageBody="served")
    sqs_poller.wait_delivered(timeout=10)
    assert attempts(target, "still-served-worker") == [["served", "1", "none"]]


def test_connecting_again_shares_the_running_pollers(target):
    assert sqs_poller.install() is sqs_poller._poller


def test_self_test_refuses_a_changed_moto(monkeypatch):
    monkeypatch.setattr(sqs_poller, "_original_add_message", lambda self, message, extra: None)
    with pytest.raises(sqs_poller.PollerPatchError, match="add_message"):
        sqs_poller.self_test()


def test_a_queue_that_hides_a_message_for_less_than_the_function_may_run_is_refused(target):
    _, arn, _ = queue_with_dlq(target, "hasty", max_receive_count=3)  # a visibility timeout of 1 s
    lambda_ = target.client("lambda")
    with pytest.raises(lambda_.exceptions.InvalidParameterValueException,
                       match="Queue visibility timeout: 1 seconds is less than Function timeout: 5 seconds"):
        mapped_function(target, "hasty-worker", arn, timeout=5)
