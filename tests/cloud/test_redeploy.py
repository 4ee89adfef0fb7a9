"""The edit-deploy-test loop: deploying again updates the stack in place and never destroys data.

Runs on the in-kernel local cloud and on moto as an HTTP server, like test_pipeline_e2e.
The steps build on each other (one stack, one clip), so they run in file order.
"""
import shutil

import pytest

from serverless_workbook.cloud import function_logs, resources, stack_updates, stacks, trial_functions
from serverless_workbook.common import media
from serverless_workbook.workspaces import pipeline_lab
from serverless_workbook.localcloud import cloudformation_changes
from serverless_workbook.common.templates import load_template
from serverless_workbook.workspaces.pipeline_run import DeployedOutputs, PipelineSession, processed, upload_and_wait
from serverless_workbook.cloud.target import connect
from serverless_workbook.common.registry import ROOT

TEMPLATE = ROOT / "templates" / "video-pipeline.yaml"
STACK = "redeploy"
SUBMITTED = "Submitted MediaConvert job"
EXTRA_QUEUE = """  ExtraQueue:
    Type: AWS::SQS::Queue
    Properties:
      SqsManagedSseEnabled: true

"""


@pytest.fixture(scope="module")
def lab(each_local_target, tmp_path_factory):
    target = each_local_target
    work = tmp_path_factory.mktemp(target.name)
    code = {}
    for parameter, name in (("TranscodeCodeKey", "transcode_video"), ("ExtractCodeKey", "extract_metadata")):
        code[parameter] = work / name
        shutil.copytree(ROOT / "functions" / name, code[parameter], ignore=shutil.ignore_patterns("__pycache__"))
    clip = media.generate_clip(work / "clip.mp4", seconds=1, width=160, height=120, fps=10)
    session = PipelineSession(target, STACK)
    yield target, session, code, clip, work
    session.teardown()


def data(target, outputs):
    """The renditions and the videos items: what a redeploy must never lose."""
    listing = target.client("s3").list_objects_v2(Bucket=outputs["TranscodedBucketName"]).get("Contents", [])
    items = target.resource("dynamodb").Table(outputs["VideosTableName"]).scan()["Items"]
    return sorted(o["Key"] for o in listing), sorted(i["id"] for i in items)


def logged(target, function_name):
    return "\n".join(e["message"] for e in function_logs.events(target, function_name))


def write_template(work, text, name):
    path = work / name
    path.write_text(text)
    return path


def test_first_deploy_creates_silently_and_the_pipeline_works(lab, capsys):
    target, session, code, clip, _ = lab
    outputs = stacks.deploy(target, STACK, TEMPLATE, code=code, progress=False)
    assert capsys.readouterr().out == ""
    item = upload_and_wait(target, outputs, clip, "uploads/first.mp4")
    assert item["status"] == "COMPLETE"
    keys, ids = data(target, outputs)
    assert ids == ["first"] and len(keys) == 3


def test_deploying_again_changes_nothing(lab, capsys):
    target, session, code, _, _ = lab
    before = target.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    outputs = session.deploy(TEMPLATE, code=code)
    assert capsys.readouterr().out.splitlines()[-1] == f"{STACK}: no changes"
    after = target.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert after["StackStatus"] == before["StackStatus"] == "CREATE_COMPLETE"
    assert data(target, outputs) != ([], [])


def test_a_handler_change_is_a_code_update_and_the_new_code_runs(lab, capsys):
    target, session, code, clip, _ = lab
    app = code["TranscodeCodeKey"] / "app.py"
    app.write_text(app.read_text().replace(SUBMITTED, f"{SUBMITTED} (edited)"))
    outputs = session.deploy(TEMPLATE, code=code)
    printed = capsys.readouterr().out
    assert f"code updated for {outputs['TranscodeFunctionName']}" in printed
    assert "change set" not in printed  # no stack update for a code-only change
    stack = target.client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]
    assert stack["StackStatus"] == "CREATE_COMPLETE"
    upload_and_wait(target, outputs, clip, "uploads/second.mp4")
    assert f"{SUBMITTED} (edited)" in logged(target, outputs["TranscodeFunctionName"])
    keys, ids = data(target, outputs)
    assert ids == ["first", "second"] and len(keys) == 6


