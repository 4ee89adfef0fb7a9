"""Deploy a lab's CloudFormation stack to the current target, update it in place, tear it down without leftovers.

    outputs = deploy(target, "video", "templates/video-pipeline.yaml",
                     code={"TranscodeCodeKey": "functions/transcode_video"})
    outputs = deploy(...)       # again: a change set, a code-only update, or "no changes"
    teardown(target, "video")
    assert leftovers(target, "video") == []
"""
from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import secrets
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import WaiterError
from tqdm import tqdm

from .localcloud import cloudformation, cloudformation_changes

TAG_KEY = "workbook"
ARTIFACT_PARAMETER = "ArtifactBucket"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
WAIT = {"Delay": 5, "MaxAttempts": 360}
# Fixed timestamps make the zip, and so the S3 key and the function's CodeSha256, reproducible.
ZIP_DATE = (2022, 1, 1, 0, 0, 0)


def zip_folder(folder: str | Path) -> bytes:
    folder = Path(folder)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def new_artifact_bucket_name(stack_name: str) -> str:
    """A fresh name for each created stack: S3 can refuse a name deleted and re-created within minutes
    (OperationAborted, 409), as lab 3's back-to-back trial stacks would. The stack's ArtifactBucket parameter
    remembers it for updates and teardown."""
    return f"{stack_name.lower()[:36]}-artifacts-{secrets.token_hex(6)}"


def _stack_tags(stack_name: str) -> dict[str, str]:
    return {TAG_KEY: stack_name}


def _ensure_artifact_bucket(target: Any, stack_name: str, bucket: str) -> None:
    s3 = target.client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
        return
    except s3.exceptions.ClientError as error:
        if error.response["Error"]["Code"] not in ("404", "NoSuchBucket"):
            raise
    create = {"Bucket": bucket}
    if target.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    s3.create_bucket(**create)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": stack_name}]})


@dataclass(frozen=True)
class Package:
    """One code folder, zipped: the S3 key names its hash, and CodeSha256 is what Lambda reports for it."""

    folder: Path
    archive: bytes

    @property
    def key(self) -> str:
        return f"{self.folder.name}-{hashlib.sha256(self.archive).hexdigest()[:16]}.zip"

    @property
    def code_sha256(self) -> str:
        return base64.b64encode(hashlib.sha256(self.archive).digest()).decode()


def package(code: dict[str, str | Path]) -> dict[str, Package]:
    return {parameter: Package(Path(folder), zip_folder(folder)) for parameter, folder in code.items()}


def upload_code(target: Any, stack_name: str, bucket: str, packages: dict[str, Package]) -> dict[str, str]:
    """Put each zip in the stack's private, encrypted artifact bucket; return the template parameters.

    Old zips stay until teardown: CloudFormation needs them to roll an update back.
    """
    s3 = target.client("s3")
    _ensure_artifact_bucket(target, stack_name, bucket)
    for code in packages.values():
        s3.put_object(Bucket=bucket, Key=code.key, Body=code.archive)
    return {ARTIFACT_PARAMETER: bucket, **{parameter: code.key for parameter, code in packages.items()}}


