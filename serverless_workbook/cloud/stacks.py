"""Deploy a lab's CloudFormation stack to the current target, update it in place, tear it down without leftovers.

    outputs = deploy(target, "video", "templates/video-pipeline.yaml",
                     code={"TranscodeCodeKey": "functions/transcode_video"})
    outputs = deploy(...)       # again: a change set, a code-only update, or "no changes"
    teardown(target, "video")
    assert leftovers(target, "video") == []
"""
from __future__ import annotations

import contextlib
import json
import secrets
from pathlib import Path
from typing import Any

from botocore.exceptions import WaiterError
from tqdm import tqdm

from serverless_workbook.cloud import stack_updates
from serverless_workbook.models import costs
from serverless_workbook.cloud.artifacts import (
    ARTIFACT_PARAMETER,
    Package,
    new_artifact_bucket_name,
    package,
    upload_code,
    zip_folder,
)
from serverless_workbook.cloud.resources import empty_bucket, exists
from serverless_workbook.common import templates, waiting
from serverless_workbook.localcloud import cloudformation
from serverless_workbook.cloud.stack_updates import (
    CAPABILITIES,
    WAIT,
    DataAtRisk,
    DeployError,
    failure_reasons,
    parameter_list,
)

# Part of this module's interface: the labs zip handlers with stacks.zip_folder, and catch stacks.DeployError.
__all__ = ["DataAtRisk", "DeployError", "NotDeployed", "TAG_KEY", "deploy", "leftovers", "outputs", "stop_jobs",
           "teardown", "zip_folder"]

TAG_KEY = "workbook"
BUCKET_SUFFIX = "BucketSuffix"


def _stack_tags(stack_name: str) -> dict[str, str]:
    return {TAG_KEY: stack_name}


class NotDeployed(DeployError):
    """The stack is not there (on the local cloud, a kernel restart empties the cloud)."""