def test_a_template_change_is_shown_then_applied_and_the_data_stays(lab, capsys):
    target, session, code, clip, work = lab
    text = TEMPLATE.read_text().replace("Resources:\n", "Resources:\n" + EXTRA_QUEUE, 1)
    text += "  ExtraQueueUrl:\n    Value: !Ref ExtraQueue\n"
    outputs = session.deploy(write_template(work, text, "with-queue.yaml"), code=code)
    printed = capsys.readouterr().out
    # The function's code was updated directly before; the stack's code key catches up now, as after `sam sync`.
    assert printed == (f"{STACK}: change set\n  + Add    ExtraQueue (AWS::SQS::Queue)\n"
                       f"  ~ Modify TranscodeFunction (AWS::Lambda::Function)\n{STACK}: updated (2 changes)\n")
    assert target.client("sqs").get_queue_attributes(QueueUrl=outputs["ExtraQueueUrl"])
    assert data(target, outputs)[1] == ["first", "second"]
    # The notifications and subscriptions moto drops on update are back: a new upload goes all the way.
    assert upload_and_wait(target, outputs, clip, "uploads/third.mp4")["status"] == "COMPLETE"
    assert len(data(target, outputs)[0]) == 9


def test_a_failing_update_is_rolled_back_and_the_data_stays(lab, capsys):
    target, session, code, _, work = lab
    before = session.outputs()
    broken = write_template(work, TEMPLATE.read_text().replace("VisibilityTimeout: 60", "VisibilityTimeout: soon"),
                            "broken.yaml")
    with pytest.raises(stacks.DeployError, match="data are intact"):
        session.deploy(broken, code=code)
    after = session.outputs()
    # moto does not roll back: the local cloud puts the previous template back, re-creating what the update deleted.
    assert sorted(after) == sorted(before)
    def kept(found):
        return {k: v for k, v in found.items() if k != "ExtraQueueUrl"}

    assert kept(after) == kept(before)
    assert data(target, before)[1] == ["first", "second", "third"]
    assert len(data(target, before)[0]) == 9


def test_an_update_that_would_replace_a_bucket_with_data_is_refused(lab):
    target, session, code, _, work = lab
    text = TEMPLATE.read_text().replace("-uploads-${BucketSuffix}", "-inbox-${BucketSuffix}")
    renamed = write_template(work, text, "renamed.yaml")
    before = target.client("cloudformation").get_template(StackName=STACK)["TemplateBody"]
    with pytest.raises(stacks.DataAtRisk, match=r"replace UploadBucket .*replace_data=True"):
        session.deploy(renamed, code=code)
    assert target.client("cloudformation").get_template(StackName=STACK)["TemplateBody"] == before


def test_after_teardown_a_cell_that_needs_the_stack_says_deploy_first(lab):
    target, session, _, clip, _ = lab
    outputs = session.outputs()
    session.teardown()
    with pytest.raises(stacks.NotDeployed) as raised:
        session.outputs()
    assert raised.value._render_traceback_() == [
        f"NotDeployed: The stack {STACK} is not deployed: run the deploy cell first."]
    with pytest.raises(stacks.NotDeployed, match="run the deploy cell first"):
        processed(target, outputs, clip, "uploads/first.mp4")
    with pytest.raises(stacks.NotDeployed, match="run the deploy cell first"):
        upload_and_wait(target, outputs, clip, "uploads/fourth.mp4")


def test_after_a_restart_a_labs_outputs_say_deploy_first_until_the_deploy_cell_runs():
    target = connect("local")
    try:
        outputs = DeployedOutputs(PipelineSession(target, "restarted-kernel"))
        with pytest.raises(stacks.NotDeployed, match="restarted-kernel is not deployed: run the deploy cell first"):
            outputs["UploadBucketName"]
    finally:
        target.close()


PLAN_TEMPLATE = load_template(TEMPLATE.read_text())
PARAMETERS = {"ArtifactBucket": "a", "TranscodeCodeKey": "t1.zip", "ExtractCodeKey": "e1.zip"}


def plan(new_template, new_parameters=PARAMETERS):
    return {(c.action, c.logical_id, c.replacement)
            for c in cloudformation_changes.plan(PLAN_TEMPLATE, PARAMETERS, new_template, new_parameters, {})}


