"""The local cloud refuses what AWS refuses: a role's missing permission, a resource policy that does not let a
service deliver, a bucket notification S3 may not deliver to. Each test takes one permission away and sees the
failure AWS would give; the same deploy with it in place works (tests/templates/test_pipeline_e2e.py)."""
import json
import time

import pytest

from serverless_workbook.cloud import executions, function_logs, stacks, trial_functions
from serverless_workbook.common import media
from serverless_workbook.common.registry import ROOT
from serverless_workbook.common.templates import load_template, write_template
from serverless_workbook.localcloud import delays
from serverless_workbook.localcloud.policy_evaluation import ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY, Request, decide

PIPELINE = ROOT / "templates" / "video-pipeline.yaml"
CODE = {"TranscodeCodeKey": ROOT / "functions" / "transcode_video",
        "ExtractCodeKey": ROOT / "functions" / "extract_metadata"}
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/videos"


def _policy(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


@pytest.mark.parametrize("statement, request_, outcome", [
    ({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}, Request("dynamodb:PutItem", TABLE), ALLOWED),
    ({"Effect": "Allow", "Action": "DynamoDB:put*", "Resource": "arn:aws:dynamodb:*:*:table/vid?os"},
     Request("dynamodb:PutItem", TABLE), ALLOWED),
    ({"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE}, Request("dynamodb:UpdateItem", TABLE),
     IMPLICIT_DENY),
    # "." is a character in an ARN, not any character.
    ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my.bucket/*"},
     Request("s3:GetObject", "arn:aws:s3:::myXbucket/a"), IMPLICIT_DENY),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, Request("iam:PassRole", "*"), IMPLICIT_DENY),
    ({"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*",
      "Condition": {"StringEquals": {"iam:PassedToService": "mediaconvert.amazonaws.com"}}},
     Request("iam:PassRole", "*", context={"iam:PassedToService": "lambda.amazonaws.com"}), IMPLICIT_DENY),
    # A key missing from the request: a positive operator fails, IfExists and a negated operator hold.
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:x"}}},
     Request("sqs:SendMessage", "q", {"Service": "sns.amazonaws.com"}), IMPLICIT_DENY),
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Condition": {"ArnEqualsIfExists": {"aws:SourceArn": "a"}}},
     Request("sqs:SendMessage", "q"), ALLOWED),
    ({"Effect": "Allow", "Action": "sqs:SendMessage", "Condition": {"StringNotEquals": {"aws:SourceAccount": "1"}}},
     Request("sqs:SendMessage", "q"), ALLOWED),
    # An operator not evaluated here never allows...
    ({"Effect": "Allow", "Action": "s3:GetObject", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
     Request("s3:GetObject", "arn:aws:s3:::b/k", context={"aws:SourceIp": "10.1.2.3"}), IMPLICIT_DENY),
    # ...and always denies.
    ({"Effect": "Deny", "Action": "s3:GetObject", "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
     Request("s3:GetObject", "arn:aws:s3:::b/k"), EXPLICIT_DENY),
    ({"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"}, "Action": "sqs:SendMessage"},
     Request("sqs:SendMessage", "q", {"Service": "events.amazonaws.com"}), IMPLICIT_DENY),
    ({"Effect": "Allow", "Principal": {"AWS": "123456789012"}, "Action": "sqs:SendMessage"},
     Request("sqs:SendMessage", "q", {"AWS": "arn:aws:sts::123456789012:assumed-role/r/s"}), ALLOWED),
])
def test_a_statement_is_evaluated_as_iam_evaluates_it(statement, request_, outcome):
    assert decide([_policy(statement)], request_).outcome == outcome


def test_an_explicit_deny_wins_over_every_allow():
    allow = {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}
    deny = {"Sid": "NoDeletes", "Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE}
    decision = decide([_policy(allow), json.dumps(_policy(deny))], Request("dynamodb:DeleteItem", TABLE))
    assert (decision.outcome, decision.statement) == (EXPLICIT_DENY, "NoDeletes")


def _without(template, resource, keep):
    """The pipeline template with one statement of a policy taken out."""
    policy = template["Resources"][resource]["Properties"]
    document = policy["Policies"][0]["PolicyDocument"] if "Policies" in policy else policy["PolicyDocument"]
    document["Statement"] = [s for s in document["Statement"] if keep(s)]
    return template


def _deploy(target, tmp_path, name, template):
    path = write_template(template, tmp_path / "video-pipeline.yaml")
    return stacks.deploy(target, name, path, code=CODE, progress=False)


def _upload(target, outputs, tmp_path, key="uploads/clip.mp4"):
    clip = media.generate_clip(tmp_path / "clip.mp4", seconds=1, width=320, height=240, fps=10)
    # What these tests look at happens once S3 applies the stack's trigger, a delay after the deploy.
    time.sleep(delays.NOTIFICATION_CONFIGURATION.seconds())
    target.client("s3").upload_file(str(clip), outputs["UploadBucketName"], key)
    target.wait_for_jobs()


def _logs(target, function):
    return "".join(event["message"] for event in function_logs.events(target, function))


def test_a_role_without_put_item_stops_the_pipeline_with_access_denied(target, tmp_path):
    template = _without(load_template(PIPELINE.read_text()), "TranscodeRole",
                        keep=lambda s: s["Action"] != "dynamodb:PutItem")
    outputs = _deploy(target, tmp_path, "perm-role", template)
    _upload(target, outputs, tmp_path)
    table = target.client("dynamodb")
    assert table.scan(TableName=outputs["VideosTableName"])["Items"] == []
    log = _logs(target, "perm-role-transcode-video")
    assert "AccessDeniedException" in log and "is not authorized to perform: dynamodb:PutItem on resource:" in log
    assert "assumed-role/" in log and "because no identity-based policy allows the dynamodb:PutItem action" in log
    stacks.teardown(target, "perm-role")


def test_a_queue_policy_without_the_topic_gets_no_message_and_says_so(target, tmp_path, capfd):
    template = _without(load_template(PIPELINE.read_text()), "QueuesPolicy", keep=lambda s: s["Sid"] != "TopicDelivers")
    outputs = _deploy(target, tmp_path, "perm-queue", template)
    _upload(target, outputs, tmp_path)
    received = target.client("sqs").receive_message(QueueUrl=outputs["NotificationQueueUrl"], WaitTimeSeconds=1)
    assert received.get("Messages", []) == []
    err = capfd.readouterr().err
    assert "did not deliver to arn:aws:sqs:" in err and "sns.amazonaws.com to perform sqs:SendMessage" in err
    stacks.teardown(target, "perm-queue")


def test_an_invoke_permission_for_another_bucket_refuses_the_notification_configuration(target, tmp_path):
    template = load_template(PIPELINE.read_text())
    permission = template["Resources"]["TranscodeInvokePermission"]["Properties"]
    permission["SourceArn"] = {"Fn::Sub": "arn:${AWS::Partition}:s3:::${AWS::StackName}-elsewhere-${BucketSuffix}"}
    with pytest.raises(stacks.DeployError, match="Unable to validate the following destination configurations: "
                                                 "arn:aws:lambda:"):
        _deploy(target, tmp_path, "perm-notify", template)


def test_an_event_rule_delivers_only_to_a_queue_whose_policy_names_it(target, capfd):
    events, sqs = target.client("events"), target.client("sqs")
    rule = events.put_rule(Name="perm-rule", EventPattern=json.dumps({"source": ["workbook.test"]}))["RuleArn"]
    queue = sqs.create_queue(QueueName="perm-rule-queue")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_targets(Rule="perm-rule", Targets=[{"Id": "queue", "Arn": queue_arn}])
    entry = {"Source": "workbook.test", "DetailType": "test", "Detail": "{}"}

    events.put_events(Entries=[entry])
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", []) == []
    assert f"EventBridge rule {rule} did not deliver to {queue_arn}" in capfd.readouterr().err

    sqs.set_queue_attributes(QueueUrl=queue, Attributes={"Policy": json.dumps(_policy({
        "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
        "Resource": queue_arn, "Condition": {"ArnEquals": {"aws:SourceArn": rule}}}))})
    events.put_events(Entries=[entry])
    assert len(sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)["Messages"]) == 1


def test_a_url_presigned_by_a_role_opens_only_what_the_role_may_read(target, tmp_path):
    import requests
    from serverless_workbook.localcloud import permissions

    iam, s3 = target.client("iam"), target.client("s3")
    role = iam.create_role(RoleName="perm-reader", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="perm-reader", PolicyName="read", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::perm-readable/*"})))
    for bucket in ("perm-readable", "perm-private"):
        target.create_bucket(bucket)
        s3.put_object(Bucket=bucket, Key="k", Body=b"x")
    credentials = permissions.role_credentials(role, "reader", target.region)
    reader = target.session.__class__(aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                                      aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
                                      aws_session_token=credentials["AWS_SESSION_TOKEN"],
                                      region_name=target.region).client("s3", endpoint_url=target.endpoint_url)
    for bucket, status in (("perm-readable", 200), ("perm-private", 403)):
        url = reader.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"})
        assert requests.get(url, timeout=10).status_code == status, bucket


def test_an_sqs_event_source_needs_a_role_that_may_read_the_queue(target, tmp_path):
    iam, awslambda, sqs = target.client("iam"), target.client("lambda"), target.client("sqs")
    queue = sqs.create_queue(QueueName="perm-jobs")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    role = iam.create_role(RoleName="perm-worker", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName="perm-worker", PolicyName="read", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:GetQueueAttributes"], "Resource": queue_arn})))
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return None\n")
    trial_functions.create_function(awslambda, FunctionName="perm-worker", Runtime="python3.12", Role=role, Handler="app.handler",
                              Code={"ZipFile": stacks.zip_folder(tmp_path)})
    with pytest.raises(awslambda.exceptions.InvalidParameterValueException,
                       match="does not have permissions to call DeleteMessage on SQS"):
        awslambda.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="perm-worker")
    iam.put_role_policy(RoleName="perm-worker", PolicyName="delete", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": "sqs:DeleteMessage", "Resource": queue_arn})))
    assert awslambda.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName="perm-worker")["UUID"]


def test_a_role_that_may_not_pass_the_job_role_cannot_submit_a_job(target, tmp_path):
    template = _without(load_template(PIPELINE.read_text()), "TranscodeRole",
                        keep=lambda s: s["Action"] != "iam:PassRole")
    outputs = _deploy(target, tmp_path, "perm-pass", template)
    _upload(target, outputs, tmp_path)
    log = _logs(target, "perm-pass-transcode-video")
    assert "AccessDeniedException" in log and "is not authorized to perform: iam:PassRole on resource:" in log
    inputs = [job["Settings"]["Inputs"][0]["FileInput"] for job in target.client("mediaconvert").list_jobs()["Jobs"]]
    assert not [source for source in inputs if outputs["UploadBucketName"] in source], "a job was submitted"
    stacks.teardown(target, "perm-pass")


def test_a_state_machine_invokes_only_the_functions_its_role_allows(target, tmp_path):
    iam, awslambda, sfn = target.client("iam"), target.client("lambda"), target.client("stepfunctions")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return {'doubled': event['n'] * 2}\n")
    function_role = iam.create_role(RoleName="perm-doubler", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    function = trial_functions.create_function(
        awslambda, FunctionName="perm-doubler", Runtime="python3.12", Role=function_role, Handler="app.handler",
        Code={"ZipFile": stacks.zip_folder(tmp_path)})["FunctionArn"]
    role = iam.create_role(RoleName="perm-machine", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    definition = json.dumps({"StartAt": "Double", "States": {"Double": {"Type": "Task", "Resource": function,
                                                                        "End": True}}})
    machine = sfn.create_state_machine(name="perm-machine", definition=definition, roleArn=role)["stateMachineArn"]
    refused, history = executions.run(target, machine, {"n": 2})
    assert refused["status"] == "FAILED"
    assert "is not authorized to perform: lambda:InvokeFunction" in json.dumps(history, default=str)
    iam.put_role_policy(RoleName="perm-machine", PolicyName="invoke", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function})))
    allowed, _ = executions.run(target, machine, {"n": 2})
    assert allowed["status"] == "SUCCEEDED" and json.loads(allowed["output"]) == {"doubled": 4}


def test_a_thread_a_handler_starts_calls_as_the_functions_role(target, tmp_path):
    iam, awslambda = target.client("iam"), target.client("lambda")
    target.client("dynamodb").create_table(
        TableName="perm-threads", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    (tmp_path / "app.py").write_text(
        "import threading\n\nimport boto3\n\n\n"
        "def handler(event, context):\n"
        "    outcome = []\n\n"
        "    def write():\n"
        "        try:\n"
        "            boto3.client('dynamodb').put_item(TableName='perm-threads', Item={'id': {'S': 'x'}})\n"
        "            outcome.append('written')\n"
        "        except Exception as error:\n"
        "            outcome.append(type(error).__name__)\n\n"
        "    thread = threading.Thread(target=write)\n"
        "    thread.start()\n"
        "    thread.join()\n"
        "    return outcome[0]\n")
    role = iam.create_role(RoleName="perm-threads", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    trial_functions.create_function(awslambda, FunctionName="perm-threads", Runtime="python3.12", Role=role,
                                    Handler="app.handler", Code={"ZipFile": stacks.zip_folder(tmp_path)})

    def invoked():
        return json.loads(awslambda.invoke(FunctionName="perm-threads")["Payload"].read())

    assert invoked() == "ClientError"
    iam.put_role_policy(RoleName="perm-threads", PolicyName="write", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": "*"})))
    assert invoked() == "written"


def test_a_function_whose_role_may_not_write_logs_leaves_none(target, tmp_path):
    iam, awslambda = target.client("iam"), target.client("lambda")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    print('hello from the handler')\n")
    role = iam.create_role(RoleName="perm-silent", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    trial_functions.create_function(awslambda, FunctionName="perm-silent", Runtime="python3.12", Role=role,
                                    Handler="app.handler", Code={"ZipFile": stacks.zip_folder(tmp_path)})
    awslambda.invoke(FunctionName="perm-silent")
    assert "hello from the handler" not in _logs(target, "perm-silent")
    iam.put_role_policy(RoleName="perm-silent", PolicyName="logs", PolicyDocument=json.dumps(_policy(
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"})))
    awslambda.invoke(FunctionName="perm-silent")
    assert "hello from the handler" in _logs(target, "perm-silent")
