"""The pipeline template: cfn-lint clean, least-privilege IAM, private encrypted buckets."""

import cfnlint.api
import pytest

from serverless_workbook.common.templates import load_template
from serverless_workbook.common.registry import ROOT

TEMPLATE = ROOT / "templates" / "video-pipeline.yaml"


@pytest.fixture(scope="module")
def resources():
    return load_template(TEMPLATE.read_text())["Resources"]


def statements(resources):
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_cfn_lint_passes():
    assert cfnlint.api.lint_file(TEMPLATE) == []


def test_no_wildcard_actions(resources):
    for role, statement in statements(resources):
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{role} allows {action}"


def test_no_wildcard_resources(resources):
    for role, statement in statements(resources):
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{role} grants {statement['Action']} on every resource"


def test_buckets_are_private_and_encrypted(resources):
    buckets = {n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    assert buckets
    for name, props in buckets.items():
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], name


def test_create_job_is_granted_on_this_accounts_mediaconvert_resources_in_this_region(resources):
    # Certain whether or not IAM evaluates CreateJob against queues/Default when no queue is named.
    [grant] = [s for _, s in statements(resources) if s["Action"] == "mediaconvert:CreateJob"]
    assert grant["Resource"] == {"Fn::Sub": "arn:${AWS::Partition}:mediaconvert:${AWS::Region}:${AWS::AccountId}:*"}


def test_failed_job_events_that_keep_failing_are_parked_in_a_dead_letter_queue(resources):
    redrive = resources["JobEventsQueue"]["Properties"]["RedrivePolicy"]
    assert redrive["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobEventsDeadLetterQueue", "Arn"]}
    assert 1 <= redrive["maxReceiveCount"] <= 10


def test_the_failed_job_rule_matches_only_this_stacks_failed_jobs(resources):
    # The pattern as CloudFormation would resolve it for stack "video" in account 123456789012, tried by EventBridge.
    import json

    from moto import mock_aws
    import boto3

    pattern = resources["FailedJobRule"]["Properties"]["EventPattern"]
    [marker] = pattern["detail"]["userMetadata"]["transcodedBucket"]
    assert marker == {"Fn::Sub": "${AWS::StackName}-transcoded-${BucketSuffix}"}
    pattern["detail"]["userMetadata"]["transcodedBucket"] = ["video-transcoded-123456789012"]

    with mock_aws():
        # EventBridge itself decides: the rule, as resolved, delivers into a queue; what arrives matched.
        events, sqs = boto3.client("events", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
        queue = sqs.create_queue(QueueName="failed-jobs")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="failed-jobs", EventPattern=json.dumps(pattern))
        events.put_targets(Rule="failed-jobs", Targets=[{"Id": "queue", "Arn": arn}])
        sent = {"ours": ("ERROR", {"videoId": "a", "transcodedBucket": "video-transcoded-123456789012"}),
                "another stack's": ("ERROR", {"videoId": "b", "transcodedBucket": "other-transcoded-123456789012"}),
                "hand-made": ("ERROR", {}),
                "completed": ("COMPLETE", {"videoId": "c", "transcodedBucket": "video-transcoded-123456789012"})}
        for name, (status, metadata) in sent.items():
            events.put_events(Entries=[{"Source": "aws.mediaconvert", "DetailType": "MediaConvert Job State Change",
                                        "Detail": json.dumps({"status": status, "userMetadata": metadata,
                                                              "name": name})}])
        received = [json.loads(m["Body"])["detail"]["name"]
                    for m in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", [])]
        assert received == ["ours"]
