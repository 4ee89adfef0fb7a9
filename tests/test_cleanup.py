"""python -m serverless_workbook.cleanup on the local cloud, with leftovers planted on purpose."""
import json

import pytest

from serverless_workbook import cleanup, stacks
from serverless_workbook.target import connect

TAGS = {"lab02": [{"Key": stacks.TAG_KEY, "Value": "lab02"}], "lab03": [{"Key": stacks.TAG_KEY, "Value": "lab03"}]}
QUEUE_TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})


def plant(target, lab):
    """What a lab can leave behind: its stack, and tagged resources outside it (a failed delete, an interrupted run)."""
    tags = TAGS[lab]
    as_dict = {tag["Key"]: tag["Value"] for tag in tags}
    target.client("cloudformation").create_stack(StackName=f"{lab}-stack", TemplateBody=QUEUE_TEMPLATE, Tags=tags)
    s3 = target.client("s3")
    bucket = f"{lab}-leftover-bucket"
    target.create_bucket(bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    for body in (b"one", b"two"):
        s3.put_object(Bucket=bucket, Key="video.mp4", Body=body)
    s3.delete_object(Bucket=bucket, Key="video.mp4")  # a delete marker on top of two versions
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tags})
    target.client("logs").create_log_group(logGroupName=f"/aws/lambda/{lab}-leftover", tags=as_dict)
    cognito = target.client("cognito-idp")
    pool = cognito.create_user_pool(PoolName=f"{lab}-users", UserPoolTags=as_dict)["UserPool"]["Id"]
    cognito.admin_create_user(UserPoolId=pool, Username="learner@example.com", MessageAction="SUPPRESS")
    target.client("sqs").create_queue(QueueName=f"{lab}-leftover-queue", tags=as_dict)
    target.client("sns").create_topic(Name=f"{lab}-leftover-topic", Tags=tags)
    target.client("dynamodb").create_table(
        TableName=f"{lab}-leftover-table", BillingMode="PAY_PER_REQUEST", Tags=tags,
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])


@pytest.fixture
def target():
    target = connect("local")
    plant(target, "lab02")
    plant(target, "lab03")
    yield target
    target.close()


def services(arns):
    return sorted({arn.split(":")[2] for arn in arns})


def test_listing_names_everything_of_one_lab_and_deletes_nothing(target, capsys):
    assert cleanup.run(target, "lab02", yes=False) == 1
    out = capsys.readouterr().out
    assert "stack lab02-stack" in out and "lab03" not in out
    found = cleanup.find(target, "lab02")
    assert found.stacks == ["lab02-stack"]
    assert services(found.resources) == ["cognito-idp", "dynamodb", "logs", "s3", "sns", "sqs"]
    assert cleanup.find(target, "lab02") == found  # nothing was deleted


def test_yes_deletes_one_lab_and_leaves_the_other(target, capsys):
    assert cleanup.run(target, "lab02", yes=True) == 0
    out = capsys.readouterr().out
    assert "deleted stack lab02-stack" in out and "deleted arn:aws:s3:::lab02-leftover-bucket" in out
    assert out.rstrip().endswith("Nothing tagged workbook=lab02 is left.")
    assert not cleanup.find(target, "lab02")
    assert target.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"][0]["Name"] == "lab03-users"
    lab03 = cleanup.find(target, "lab03")
    assert lab03.stacks == ["lab03-stack"] and len(services(lab03.resources)) == 6


def test_without_a_stack_everything_tagged_goes(target, capsys):
    assert cleanup.run(target, None, yes=True) == 0
    assert not cleanup.find(target)
    assert target.client("s3").list_buckets()["Buckets"] == []
    assert capsys.readouterr().out.rstrip().endswith("Nothing tagged workbook=<any> is left.")


def test_what_cannot_be_deleted_is_printed_with_the_reason(target, capsys):
    target.client("ssm").put_parameter(Name="lab02-setting", Value="v", Type="String", Tags=TAGS["lab02"])
    assert cleanup.run(target, "lab02", yes=True) == 1
    out = capsys.readouterr().out
    assert "could not delete arn:aws:ssm:us-east-1:123456789012:parameter/lab02-setting: the clean-up does not " \
           "delete ssm resources; delete it in the ssm console" in out
    assert "Still tagged workbook=lab02: 0 stack(s), 1 resource(s)" in out


def test_the_command_line_lists_an_empty_local_cloud(capsys, monkeypatch):
    monkeypatch.delenv("WORKBOOK_TARGET", raising=False)
    assert cleanup.main(["--stack", "lab02"]) == 0
    assert capsys.readouterr().out.endswith("Nothing tagged workbook=lab02 in account 123456789012, region us-east-1.\n")