# Stacks this process created or updated: any other existing stack comes from an earlier kernel.
_SEEN: set[tuple[str, str, str]] = set()


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
    ``replace_data`` is true. On a real account, the kernel's first deploy waits for the cost confirmation
    (costs.require_confirmation).
    """
    # First, before any call: on a real account nothing is created until the kernel confirmed the cost.
    costs.require_confirmation(target, stack_name)
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
                          f"rollback, or delete it), or run stacks.teardown(target, {stack_name!r}); "
                          "then deploy again.")
    parameters = {**(parameters or {}), **_bucket_suffix(target, stack_name, template_text, status, parameters or {})}
    key = (target.account_id, target.region, stack_name)
    if status is None:
        result = _create(target, stack_name, template_text, parameters, packages, progress)
    else:
        if key not in _SEEN:
            print(f"{stack_name}: found the stack deployed earlier; updating it in place "
                  f"(stacks.teardown(target, {stack_name!r}) deletes it)")
        stack_updates.update(target, stack_name, template_text, parameters, packages, replace_data,
                             _stack_tags(stack_name))
        result = outputs(target, stack_name)
    _SEEN.add(key)
    return result


def _bucket_suffix(target: Any, stack_name: str, template_text: str, status: str | None,
                   given: dict[str, str]) -> dict[str, str]:
    """The BucketSuffix parameter, for a template that ends its bucket names with it.

    S3 can refuse for hours a bucket name deleted moments ago (OperationAborted, 409: "A conflicting conditional
    operation is currently in progress against this resource"; AWS Knowledge Center, s3-conflicting-conditional-
    operation, which advises a naming logic unlikely to conflict), as a lab run again after its clean-up would:
    so each created stack gets a new suffix, and an update keeps the deployed one (a new one would replace the
    buckets). A stack deployed before the parameter existed named its buckets after the account: that is kept.
    The in-kernel local cloud starts empty with each kernel, so nothing is re-created there: its suffix is its
    (fake) account id, and saved outputs that print a bucket name stay the same from run to run.
    """
    declared = templates.load_template(template_text).get("Parameters", {})
    if BUCKET_SUFFIX not in declared or BUCKET_SUFFIX in given:
        return {}
    if status is not None:
        deployed = stack_updates.stack_parameters(target, stack_name)
        return {BUCKET_SUFFIX: deployed.get(BUCKET_SUFFIX, target.account_id)}
    return {BUCKET_SUFFIX: target.account_id if target.name == "local" else secrets.token_hex(6)}


def _settled_status(target: Any, stack_name: str) -> str | None:
    """The stack's status once no operation is running on it; None when there is no stack.

    The local cloud works synchronously: a stack still in progress there is stuck, and is returned as it is.
    """
    cfn = target.client("cloudformation")

    def status() -> str | None:
        try:
            found = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]
        except cfn.exceptions.ClientError as error:
            if "does not exist" in error.response["Error"]["Message"]:
                return None
            raise
        return None if found == "DELETE_COMPLETE" else found

    return waiting.until(status, f"the stack {stack_name} to finish its operation", interval=5,
                         ready=lambda found: (found is None or target.is_local or not found.endswith("_IN_PROGRESS")
                                              or found == "REVIEW_IN_PROGRESS"))


def _create(target: Any, stack_name: str, template_text: str, parameters: dict[str, str],
            packages: dict[str, Package], progress: bool) -> dict[str, str]:
    tags = _stack_tags(stack_name)
    cfn = target.client("cloudformation")
    total = len(templates.load_template(template_text)["Resources"])
    bucket = new_artifact_bucket_name(stack_name)
    try:
        parameters = {**parameters, **(upload_code(target, bucket, packages, tags) if packages else {})}
        cfn.create_stack(
            StackName=stack_name,
            TemplateBody=template_text,
            Parameters=parameter_list(parameters),
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
        reasons = failure_reasons(cfn, stack_name) or [str(error).splitlines()[0]]
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


def _show_progress(cfn: Any, stack_name: str, total: int, enabled: bool) -> None:
    # No elapsed time in the bar, so a notebook's saved output is the same on every run.
    with tqdm(total=total, desc=stack_name, bar_format="{desc}: {bar:20} {n}/{total} resources",
              disable=not enabled) as bar:
        def status() -> str:
            pages = cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
            # moto lists the resources it skipped with an empty logical id; they are not progress.
            finished = sum(s["ResourceStatus"] == "CREATE_COMPLETE" and bool(s.get("LogicalResourceId"))
                           for p in pages for s in p["StackResourceSummaries"])
            bar.update(min(finished, total) - bar.n)
            return cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"]

        final = waiting.until(status, f"the stack {stack_name} to be created", interval=5,
                              ready=lambda found: not found.endswith("IN_PROGRESS"))
        bar.update(total - bar.n if final == "CREATE_COMPLETE" else 0)


def outputs(target: Any, stack_name: str) -> dict[str, str]:
    cfn = target.client("cloudformation")
    if _settled_status(target, stack_name) is None:
        raise NotDeployed(f"The stack {stack_name} is not deployed: run the deploy cell first.")
    stack = cfn.describe_stacks(StackName=stack_name)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}


@cloudformation.quiet_moto()
def teardown(target: Any, stack_name: str) -> None:
    """Empty the stack's buckets, delete the stack, the artifact bucket and what moto leaves behind."""
    target.wait_for_jobs()
    if _settled_status(target, stack_name) is not None:
        bucket = stack_updates.stack_parameters(target, stack_name).get(ARTIFACT_PARAMETER)
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
                reasons = "; ".join(failure_reasons(cfn, stack_name)) or str(error)
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

    def still_running() -> list[str]:
        running[:] = [i for i in running if mediaconvert.get_job(Id=i)["Job"]["Status"] not in FINAL_JOB_STATES]
        return running

    try:
        waiting.until(still_running, "the canceled MediaConvert jobs to end", ready=lambda jobs: not jobs,
                      timeout=timeout, interval=5)
    except waiting.WaitTimedOut as waited:
        raise DeployError(f"MediaConvert jobs {', '.join(waited.last)} did not end within {timeout:.0f} s; "
                          "cancel them in the MediaConvert console, then tear down again.") from None


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


def leftovers(target: Any, stack_name: str | None = None, settle_seconds: float = 90) -> list[str]:
    """ARNs of resources still tagged by the workbook (for one stack, or for any) that still exist.

    On AWS the tagging API lags behind deletions: for a while it still lists resources deleted
    moments ago. So each ARN it lists is checked with its own service, and while some remain the
    scan is repeated for up to `settle_seconds` (the local cloud answers at once: no repeat).
    """
    tag_filter = {"Key": TAG_KEY, **({"Values": [stack_name]} if stack_name else {})}
    tagging = target.client("resourcegroupstaggingapi")

    def still_there() -> list[str]:
        return [resource["ResourceARN"]
                for page in tagging.get_paginator("get_resources").paginate(TagFilters=[tag_filter])
                for resource in page["ResourceTagMappingList"]
                if exists(target, resource["ResourceARN"])]

    try:
        return waiting.until(still_there, "the tagging API to list no deleted resource", ready=lambda found: not found,
                             timeout=0 if target.is_local else settle_seconds, interval=10)
    except waiting.WaitTimedOut as waited:
        return waited.last