def test_the_local_plan_knows_what_replaces_each_resource_type_the_templates_use():
    used = {resource["Type"] for path in (ROOT / "templates").glob("*.yaml")
            for resource in load_template(path.read_text())["Resources"].values()}
    assert used - set(cloudformation_changes.REPLACING) == set()


def test_the_local_plan_of_an_unchanged_template_is_empty():
    assert plan(PLAN_TEMPLATE) == set()


def test_the_local_plan_follows_a_parameter_to_the_functions_that_use_it():
    assert plan(PLAN_TEMPLATE, {**PARAMETERS, "TranscodeCodeKey": "t2.zip"}) == {
        ("Modify", "TranscodeFunction", "False")}


def test_the_local_plan_flags_a_renamed_bucket_and_what_refers_to_it():
    renamed = load_template(TEMPLATE.read_text().replace("${AWS::StackName}-uploads-", "${AWS::StackName}-inbox-", 1))
    changes = plan(renamed)
    assert ("Modify", "UploadBucket", "True") in changes
    assert all(action == "Modify" for action, _, _ in changes)


def test_the_local_plan_adds_and_removes():
    template = load_template(TEMPLATE.read_text().replace("Resources:\n", "Resources:\n" + EXTRA_QUEUE, 1))
    del template["Resources"]["FailedJobMapping"]
    assert plan(template) == {("Add", "ExtraQueue", ""), ("Remove", "FailedJobMapping", "")}


def test_a_check_interrupted_before_its_clean_up_runs_again_afresh(tmp_path):
    target = connect("local")
    try:
        # What a check interrupted half-way through its set-up leaves behind.
        target.client("s3").create_bucket(Bucket="lab-check-uploads")
        target.client("s3").put_object(Bucket="lab-check-uploads", Key="old", Body=b"old")
        target.client("iam").create_role(RoleName="lab-trial-handler", AssumeRolePolicyDocument="{}")
        with pipeline_lab.scratch(target) as box:
            assert target.client("s3").list_objects_v2(Bucket=box.uploads)["KeyCount"] == 0
        folder = tmp_path / "handler"
        folder.mkdir()
        (folder / "app.py").write_text("def handler(event, context):\n    return event\n")
        with trial_functions.trial_function(target, folder, {}) as invoke:
            assert invoke({"a": 1}).payload == {"a": 1}
    finally:
        target.close()


@pytest.mark.parametrize("name", ["local", "local-server"])
def test_a_failed_create_is_cleaned_up(name, tmp_path):
    broken = write_template(tmp_path, TEMPLATE.read_text().replace("VisibilityTimeout: 60", "VisibilityTimeout: soon"),
                            "broken.yaml")
    code = {"TranscodeCodeKey": ROOT / "functions" / "transcode_video",
            "ExtractCodeKey": ROOT / "functions" / "extract_metadata"}
    target = connect(name)
    try:
        with pytest.raises(stacks.DeployError, match="Creating the stack broken failed: .*nothing is left behind"):
            stacks.deploy(target, "broken", broken, code=code, progress=False)
        assert target.client("cloudformation").list_stacks(
            StackStatusFilter=["CREATE_COMPLETE", "CREATE_IN_PROGRESS", "ROLLBACK_COMPLETE"])["StackSummaries"] == []
        assert target.client("s3").list_buckets()["Buckets"] == []
    finally:
        target.close()


TAGS = {"workbook": "video"}
CHANGE_SET = "arn:aws:cloudformation:eu-west-1:111122223333:changeSet/video-1/abc"


def stub_change_set(aws, status, reason="", changes=()):
    from botocore.stub import ANY

    cfn = aws.stub("cloudformation")
    cfn.add_response("create_change_set", {"Id": CHANGE_SET}, {
        "StackName": "video", "ChangeSetName": ANY, "ChangeSetType": "UPDATE", "TemplateBody": ANY,
        "Parameters": ANY, "Capabilities": ANY, "Tags": ANY})
    described = {"ChangeSetName": "video-1", "StackName": "video", "Status": status, "StatusReason": reason,
                 "ExecutionStatus": "AVAILABLE" if status == "CREATE_COMPLETE" else "UNAVAILABLE",
                 "Changes": [{"Type": "Resource", "ResourceChange": change} for change in changes]}
    cfn.add_response("describe_change_set", described, {"ChangeSetName": CHANGE_SET})
    return cfn, described


