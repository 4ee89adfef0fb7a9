"""A short poll may come back empty, as SQS's sampling may; a long poll, or Lambda's own poller, never misses."""
import pytest

from serverless_workbook.localcloud import sqs_sampling


@pytest.fixture
def queue(target):
    sqs = target.client("sqs")
    url = sqs.create_queue(QueueName="sampled")["QueueUrl"]
    yield sqs, url
    sqs.delete_queue(QueueUrl=url)


def test_one_short_poll_is_not_the_queue_and_a_long_poll_is(queue):
    sqs, url = queue
    sqs.send_message(QueueUrl=url, MessageBody="one")
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]] == ["one"]
    sqs.send_message(QueueUrl=url, MessageBody="two")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]]
    assert bodies == ["one", "two"]


def test_a_drain_that_stops_at_the_first_empty_short_poll_misses_messages(queue):
    sqs, url = queue
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": str(n)} for n in range(3)])
    drained = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        drained += messages
    assert drained == []


def test_sampling_can_be_switched_off(queue, monkeypatch):
    sqs, url = queue
    monkeypatch.setenv(sqs_sampling.SWITCH, "0")
    sqs.send_message(QueueUrl=url, MessageBody="one")
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["one"]