class DeployError(RuntimeError):
    """A deploy that could not go ahead or failed; the message says what happened to the stack and what to do."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message is the whole story.
        return [f"{type(self).__name__}: {self}"]


class NotDeployed(DeployError):
    """The stack is not there (on the local cloud, a kernel restart empties the cloud)."""


class DataAtRisk(DeployError):
    """The update would delete or replace a bucket or table that holds data; nothing was changed."""


# Stacks this process created or updated: any other existing stack comes from an earlier kernel.
_SEEN: set[tuple[str, str, str]] = set()
DATA_TYPES = {"AWS::S3::Bucket": "bucket", "AWS::DynamoDB::Table": "table"}


@cloudformation.quiet_moto()
def deploy(
    target: Any,
    stack_name: str,
    template_path: str | Path,
    parameters: dict[str, str] | None = None,
    code: dict[str, str | Path] | None = None,
    progress: bool = True,
    replace_data: bool = False,
) -> dict[str, str]:
    """Create the stack, or update it in place; return its outputs as a dict.

    ``code`` maps a template parameter to a folder; the folder is zipped and
    uploaded, the parameter receives the S3 key and ``ArtifactBucket`` the bucket.
    An existing stack is updated the way ``sam deploy`` does it: the change set's
    summary is printed, then executed; when only handler code changed, the
    functions' code is updated directly (``sam sync --code``). An update that
    would delete or replace a bucket or table holding data is refused unless
    ``replace_data`` is true.
    """
    template_text = Path(template_path).read_text()
    packages = package(code or {})
    status = _settled_status(target, stack_name)
    if status in ("ROLLBACK_COMPLETE", "REVIEW_IN_PROGRESS"):
        # A create that failed or never ran: nothing in it to keep, and CloudFormation cannot update it.
        print(f"{stack_name}: removing the stack left by a create that did not finish ({status})")
        teardown(target, stack_name)
        status = None
    elif status in ("UPDATE_ROLLBACK_FAILED", "DELETE_FAILED"):
        raise DeployError(f"The stack {stack_name} is {status}: fix it in the CloudFormation console (continue the "
                          f"rollback, or delete it), or run stacks.teardown(target, {stack_name!r}); then deploy again.")
    key = (target.account_id, target.region, stack_name)
    if status is None:
        result = _create(target, stack_name, template_text, parameters or {}, packages, progress)
    else:
        if key not in _SEEN:
            print(f"{stack_name}: found the stack deployed earlier; updating it in place "
                  f"(stacks.teardown(target, {stack_name!r}) deletes it)")
        result = _update(target, stack_name, template_text, parameters or {}, packages, replace_data)
    _SEEN.add(key)
    return result


def _settled_status(target: Any, stack_name: str) -> str | None:
    """The stack's status once no operation is running on it; None when there is no stack.

    The local cloud works synchronously: a stack still in progress there is stuck, and is returned as it is.
    """
    cfn = target.client("cloudformation")
    while True:
        try:
            status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        except cfn.exceptions.ClientError as error:
            if "does not exist" in error.response["Error"]["Message"]:
                return None
            raise
        if status == "DELETE_COMPLETE":
            return None
        if target.is_local or not status.endswith("_IN_PROGRESS") or status == "REVIEW_IN_PROGRESS":
            return status
        time.sleep(5)


def _create(target: Any, stack_name: str, template_text: str, parameters: dict[str, str],
            packages: dict[str, Package], progress: bool) -> dict[str, str]:
    tags = _stack_tags(stack_name)
    cfn = target.client("cloudformation")
    total = len(cloudformation.load_template(template_text)["Resources"])
    bucket = new_artifact_bucket_name(stack_name)
    try:
        parameters = {**parameters, **(upload_code(target, stack_name, bucket, packages) if packages else {})}
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=template_text,
            Parameters=_parameter_list(parameters),
            Capabilities=CAPABILITIES,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        _show_progress(cfn, stack_name, total, progress)
        cfn.get_waiter("stack_create_complete").wait(StackName=stack_name, WaiterConfig=WAIT)
        if target.is_local:
            cloudformation.fill_gaps(target, stack_name, template_text, parameters, tags)
    except cfn.exceptions.AlreadyExistsException:
        raise  # another deploy of the same stack got there first: it is not ours to clean up
    except Exception as error:
        reasons = _failure_reasons(cfn, stack_name) or [str(error).splitlines()[0]]
        # Only a failed create is cleaned up: it holds nothing yet, and CloudFormation cannot update it.
        if target.is_local:
            # moto keeps a stack whose create raised half-way and cannot describe it: delete it by name.
            cfn.delete_stack(StackName=stack_name)
        else:
            teardown(target, stack_name)
        _delete_artifact_bucket(target, bucket)
        raise DeployError(f"Creating the stack {stack_name} failed: {'; '.join(reasons)}. It was deleted with its "
                          "artifact bucket, so nothing is left behind; fix the cause and deploy again.") from error
    return outputs(target, stack_name)


def _parameter_list(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]


def _failure_reasons(cfn: Any, stack_name: str) -> list[str]:
    """What the stack's latest operation says failed, from its events (newest first, up to the operation's start)."""
    try:
        events = cfn.describe_stack_events(StackName=stack_name)["StackEvents"]
    except cfn.exceptions.ClientError:
        return []
    reasons = []
    for event in events:
        if event["LogicalResourceId"] == stack_name and event["ResourceStatus"] in ("CREATE_IN_PROGRESS",
                                                                                      "UPDATE_IN_PROGRESS"):
            break
        if event["ResourceStatus"].endswith("_FAILED") and event.get("ResourceStatusReason"):
            reasons.append(f"{event['LogicalResourceId']}: {event['ResourceStatusReason']}")
    return reasons[::-1]


def _deployed(target: Any, stack_name: str) -> tuple[str, dict[str, str]]:
    """The deployed template's text and parameter values."""
    cfn = target.client("cloudformation")
    body = cfn.get_template(StackName=stack_name)["TemplateBody"]
    # boto3 hands a JSON template back already parsed.
    text = body if isinstance(body, str) else json.dumps(body)
    return text, _parameters(target, stack_name)


