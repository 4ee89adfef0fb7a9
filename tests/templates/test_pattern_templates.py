"""Chapter 4's pattern templates: cfn-lint clean, least-privilege IAM, and each one deploys and behaves."""
import json

import cfnlint.api
import pytest

from serverless_workbook.cloud import stacks
from serverless_workbook.localcloud import sqs_poller
from serverless_workbook.common.templates import load_template
from serverless_workbook.workspaces import patterns_lab
from test_pipeline_template import as_list, statements
from serverless_workbook.common.registry import ROOT

TEMPLATES = sorted((ROOT / "templates").glob("pattern-*.yaml"))
FUNCTIONS = ROOT / "functions"


def test_every_pattern_has_a_template():
    assert [t.stem for t in TEMPLATES] == [
        "pattern-command", "pattern-compute-as-glue", "pattern-fan-out", "pattern-messaging-dlq",
        "pattern-priority-queue"]


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.stem)
def test_cfn_lint_passes(template):
    assert cfnlint.api.lint_file(template) == []


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.stem)
def test_no_wildcard_action_or_resource(template):
    found = list(statements(load_template(template.read_text())["Resources"]))
    assert found, f"{template.name} has no IAM role to check"
    for role, statement in found:
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{role} allows {action}"
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{role} grants {statement['Action']} on every resource"


@pytest.fixture
def deployed(target):
    names = []

    def deploy(stack_name, template, code_parameter, folder, **parameters):
        names.append(stack_name)
        return stacks.deploy(target, stack_name, ROOT / "templates" / template,
                             parameters=parameters, code={code_parameter: FUNCTIONS / folder}, progress=False)

    yield deploy
    for name in names:
        stacks.teardown(target, name)
    assert stacks.leftovers(target) == []


def test_priority_queue_lets_premium_overtake_the_free_backlog(target, deployed):
    out = deployed("priority", "pattern-priority-queue.yaml", "EncoderCodeKey", "priority_encoder", WorkSeconds="0")
    sqs, lambda_ = target.client("sqs"), target.client("lambda")
    # Throttled to zero while the backlog builds, so both queues are full when the encoder starts.
    lambda_.put_function_concurrency(FunctionName=out["EncoderFunctionName"], ReservedConcurrentExecutions=0)
    uploads = [(f"free-{n}", "FreeQueueUrl") for n in range(1, 6)] + [("premium-1", "PremiumQueueUrl")]
    for key, queue in uploads:
        sqs.send_message(QueueUrl=out[queue], MessageBody=json.dumps({"batch": "b", "key": key, "tier": "t"}))
    lambda_.delete_function_concurrency(FunctionName=out["EncoderFunctionName"])
    sqs_poller.wait_idle(10)
    items = target.resource("dynamodb").Table(out["ResultsTableName"]).scan()["Items"]
    finished = [i["key"] for i in sorted((i for i in items if "key" in i), key=lambda i: i["position"])]
    # Two free batches at once (the free mapping's MaximumConcurrency), each round's finishing out of arrival order,
    # and the premium queue served beside them: premium is done while three free uploads still wait.
    assert finished == ["free-2", "free-1", "premium-1", "free-4", "free-3", "free-5"]


def test_compute_as_glue_keeps_the_owner_view_in_step(target, deployed):
    out = deployed("glue", "pattern-compute-as-glue.yaml", "GlueCodeKey", "owner_stats")
    videos = target.resource("dynamodb").Table(out["VideosTableName"])
    videos.put_item(Item={"id": "a", "owner": "ana", "seconds": 30})
    videos.put_item(Item={"id": "b", "owner": "ana", "seconds": 12})
    videos.update_item(Key={"id": "b"}, UpdateExpression="SET #o = :o", ExpressionAttributeNames={"#o": "owner"},
                       ExpressionAttributeValues={":o": "bo"})
    videos.delete_item(Key={"id": "a"})
    view = target.resource("dynamodb").Table(out["OwnerStatsTableName"]).scan()["Items"]
    assert sorted((v["owner"], v["videos"], v["seconds"]) for v in view) == [("ana", 0, 0), ("bo", 1, 12)]


