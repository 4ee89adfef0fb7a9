"""Deploy a lab's CloudFormation stack to the current target, and tear it down without leftovers.

    outputs = deploy(target, "video", "templates/video-pipeline.yaml",
                     code={"TranscodeCodeKey": "functions/transcode_video"})
    teardown(target, "video")
    assert leftovers(target, "video") == []
"""
from __future__ import annotations

import hashlib
import io
import time
import zipfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .localcloud import cloudformation

TAG_KEY = "workbook"
ARTIFACT_PARAMETER = "ArtifactBucket"
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


def artifact_bucket_name(target: Any, stack_name: str) -> str:
    return f"{stack_name}-artifacts-{target.account_id}-{target.region}"


def _stack_tags(stack_name: str) -> dict[str, str]:
    return {TAG_KEY: stack_name}


def upload_code(target: Any, stack_name: str, code: dict[str, str | Path]) -> dict[str, str]:
    """Zip each folder into the stack's private, encrypted artifact bucket; return parameter -> S3 key."""
    s3 = target.client("s3")
    bucket = artifact_bucket_name(target, stack_name)
    create = {"Bucket": bucket}
    if target.region != "us-east-1":
        create["CreateBucketConfiguration"] = {"LocationConstraint": target.region}
    s3.create_bucket(**create)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={
        "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]})
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": TAG_KEY, "Value": stack_name}]})
    keys = {}
    for parameter, folder in code.items():
        archive = zip_folder(folder)
        key = f"{Path(folder).name}-{hashlib.sha256(archive).hexdigest()[:16]}.zip"
        s3.put_object(Bucket=bucket, Key=key, Body=archive)
        keys[parameter] = key
    return {ARTIFACT_PARAMETER: bucket, **keys}


@cloudformation.quiet_moto()
def deploy(
    target: Any,
    stack_name: str,
    template_path: str | Path,
    parameters: dict[str, str] | None = None,
    code: dict[str, str | Path] | None = None,
    progress: bool = True,
) -> dict[str, str]:
    """Create the stack with its Lambda code from local folders; return its outputs as a dict.

    ``code`` maps a template parameter to a folder; the folder is zipped and
    uploaded, the parameter receives the S3 key and ``ArtifactBucket`` the bucket.
    """
    template_text = Path(template_path).read_text()
    parameters = {**(parameters or {}), **(upload_code(target, stack_name, code) if code else {})}
    tags = _stack_tags(stack_name)
    cfn = target.client("cloudformation")
    total = len(cloudformation.load_template(template_text)["Resources"])
    cfn.create_stack(
        StackName=stack_name,
        TemplateBody=template_text,
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"],
        Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
    )
    _show_progress(cfn, stack_name, total, progress)
    cfn.get_waiter("stack_create_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
    if target.is_local:
        cloudformation.fill_gaps(target, stack_name, template_text, parameters, tags)
    return outputs(target, stack_name)


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
    stack = target.client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
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
    cfn = target.client("cloudformation")
    resources = [
        summary
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=stack_name)
        for summary in page["StackResourceSummaries"]
        if summary.get("LogicalResourceId")
    ]
    for resource in resources:
        if resource["ResourceType"] == "AWS::S3::Bucket":
            empty_bucket(target, resource["PhysicalResourceId"])
    cfn.delete_stack(StackName=stack_name)
    cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name, WaiterConfig={"Delay": 5, "MaxAttempts": 360})
    if target.is_local:
        _delete_moto_leftovers(target, resources)
    _delete_artifact_bucket(target, stack_name)


def _delete_artifact_bucket(target: Any, stack_name: str) -> None:
    s3 = target.client("s3")
    bucket = artifact_bucket_name(target, stack_name)
    try:
        empty_bucket(target, bucket)
    except s3.exceptions.NoSuchBucket:
        return  # the stack was deployed without Lambda code
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