def _parameters(target: Any, stack_name: str) -> dict[str, str]:
    stack = target.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}


def _update(target: Any, stack_name: str, template_text: str, parameters: dict[str, str],
            packages: dict[str, Package], replace_data: bool) -> dict[str, str]:
    old_text, old_parameters = _deployed(target, stack_name)
    new_template = cloudformation.load_template(template_text)
    defaults = {name: str(spec["Default"]) for name, spec in new_template.get("Parameters", {}).items()
                if "Default" in spec}
    parameters = {**defaults, **parameters}
    # The code keys change with every edit; a change to them alone is the code-only path below.
    unchanged = (cloudformation.load_template(old_text) == new_template and
                 {k: v for k, v in old_parameters.items() if k not in packages and k != ARTIFACT_PARAMETER}
                 == parameters)
    bucket = old_parameters.get(ARTIFACT_PARAMETER) or new_artifact_bucket_name(stack_name)
    changed = False
    if not unchanged:
        all_parameters = {**parameters, **(upload_code(target, stack_name, bucket, packages) if packages else {})}
        changed = _apply_change_set(target, stack_name, old_text, old_parameters, template_text, all_parameters,
                                    replace_data)
    updated = _update_code(target, stack_name, new_template, bucket, packages)
    if updated:
        print(f"{stack_name}: code updated for {', '.join(updated)}"
              + ("" if changed else " (only the code changed: no stack update needed)"))
    elif not changed:
        print(f"{stack_name}: no changes")
    return outputs(target, stack_name)


def functions_by_code(template: dict[str, Any]) -> dict[str, list[str]]:
    """Code parameter -> the logical ids of the functions whose Code.S3Key it is."""
    found: dict[str, list[str]] = {}
    for name, spec in template.get("Resources", {}).items():
        if spec["Type"] == "AWS::Lambda::Function":
            key = spec.get("Properties", {}).get("Code", {}).get("S3Key")
            if isinstance(key, dict) and "Ref" in key:
                found.setdefault(key["Ref"], []).append(name)
    return found


def _update_code(target: Any, stack_name: str, template: dict[str, Any], bucket: str,
                 packages: dict[str, Package]) -> list[str]:
    """Update every function whose deployed code differs from its folder (by hash); return their names."""
    lam = target.client("lambda")
    physical = cloudformation.physical_ids(target, stack_name)
    stale = {}  # function name -> code parameter
    for parameter, logical_ids in functions_by_code(template).items():
        for logical_id in logical_ids if parameter in packages else []:
            name = physical[logical_id]
            if lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"] != packages[parameter].code_sha256:
                stale[name] = parameter
    if stale:
        keys = upload_code(target, stack_name, bucket, {parameter: packages[parameter] for parameter in stale.values()})
        for name, parameter in stale.items():
            lam.update_function_code(FunctionName=name, S3Bucket=keys[ARTIFACT_PARAMETER], S3Key=keys[parameter])
        for name in stale:
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    return list(stale)


