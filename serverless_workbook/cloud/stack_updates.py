"""Update a deployed stack in place, the way `sam deploy` and `sam sync --code` do.

A template or parameter change goes through a change set: its summary is
printed (added, modified, removed, replacements flagged), an update that would
delete or replace a bucket or table holding data is refused, and a failed
update is rolled back, never torn down. A handler change alone is a direct
Lambda code update, decided by the code's hash. On the local cloud the summary
is computed from the two templates (see localcloud.cloudformation_changes for
why) and the update made with update_stack.
"""
from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import WaiterError

from serverless_workbook.cloud.artifacts import ARTIFACT_PARAMETER, Package, new_artifact_bucket_name, upload_code
from serverless_workbook.common import templates
from serverless_workbook.localcloud import cloudformation, cloudformation_changes

CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"]
WAIT = {"Delay": 5, "MaxAttempts": 360}


class DeployError(RuntimeError):
    """A deploy that could not go ahead or failed; the message says what happened to the stack and what to do."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: the message is the whole story.
        return [f"{type(self).__name__}: {self}"]


class DataAtRisk(DeployError):
    """The update would delete or replace a bucket or table that holds data; nothing was changed."""


DATA_TYPES = {"AWS::S3::Bucket": "bucket", "AWS::DynamoDB::Table": "table"}


def parameter_list(parameters: dict[str, str]) -> list[dict[str, str]]:
    return [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]


def failure_reasons(cfn: Any, stack_name: str) -> list[str]:
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
    return text, stack_parameters(target, stack_name)


def stack_parameters(target: Any, stack_name: str) -> dict[str, str]:
    stack = target.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    return {p["ParameterKey"]: p["ParameterValue"] for p in stack.get("Parameters", [])}


def update(target: Any, stack_name: str, template_text: str, parameters: dict[str, str],
           packages: dict[str, Package], replace_data: bool, tags: dict[str, str]) -> None:
    """Bring the deployed stack to the template, parameters and code given; print what changed."""
    old_text, old_parameters = _deployed(target, stack_name)
    new_template = templates.load_template(template_text)
    defaults = {name: str(spec["Default"]) for name, spec in new_template.get("Parameters", {}).items()
                if "Default" in spec}
    parameters = {**defaults, **parameters}
    # The code keys change with every edit; a change to them alone is the code-only path below.
    unchanged = (templates.load_template(old_text) == new_template and
                 {k: v for k, v in old_parameters.items() if k not in packages and k != ARTIFACT_PARAMETER}
                 == parameters)
    bucket = old_parameters.get(ARTIFACT_PARAMETER) or new_artifact_bucket_name(stack_name)
    changed = False
    if not unchanged:
        all_parameters = {**parameters, **(upload_code(target, bucket, packages, tags) if packages else {})}
        changed = _apply_change_set(target, stack_name, old_text, old_parameters, template_text, all_parameters,
                                    replace_data, tags)
    updated = _update_code(target, stack_name, new_template, bucket, packages, tags)
    if updated:
        print(f"{stack_name}: code updated for {', '.join(updated)}"
              + ("" if changed else " (only the code changed: no stack update needed)"))
    elif not changed:
        print(f"{stack_name}: no changes")


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
                 packages: dict[str, Package], tags: dict[str, str]) -> list[str]:
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
        keys = upload_code(target, bucket, {parameter: packages[parameter] for parameter in stale.values()}, tags)
        for name, parameter in stale.items():
            lam.update_function_code(FunctionName=name, S3Bucket=keys[ARTIFACT_PARAMETER], S3Key=keys[parameter])
        for name in stale:
            lam.get_waiter("function_updated_v2").wait(FunctionName=name)
    return list(stale)


def _apply_change_set(target: Any, stack_name: str, old_text: str, old_parameters: dict[str, str],
                      template_text: str, parameters: dict[str, str], replace_data: bool, tags: dict[str, str]) -> bool:
    """Show what the update changes, refuse it if it destroys data, run it; False when it changes nothing."""
    cfn = target.client("cloudformation")
    if target.is_local:
        changes = cloudformation_changes.plan(
            templates.load_template(old_text), old_parameters, templates.load_template(template_text),
            parameters, cloudformation.physical_ids(target, stack_name))
        change_set = None
    else:
        change_set = _create_change_set(cfn, stack_name, template_text, parameters, tags)
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
            _update_local(target, stack_name, template_text, parameters, tags)
    except Exception as error:
        reasons = failure_reasons(cfn, stack_name) or [str(error).splitlines()[0]]
        if target.is_local:
            # moto does not roll back; put the previous template and parameters back, as CloudFormation would.
            _update_local(target, stack_name, old_text, old_parameters, tags)
        elif cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"] == "UPDATE_ROLLBACK_FAILED":
            raise DeployError(
                f"Updating the stack {stack_name} failed ({'; '.join(reasons)}), and so did CloudFormation's rollback. "
                "No bucket or table holding data was deleted or replaced (that was checked before the update); "
                "continue the rollback in the CloudFormation console "
                "(Stack actions, Continue update rollback), then deploy again.") from error
        raise DeployError(
            f"Updating the stack {stack_name} failed: {'; '.join(reasons)}. The stack was rolled back to what it "
            "was before: your buckets, table and their data are intact. Fix the cause and deploy again.") from error
    print(f"{stack_name}: updated ({len(changes)} change{'s' if len(changes) != 1 else ''})")
    return True


def _update_local(target: Any, stack_name: str, template_text: str, parameters: dict[str, str],
                  tags: dict[str, str]) -> None:
    old_text, old_parameters = _deployed(target, stack_name)
    target.client("cloudformation").update_stack(
        StackName=stack_name, TemplateBody=template_text, Parameters=parameter_list(parameters),
        Capabilities=CAPABILITIES)
    cloudformation.remove_dropped_gaps(target, stack_name, old_text, old_parameters, template_text)
    cloudformation.fill_gaps(target, stack_name, template_text, parameters, tags)


def _create_change_set(cfn: Any, stack_name: str, template_text: str, parameters: dict[str, str],
                       tags: dict[str, str]) -> str | None:
    """Create an UPDATE change set and wait for it; None when CloudFormation finds nothing to change."""
    name = f"{stack_name}-{int(time.time())}"
    arn = cfn.create_change_set(
        StackName=stack_name, ChangeSetName=name, ChangeSetType="UPDATE", TemplateBody=template_text,
        Parameters=parameter_list(parameters), Capabilities=CAPABILITIES,
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()])["Id"]
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