def test_on_aws_an_unchanged_stack_is_a_change_set_without_changes(stubbed_account):
    aws = stubbed_account
    cfn, described = stub_change_set(aws, "FAILED", "The submitted information didn't contain changes. "
                                                    "Submit different information to create a change set.")
    cfn.add_response("describe_change_set", described, {"ChangeSetName": CHANGE_SET})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET})
    assert stack_updates._apply_change_set(aws, "video", "", {}, TEMPLATE.read_text(), PARAMETERS, False, TAGS) is False
    cfn.assert_no_pending_responses()


def test_on_aws_a_change_set_replacing_a_bucket_with_data_is_shown_then_refused(capsys, stubbed_account):
    aws = stubbed_account
    cfn, described = stub_change_set(aws, "CREATE_COMPLETE", changes=[
        {"Action": "Modify", "LogicalResourceId": "UploadBucket", "PhysicalResourceId": "video-uploads-1",
         "ResourceType": "AWS::S3::Bucket", "Replacement": "True"},
        {"Action": "Add", "LogicalResourceId": "ExtraQueue", "ResourceType": "AWS::SQS::Queue"}])
    # The waiter read it once; the summary reads it again.
    cfn.add_response("describe_change_set", described, {"ChangeSetName": CHANGE_SET})
    aws.stub("s3").add_response("list_object_versions", {"Versions": [{"Key": "clip.mp4", "VersionId": "null"}]},
                                 {"Bucket": "video-uploads-1", "MaxKeys": 1})
    cfn.add_response("delete_change_set", {}, {"ChangeSetName": CHANGE_SET})
    with pytest.raises(stacks.DataAtRisk, match=r"replace UploadBucket \(bucket video-uploads-1\)"):
        stack_updates._apply_change_set(aws, "video", "", {}, TEMPLATE.read_text(), PARAMETERS, False, TAGS)
    assert capsys.readouterr().out == ("video: change set\n  + Add    ExtraQueue (AWS::SQS::Queue)\n"
                                       "  ~ Modify UploadBucket (AWS::S3::Bucket, REPLACED (new physical resource))\n")
    cfn.assert_no_pending_responses()


def test_on_aws_teardown_cancels_the_stacks_running_jobs_and_waits_for_them(stubbed_account):
    aws = stubbed_account
    stub = aws.stub("mediaconvert")
    ours = {"Id": "ours", "Role": "r", "Settings": {"OutputGroups": [{"OutputGroupSettings": {
        "Type": "FILE_GROUP_SETTINGS", "FileGroupSettings": {"Destination": "s3://video-transcoded-1/clip/"}}}]}}
    theirs = {"Id": "theirs", "Role": "r", "Settings": {"Inputs": [{"FileInput": "s3://someone-else/clip.mp4"}]}}
    stub.add_response("list_jobs", {"Jobs": [ours, theirs]}, {"Status": "SUBMITTED"})
    stub.add_response("list_jobs", {"Jobs": []}, {"Status": "PROGRESSING"})
    stub.add_response("cancel_job", {}, {"Id": "ours"})
    stub.add_response("get_job", {"Job": {**ours, "Status": "CANCELED"}}, {"Id": "ours"})
    stacks.stop_jobs(aws, ["video-uploads-1", "video-transcoded-1"])
    stub.assert_no_pending_responses()


TINY = """
Parameters:
  ArtifactBucket: {Type: String}
  CodeKey: {Type: String}
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]
  Function:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: !Ref ArtifactBucket, S3Key: !Ref CodeKey}
"""


def test_each_create_gets_a_fresh_artifact_bucket_and_teardown_deletes_it(tmp_path):
    template = write_template(tmp_path, TINY, "tiny.yaml")
    target = connect("local")
    try:
        names = []
        for _ in range(2):
            stacks.deploy(target, "tiny", template, code={"CodeKey": ROOT / "functions" / "transcode_video"},
                          progress=False)
            names += [b["Name"] for b in target.client("s3").list_buckets()["Buckets"]]
            stacks.teardown(target, "tiny")
            assert target.client("s3").list_buckets()["Buckets"] == []
        assert len(set(names)) == 2 and all(n.startswith("tiny-artifacts-") for n in names)
    finally:
        target.close()