def _apply_change_set(target: Any, stack_name: str, old_text: str, old_parameters: dict[str, str],
                      template_text: str, parameters: dict[str, str], replace_data: bool) -> bool:
    """Show what the update changes, refuse it if it destroys data, run it; False when it changes nothing."""
    cfn = target.client("cloudformation")
    if target.is_local:
        changes = cloudformation_changes.plan(
            cloudformation.load_template(old_text), old_parameters, cloudformation.load_template(template_text),
            parameters, cloudformation.physical_ids(target, stack_name))
        change_set = None
    else:
        change_set = _create_change_set(cfn, stack_name, template_text, parameters)
        changes = _change_set_changes(cfn, change_set) if change_set else []
    if not changes:
        return False
    print(summary(stack_name, changes))
    at_risk = [c for c in changes if c.destroys and c.resource_type in DATA_TYPES and _holds_data(target, c)]
    if at_risk and not replace_data:
        if change_set:
            cfn.delete_change_set(ChangeSetName=change_set)
        lost = ", ".join(f"{c.logical_id} ({DATA_TYPES[c.resource_type]} {c.physical_id})" for c in at_risk)
        raise DataAtRisk(
            f"Nothing was changed: this update would {'delete' if at_risk[0].action == 'Remove' else 'replace'} "
            f"{lost}, which holds data. To keep it, keep the resource's logical id and the properties that name it "
            f"(BucketName, TableName, KeySchema). To let it go, deploy again with replace_data=True, or tear the "
            f"stack down and deploy afresh.")
    try:
        if change_set:
            cfn.execute_change_set(ChangeSetName=change_set)
            cfn.get_waiter("stack_update_complete").wait(StackName=stack_name, WaiterConfig=WAIT)
        else:
            _update_local(target, stack_name, template_text, parameters)
    except Exception as error:
        reasons = _failure_reasons(cfn, stack_name) or [str(error).splitlines()[0]]
        if target.is_local:
            # moto does not roll back; put the previous template and parameters back, as CloudFormation would.
            _update_local(target, stack_name, old_text, old_parameters)
        raise DeployError(
            f"Updating the stack {stack_name} failed: {'; '.join(reasons)}. The stack was rolled back to what it "
            "was before: your buckets, table and their data are intact. Fix the cause and deploy again.") from error
    print(f"{stack_name}: updated ({len(changes)} change{'s' if len(changes) != 1 else ''})")
    return True


def _update_local(target: Any, stack_name: str, template_text: str, parameters: dict[str, str]) -> None:
    old_text, old_parameters = _deployed(target, stack_name)
    target.client("cloudformation").update_stack(
        StackName=stack_name, TemplateBody=template_text, Parameters=_parameter_list(parameters),
        Capabilities=CAPABILITIES)
    cloudformation.remove_dropped_gaps(target, stack_name, old_text, old_parameters, template_text)
    cloudformation.fill_gaps(target, stack_name, template_text, parameters, _stack_tags(stack_name))


def _create_change_set(cfn: Any, stack_name: str, template_text: str, parameters: dict[str, str]) -> str | None:
    """Create an UPDATE change set and wait for it; None when CloudFormation finds nothing to change."""
    name = f"{stack_name}-{int(time.time())}"
    arn = cfn.create_change_set(
        StackName=stack_name, ChangeSetName=name, ChangeSetType="UPDATE", TemplateBody=template_text,
        Parameters=_parameter_list(parameters), Capabilities=CAPABILITIES,
        Tags=[{"Key": k, "Value": v} for k, v in _stack_tags(stack_name).items()])["Id"]
    try:
        cfn.get_waiter("change_set_create_complete").wait(ChangeSetName=arn, WaiterConfig={"Delay": 5})
    except WaiterError:
        described = cfn.describe_change_set(ChangeSetName=arn)
        reason = described.get("StatusReason", "")
        cfn.delete_change_set(ChangeSetName=arn)
        if "didn't contain changes" in reason or "No updates are to be performed" in reason:
            return None
        raise DeployError(f"CloudFormation refused the update of {stack_name}: {reason}. Nothing was changed.")
    return arn