def test_command_dispatches_and_refuses_an_unknown_command(target, deployed):
    out = deployed("command", "pattern-command.yaml", "CommandsCodeKey", "video_commands")
    lambda_ = target.client("lambda")

    def run(event):
        reply = lambda_.invoke(FunctionName=out["CommandsFunctionName"], Payload=json.dumps(event))
        return reply.get("FunctionError"), json.loads(reply["Payload"].read())

    assert run({"command": "publish", "video": "v1"}) == (None, {"video": "v1", "visibility": "public"})
    assert run({"command": "unpublish", "video": "v1"}) == (None, {"video": "v1", "visibility": "private"})
    error, payload = run({"command": "delete", "video": "v1"})
    assert error == "Unhandled"
    assert payload["errorMessage"] == "unknown command 'delete'; the commands are describe, publish, unpublish"


def _printed(target, function):
    return [(line["key"], line["attempt"], line["outcome"]) for line in patterns_lab.printed(target, function)]


def _visible(sqs, url):
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_messaging_parks_the_poison_message_after_max_receives_and_replays_it(target, deployed):
    out = deployed("messaging", "pattern-messaging-dlq.yaml", "WorkerCodeKey", "catalogue_worker", MaxReceiveCount="2")
    sqs, lambda_ = target.client("sqs"), target.client("lambda")
    for key in ("concert.mov", "beach.mp4"):
        sqs.send_message(QueueUrl=out["JobsQueueUrl"], MessageBody=json.dumps({"key": key}))
    sqs_poller.wait_idle(15)
    assert _printed(target, out["WorkerFunctionName"]) == [
        ("beach.mp4", 1, "recorded"), ("concert.mov", 1, "refused"), ("concert.mov", 2, "refused")]
    assert _visible(sqs, out["DeadLetterQueueUrl"]) == 1
    lambda_.update_function_configuration(FunctionName=out["WorkerFunctionName"], Environment={"Variables": {
        "RESULTS_TABLE": out["ResultsTableName"], "ACCEPTED_FORMATS": "mp4,mov"}})
    [parked] = sqs.receive_message(QueueUrl=out["DeadLetterQueueUrl"], WaitTimeSeconds=1)["Messages"]
    sqs.send_message(QueueUrl=out["JobsQueueUrl"], MessageBody=parked["Body"])
    sqs.delete_message(QueueUrl=out["DeadLetterQueueUrl"], ReceiptHandle=parked["ReceiptHandle"])
    sqs_poller.wait_idle(15)
    item = target.resource("dynamodb").Table(out["ResultsTableName"]).get_item(Key={"id": "concert.mov"})["Item"]
    assert item["attempt"] == 1 and _visible(sqs, out["DeadLetterQueueUrl"]) == 0


def test_messaging_without_max_receive_count_has_no_redrive_policy(target, deployed):
    out = deployed("messaging-bare", "pattern-messaging-dlq.yaml", "WorkerCodeKey", "catalogue_worker",
                   MaxReceiveCount="0")
    attributes = target.client("sqs").get_queue_attributes(QueueUrl=out["JobsQueueUrl"], AttributeNames=["All"])
    assert "RedrivePolicy" not in attributes["Attributes"]
    assert out["DeadLetterQueueArn"].endswith(out["DeadLetterQueueUrl"].rsplit("/", 1)[1])


def test_fan_out_parks_only_the_failing_consumers_copy(target, deployed):
    out = deployed("fan-out", "pattern-fan-out.yaml", "ConsumerCodeKey", "upload_consumer", NotifyServiceUp="false")
    sqs = target.client("sqs")
    target.client("sns").publish(TopicArn=out["UploadTopicArn"], Message=json.dumps({"key": "beach.mp4"}))
    sqs_poller.wait_idle(15)
    results = target.resource("dynamodb").Table(out["ResultsTableName"]).scan()["Items"]
    # Captions has its queue and function but no subscription: lab 4 adds it.
    assert sorted(i["consumer"] for i in results) == ["metadata", "thumbnails"]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=out["ParkedQueueUrl"], WaitTimeSeconds=1)["Messages"]] == [
        json.dumps({"key": "beach.mp4"})]
    assert _printed(target, "fan-out-notify") == [("beach.mp4", 1, "service down"), ("beach.mp4", 2, "service down")]
    assert _visible(sqs, out["CaptionsQueueUrl"]) == 0
