"""The CloudFormation gap filler: what moto drops from a template is applied, and torn down."""
import json
import time

import pytest

from serverless_workbook.cloud import stacks
from serverless_workbook.common.templates import load_template
from serverless_workbook.localcloud import delays
from serverless_workbook.localcloud.cloudformation import physical_ids
from serverless_workbook.cloud.target import connect

TEMPLATE = """
Resources:
  Inbox:
    Type: AWS::SQS::Queue
  News:
    Type: AWS::SNS::Topic
  NewsPolicy:
    Type: AWS::SNS::TopicPolicy
    Properties:
      Topics: [!Ref News]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: s3.amazonaws.com}
            Action: sns:Publish
            Resource: !Ref News
  InboxPolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref Inbox]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: sns.amazonaws.com}
            Action: sqs:SendMessage
            Resource: !GetAtt Inbox.Arn
  InboxSubscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref News
      Protocol: sqs
      Endpoint: !GetAtt Inbox.Arn
      RawMessageDelivery: true
  Drop:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-drop-${AWS::AccountId}"
      NotificationConfiguration:
        TopicConfigurations:
          - Event: "s3:ObjectCreated:*"
            Topic: !Ref News
            Filter:
              S3Key:
                Rules: [{Name: suffix, Value: .txt}]
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: gaps-api
"""


@pytest.fixture(scope="module")
def deployed(tmp_path_factory):
    template = tmp_path_factory.mktemp("cfn") / "gaps.yaml"
    template.write_text(TEMPLATE)
    target = connect("local")
    stacks.deploy(target, "gaps", template, progress=False)
    yield target
    target.close()


def resource(target, logical):
    # Not describe_stack_resource: moto 5.2.5 crashes on it when the stack has a skipped resource.
    return physical_ids(target, "gaps")[logical]


def test_short_form_intrinsics_load_as_long_form():
    resources = load_template(TEMPLATE)["Resources"]
    assert resources["InboxSubscription"]["Properties"]["Endpoint"] == {"Fn::GetAtt": ["Inbox", "Arn"]}
    assert resources["NewsPolicy"]["Properties"]["Topics"] == [{"Ref": "News"}]


def test_bucket_notification_configuration_is_applied_and_delivers(deployed):
    s3 = deployed.client("s3")
    bucket = resource(deployed, "Drop")
    config = s3.get_bucket_notification_configuration(Bucket=bucket)["TopicConfigurations"][0]
    assert config["TopicArn"] == resource(deployed, "News")
    rules = config["Filter"]["Key"]["FilterRules"]
    assert [(r["Name"].lower(), r["Value"]) for r in rules] == [("suffix", ".txt")]
    time.sleep(delays.NOTIFICATION_CONFIGURATION.seconds())  # S3 applies a new configuration after a delay
    s3.put_object(Bucket=bucket, Key="hello world.txt", Body=b"hi")
    s3.put_object(Bucket=bucket, Key="ignored.bin", Body=b"hi")
    sqs = deployed.client("sqs")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=resource(deployed, "Inbox"), MaxNumberOfMessages=10, WaitTimeSeconds=1)["Messages"]]
    keys = [r["s3"]["object"]["key"] for b in bodies for r in json.loads(b).get("Records", [])]
    assert keys == ["hello+world.txt"]  # raw delivery: the S3 event itself, no SNS envelope


def test_topic_and_queue_policies_are_applied(deployed):
    topic_policy = deployed.client("sns").get_topic_attributes(TopicArn=resource(deployed, "News"))["Attributes"]["Policy"]
    assert json.loads(topic_policy)["Statement"][0]["Principal"] == {"Service": "s3.amazonaws.com"}
    queue_policy = deployed.client("sqs").get_queue_attributes(
        QueueUrl=resource(deployed, "Inbox"), AttributeNames=["Policy"])["Attributes"]["Policy"]
    assert json.loads(queue_policy)["Statement"][0]["Action"] == "sqs:SendMessage"


def test_stack_tags_reach_the_resources(deployed):
    tagged = stacks.leftovers(deployed, "gaps")
    for logical in ("Inbox", "News"):
        physical = resource(deployed, logical)
        assert any(arn.endswith(physical.rsplit("/", 1)[-1].rsplit(":", 1)[-1]) for arn in tagged), logical
    assert f"arn:aws:s3:::{resource(deployed, 'Drop')}" in tagged


def test_teardown_removes_what_moto_leaves_behind(deployed):
    api_id = resource(deployed, "Api")
    assert any(api["id"] == api_id for api in deployed.client("apigateway").get_rest_apis()["items"])
    stacks.teardown(deployed, "gaps")
    assert deployed.client("apigateway").get_rest_apis()["items"] == []
    assert stacks.leftovers(deployed) == []