def _change_set_changes(cfn: Any, change_set: str) -> list[cloudformation_changes.Change]:
    changes, token = [], None
    while True:
        page = cfn.describe_change_set(ChangeSetName=change_set, **({"NextToken": token} if token else {}))
        for entry in page["Changes"]:
            change = entry["ResourceChange"]
            changes.append(cloudformation_changes.Change(
                change["Action"], change["LogicalResourceId"], change["ResourceType"],
                change.get("Replacement", ""), change.get("PhysicalResourceId", "")))
        token = page.get("NextToken")
        if not token:
            return changes


def summary(stack_name: str, changes: list[cloudformation_changes.Change]) -> str:
    """The change set as `sam deploy` shows it: one line per resource, replacements flagged."""
    signs = {"Add": "+", "Modify": "~", "Remove": "-"}
    lines = [f"{stack_name}: change set"]
    for change in sorted(changes, key=lambda c: (list(signs).index(c.action) if c.action in signs else 3,
                                                 c.logical_id)):
        replaced = {"True": ", REPLACED (new physical resource)",
                    "Conditional": ", may be replaced"}.get(change.replacement, "")
        lines.append(f"  {signs.get(change.action, '?')} {change.action:<6} {change.logical_id} "
                     f"({change.resource_type}{replaced})")
    return "\n".join(lines)


def _holds_data(target: Any, change: cloudformation_changes.Change) -> bool:
    if not change.physical_id:
        return False
    if change.resource_type == "AWS::S3::Bucket":
        s3 = target.client("s3")
        try:
            return bool(s3.list_object_versions(Bucket=change.physical_id, MaxKeys=1).get("Versions"))
        except s3.exceptions.NoSuchBucket:
            return False
    dynamodb = target.client("dynamodb")
    try:
        return dynamodb.scan(TableName=change.physical_id, Limit=1, Select="COUNT")["Count"] > 0
    except dynamodb.exceptions.ResourceNotFoundException:
        return False


def _show_progress(cfn: Any, stack_name: str, total: int, enabled: bool) -> None:
    # No elapsed time in the bar, so a notebook's saved output is the same on every run.
    with tqdm(total=total, desc=stack_name, bar_format="{desc}: {bar:20} {n}/{total} resources",
              disable=not enabled) as bar:
        while True:
            pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            # moto lists the resources it skipped with an empty logical id; they are not progress.
            finished = sum(s["ResourceStatus"] == "CREATE_COMPLETE" and bool(s.get("LogicalResourceId"))
                           for p in pages for s in p["StackResourceSummaries"])
            bar.update(min(finished, total) - bar.n)
            status = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
            if not status.endswith("IN_PROGRESS"):
                bar.update(total - bar.n if status == "CREATE_COMPLETE" else 0)
                return
            time.sleep(5)


def outputs(target: Any, stack_name: str) -> dict[str, str]:
    cfn = target.client("cloudformation")
    if _settled_status(target, stack_name) is None:
        raise NotDeployed(f"The stack {stack_name} is not deployed: run the deploy cell first.")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


def empty_bucket(target: Any, bucket: str) -> None:
    """Delete every object version and delete marker, so the bucket itself can be deleted."""
    s3 = target.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


@cloudformation.quiet_moto()
def teardown(target: Any, stack_name: str) -> None:
    """Empty the stack's buckets, delete the stack, the artifact bucket and what moto leaves behind."""
    target.wait_for_jobs()
    if _settled_status(target, stack_name) is not None:
        bucket = _parameters(target, stack_name).get(ARTIFACT_PARAMETER)
        _delete_stack(target, stack_name)
        if bucket:
            _delete_artifact_bucket(target, bucket)


DELETE_ATTEMPTS = 3
FINAL_JOB_STATES = ("COMPLETE", "ERROR", "CANCELED")


