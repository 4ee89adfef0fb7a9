"""python -m serverless_workbook.cloud.cleanup on the local cloud, with leftovers planted on purpose."""
import json

import pytest

from serverless_workbook.cloud import cleanup, stacks, trial_functions
from serverless_workbook.cloud.artifacts import zip_folder
from serverless_workbook.cloud.target import connect
from serverless_workbook.common.registry import ROOT

TAGS = {"lab02": [{"Key": stacks.TAG_KEY, "Value": "lab02"}], "lab03": [{"Key": stacks.TAG_KEY, "Value": "lab03"}]}
QUEUE_TEMPLATE = json.dumps({"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:123456789012:q"}]})


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
    iam = target.client("iam")
    iam.create_role(RoleName=f"{lab}-leftover-role", AssumeRolePolicyDocument=TRUST, Tags=tags)
    # IAM deletes a role only without policies: one inline, one attached.
    iam.put_role_policy(RoleName=f"{lab}-leftover-role", PolicyName="inline", PolicyDocument=POLICY)
    managed = iam.create_policy(PolicyName=f"{lab}-managed", PolicyDocument=POLICY)["Policy"]["Arn"]
    iam.attach_role_policy(RoleName=f"{lab}-leftover-role", PolicyArn=managed)
    target.client("stepfunctions").create_state_machine(
        name=f"{lab}-leftover-machine", roleArn=f"arn:aws:iam::{target.account_id}:role/{lab}-leftover-role",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}),
        tags=[{"key": tag["Key"], "value": tag["Value"]} for tag in tags])


def plant_trial_function(target, name="lab-trial-transcode-video"):
    """A check's throwaway function interrupted before its clean-up, untagged as older workbooks made them."""
    iam, lam = target.client("iam"), target.client("lambda")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=POLICY)
    trial_functions.create_function(lam, FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role,
                        Code={"ZipFile": zip_folder(ROOT / "functions" / "transcode_video")})
    target.client("logs").create_log_group(logGroupName=f"/aws/lambda/{name}")


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
    assert services(found.resources) == ["cognito-idp", "dynamodb", "iam", "logs", "s3", "sns", "sqs", "states"]
    assert cleanup.find(target, "lab02") == found  # nothing was deleted


def test_yes_deletes_one_lab_and_leaves_the_other(target, capsys):
    assert cleanup.run(target, "lab02", yes=True) == 0
    out = capsys.readouterr().out
    assert "deleted stack lab02-stack" in out and "deleted arn:aws:s3:::lab02-leftover-bucket" in out
    assert out.rstrip().endswith("Nothing tagged workbook=lab02 is left.")
    assert not cleanup.find(target, "lab02")
    assert target.client("cognito-idp").list_user_pools(MaxResults=10)["UserPools"][0]["Name"] == "lab03-users"
    lab03 = cleanup.find(target, "lab03")
    assert lab03.stacks == ["lab03-stack"] and len(services(lab03.resources)) == 8
    assert [r["RoleName"] for r in target.client("iam").list_roles()["Roles"]] == ["lab03-leftover-role"]


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


def test_the_checks_throwaway_functions_and_roles_are_found_by_name_and_deleted(target, capsys):
    plant_trial_function(target)
    found = cleanup.find(target, "lab-trial")
    assert found.stacks == [] and found.resources == [
        "arn:aws:iam::123456789012:role/lab-trial-transcode-video",
        "arn:aws:lambda:us-east-1:123456789012:function:lab-trial-transcode-video",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/lab-trial-transcode-video:*"]
    assert not set(found.resources) & set(cleanup.find(target, "lab02").resources)  # one lab's scope is its own
    assert cleanup.run(target, None, yes=True) == 0
    assert capsys.readouterr().out.rstrip().endswith("Nothing tagged workbook=<any> is left.")
    assert target.client("lambda").list_functions()["Functions"] == []
    assert target.client("iam").list_roles()["Roles"] == []
    assert target.client("logs").describe_log_groups()["logGroups"] == []


def test_create_function_waits_a_bounded_time_for_a_new_role_to_be_assumable():
    """CreateFunction is repeated while AWS says the new role cannot be assumed yet (IAM propagation)."""
    import boto3
    from botocore.stub import Stubber


    lam = boto3.client("lambda", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    sleeps = []
    with Stubber(lam) as stub:
        for _ in range(2):
            stub.add_client_error("create_function", "InvalidParameterValueException",
                                  "The role defined for the function cannot be assumed by Lambda.")
        stub.add_response("create_function", {"FunctionName": "lab-trial-x"})
        assert trial_functions.create_function(lam, sleep=sleeps.append, FunctionName="lab-trial-x", Role="r" * 20,
                                            Code={"ZipFile": b"zip"})["FunctionName"] == "lab-trial-x"
        assert sleeps == list(trial_functions.ROLE_RETRY_S[:2])
        stub.add_client_error("create_function", "InvalidParameterValueException", "Unsupported runtime")
        with pytest.raises(lam.exceptions.InvalidParameterValueException, match="Unsupported runtime"):
            trial_functions.create_function(lam, sleep=sleeps.append, FunctionName="lab-trial-x", Role="r" * 20,
                                         Code={"ZipFile": b"zip"})
        stub.add_client_error("create_function", "InvalidParameterValueException",
                              "The role defined for the function cannot be assumed by Lambda.")
        with pytest.raises(lam.exceptions.InvalidParameterValueException, match="cannot be assumed"):
            trial_functions.create_function(lam, wait_s=0, sleep=sleeps.append, FunctionName="lab-trial-x",
                                         Role="r" * 20, Code={"ZipFile": b"zip"})
        assert len(sleeps) == 2  # neither another error nor the wait's end is retried


def test_trial_functions_are_tagged_for_the_clean_up(target, tmp_path):

    (tmp_path / "probe").mkdir()
    (tmp_path / "probe" / "app.py").write_text("def handler(event, context):\n    return 'ok'\n")
    with trial_functions.trial_function(target, tmp_path / "probe", {}) as invoke:
        assert invoke({}).payload == "ok"
        assert [cleanup.find(target, "lab-trial").resources[0]] == [
            "arn:aws:iam::123456789012:role/lab-trial-probe"]
        function = target.client("lambda").get_function(FunctionName="lab-trial-probe")
        assert function["Tags"] == {stacks.TAG_KEY: "lab-trial"}
        tags = target.client("iam").list_role_tags(RoleName="lab-trial-probe")["Tags"]
        assert tags == [{"Key": stacks.TAG_KEY, "Value": "lab-trial"}]
    assert not cleanup.find(target, "lab-trial")


def test_a_rest_api_and_its_stage_are_known_and_deleted(target):
    # moto's tagging API does not list REST APIs; AWS's does, as arn:aws:apigateway:<region>::/restapis/<id>.
    from serverless_workbook.cloud import resources

    apigateway = target.client("apigateway")
    api = apigateway.create_rest_api(name="lab02-leftover-api")["id"]
    api_arn = f"arn:aws:apigateway:{target.region}::/restapis/{api}"
    assert resources.exists(target, api_arn) and resources.exists(target, f"{api_arn}/stages/v1")
    resources.deleter(api_arn)(target, api_arn)
    assert not resources.exists(target, api_arn) and not resources.exists(target, f"{api_arn}/stages/v1")