def test_a_new_kernel_finds_the_stack_and_reuses_it(tmp_path, capsys):
    template = write_template(tmp_path, TINY, "tiny.yaml")
    code = {"CodeKey": ROOT / "functions" / "transcode_video"}
    target = connect("local")
    try:
        first = stacks.deploy(target, "tiny", template, code=code, progress=False)
        stacks._SEEN.clear()  # what a kernel restart forgets; on a real account the stack is still there
        capsys.readouterr()
        assert stacks.deploy(target, "tiny", template, code=code, progress=False) == first
        assert capsys.readouterr().out == ("tiny: found the stack deployed earlier; updating it in place "
                                           "(stacks.teardown(target, 'tiny') deletes it)\ntiny: no changes\n")
        stacks.teardown(target, "tiny")
    finally:
        target.close()


def test_exists_tells_a_deleted_resource_from_a_live_one():
    target = connect("local")
    try:
        s3, sqs, sns = target.client("s3"), target.client("sqs"), target.client("sns")
        s3.create_bucket(Bucket="kept")
        queue = sqs.create_queue(QueueName="kept-queue")["QueueUrl"]
        topic = sns.create_topic(Name="kept-topic")["TopicArn"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        live = ["arn:aws:s3:::kept", queue_arn, topic]
        assert [resources.exists(target, arn) for arn in live] == [True, True, True]
        s3.delete_bucket(Bucket="kept")
        sqs.delete_queue(QueueUrl=queue)
        sns.delete_topic(TopicArn=topic)
        assert [resources.exists(target, arn) for arn in live] == [False, False, False]
        assert resources.exists(target, "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/gone:*") is False
        assert resources.exists(target, "arn:aws:dynamodb:us-east-1:123456789012:table/gone") is False
        assert resources.exists(target, "arn:aws:lambda:us-east-1:123456789012:function:gone") is False
    finally:
        target.close()


def test_on_aws_a_failed_update_is_left_to_cloudformations_rollback(stubbed_account):
    aws = stubbed_account
    cfn, described = stub_change_set(aws, "CREATE_COMPLETE", changes=[
        {"Action": "Add", "LogicalResourceId": "ExtraQueue", "ResourceType": "AWS::SQS::Queue"}])
    cfn.add_response("describe_change_set", described, {"ChangeSetName": CHANGE_SET})
    cfn.add_response("execute_change_set", {}, {"ChangeSetName": CHANGE_SET})
    stack = {"StackName": "video", "CreationTime": "2026-01-01T00:00:00Z", "StackStatus": "UPDATE_ROLLBACK_COMPLETE"}
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "video"})  # the waiter
    event = {"StackId": "s", "EventId": "e", "StackName": "video", "Timestamp": "2026-01-01T00:00:00Z"}
    cfn.add_response("describe_stack_events", {"StackEvents": [
        {**event, "LogicalResourceId": "video", "ResourceStatus": "UPDATE_ROLLBACK_COMPLETE"},
        {**event, "LogicalResourceId": "ExtraQueue", "ResourceStatus": "CREATE_FAILED",
         "ResourceStatusReason": "Resource handler returned message: \"Invalid request\""},
        {**event, "LogicalResourceId": "video", "ResourceStatus": "UPDATE_IN_PROGRESS"},
        {**event, "LogicalResourceId": "Older", "ResourceStatus": "UPDATE_FAILED", "ResourceStatusReason": "old"},
    ]}, {"StackName": "video"})
    cfn.add_response("describe_stacks", {"Stacks": [stack]}, {"StackName": "video"})
    with pytest.raises(stacks.DeployError, match=r"failed: ExtraQueue: Resource handler returned message: "
                                                 r"\"Invalid request\"\. The stack was rolled back .* data are intact"):
        stack_updates._apply_change_set(aws, "video", "", {}, TEMPLATE.read_text(), PARAMETERS, False, TAGS)
    cfn.assert_no_pending_responses()