def _delete_stack(target: Any, stack_name: str) -> None:
    cfn = target.client("cloudformation")
    resources = [
        summary
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
        for summary in page["StackResourceSummaries"]
        if summary.get("LogicalResourceId")
    ]
    buckets = [r["PhysicalResourceId"] for r in resources
               if r["ResourceType"] == "AWS::S3::Bucket" and r.get("PhysicalResourceId")]
    if not target.is_local:
        stop_jobs(target, buckets)
    for attempt in range(1, DELETE_ATTEMPTS + 1):
        for bucket in buckets:
            with contextlib.suppress(target.client("s3").exceptions.NoSuchBucket):
                empty_bucket(target, bucket)
        cfn.delete_stack(StackName=stack_name)
        try:
            cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name, WaiterConfig=WAIT)
            break
        except WaiterError as error:
            # DELETE_FAILED: most often a bucket that something wrote into after it was emptied; empty it again.
            if attempt == DELETE_ATTEMPTS:
                reasons = "; ".join(_failure_reasons(cfn, stack_name)) or str(error)
                raise DeployError(f"Deleting the stack {stack_name} failed {DELETE_ATTEMPTS} times: {reasons}. "
                                  f"Run stacks.teardown(target, {stack_name!r}) again, or delete what is named above "
                                  "and then the stack in the CloudFormation console.") from error
    if target.is_local:
        _delete_moto_leftovers(target, resources)


def stop_jobs(target: Any, buckets: list[str], timeout: float = 600) -> None:
    """Cancel the MediaConvert jobs still reading from or writing to these buckets, and wait until they end.

    A job left running writes renditions into a bucket being deleted, which then cannot be deleted.
    The local cloud's jobs are waited for instead (Target.wait_for_jobs).
    """
    mediaconvert = target.client("mediaconvert")
    prefixes = tuple(f"s3://{bucket}/" for bucket in buckets)
    running = [
        job["Id"]
        for status in ("SUBMITTED", "PROGRESSING")
        for page in mediaconvert.get_paginator("list_jobs").paginate(Status=status)
        for job in page["Jobs"]
        if any(prefix in json.dumps(job.get("Settings", {})) for prefix in prefixes)
    ]
    for job_id in running:
        # A job that finished meanwhile cannot be canceled (ConflictException): that is fine too.
        with contextlib.suppress(mediaconvert.exceptions.ConflictException):
            mediaconvert.cancel_job(Id=job_id)
    deadline = time.monotonic() + timeout
    while running:
        running = [i for i in running if mediaconvert.get_job(Id=i)["Job"]["Status"] not in FINAL_JOB_STATES]
        if running and time.monotonic() > deadline:
            raise DeployError(f"MediaConvert jobs {', '.join(running)} did not end within {timeout:.0f} s; "
                              "cancel them in the MediaConvert console, then tear down again.")
        if running:
            time.sleep(5)


def _delete_artifact_bucket(target: Any, bucket: str) -> None:
    s3 = target.client("s3")
    try:
        empty_bucket(target, bucket)
    except s3.exceptions.NoSuchBucket:
        return  # never created: the create failed before the upload
    s3.delete_bucket(Bucket=bucket)


def _delete_moto_leftovers(target: Any, resources: list[dict[str, Any]]) -> None:
    """moto's delete_stack keeps some resources that CloudFormation deletes; delete them ourselves."""
    for resource in resources:
        kind, physical = resource["ResourceType"], resource["PhysicalResourceId"]
        if kind == "AWS::ApiGateway::RestApi":
            apigateway = target.client("apigateway")
            if any(api["id"] == physical for api in apigateway.get_rest_apis()["items"]):
                apigateway.delete_rest_api(restApiId=physical)


def leftovers(target: Any, stack_name: str | None = None) -> list[str]:
    """ARNs of resources still tagged by the workbook (for one stack, or for any)."""
    tag_filter = {"Key": TAG_KEY, **({"Values": [stack_name]} if stack_name else {})}
    tagging = target.client("resourcegroupstaggingapi")
    return [
        resource["ResourceARN"]
        for page in tagging.get_paginator("get_resources").paginate(TagFilters=[tag_filter])
        for resource in page["ResourceTagMappingList"]
    ]
