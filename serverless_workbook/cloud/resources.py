"""What the workbook knows of an AWS resource from its ARN, one entry per service: the name inside the ARN,
whether the resource is still there, and how to delete it. The leftover scan (stacks.leftovers) and the clean-up
(cloud.cleanup) both ask here, so a service the workbook starts to use is taught once.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from botocore.exceptions import ClientError

# The error codes with which each service says the resource is not there.
_MISSING = {"NoSuchBucket", "NotFound", "404", "AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist",
            "ResourceNotFoundException", "NoSuchEntity", "StateMachineDoesNotExist", "NotFoundException"}


def resource(arn: str) -> str:
    """The part after the account id: `bucket`, `table/videos`, `log-group:/aws/lambda/f:*`, `role/name`."""
    return arn.split(":", 5)[5]


def _named(arn: str) -> str:
    """The name after the resource type: `table/videos` -> `videos`."""
    return resource(arn).split("/", 1)[1]


def _log_group(arn: str) -> str:
    return resource(arn).split(":", 1)[1].removesuffix(":*")


def _answers(call: Callable[[], Any]) -> bool:
    try:
        call()
    except ClientError as error:
        if error.response["Error"]["Code"] in _MISSING:
            return False
        raise
    return True


def empty_bucket(target: Any, bucket: str) -> None:
    """Delete every object version and delete marker, so the bucket itself can be deleted."""
    s3 = target.client("s3")
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]}
                  for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        if doomed:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


def _delete_bucket(target: Any, arn: str) -> None:
    empty_bucket(target, resource(arn))  # every version and delete marker, or S3 refuses to delete it
    target.client("s3").delete_bucket(Bucket=resource(arn))


def _log_group_exists(target: Any, arn: str) -> bool:
    groups = target.client("logs").describe_log_groups(logGroupNamePrefix=_log_group(arn))["logGroups"]
    return any(group["logGroupName"] == _log_group(arn) for group in groups)


def _delete_user_pool(target: Any, arn: str) -> None:
    cognito, pool = target.client("cognito-idp"), _named(arn)
    # A pool with a domain cannot be deleted; its users go with it.
    domain = cognito.describe_user_pool(UserPoolId=pool)["UserPool"].get("Domain")
    if domain:
        cognito.delete_user_pool_domain(UserPoolId=pool, Domain=domain)
    cognito.delete_user_pool(UserPoolId=pool)


def _delete_role(target: Any, arn: str) -> None:
    iam, name = target.client("iam"), arn.rsplit("/", 1)[1]
    # IAM refuses to delete a role that still has policies or instance profiles.
    for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]:
        iam.delete_role_policy(RoleName=name, PolicyName=policy)
    for policy in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
        iam.detach_role_policy(RoleName=name, PolicyArn=policy["PolicyArn"])
    for profile in iam.list_instance_profiles_for_role(RoleName=name)["InstanceProfiles"]:
        iam.remove_role_from_instance_profile(InstanceProfileName=profile["InstanceProfileName"], RoleName=name)
    iam.delete_role(RoleName=name)


def _delete_queue(target: Any, arn: str) -> None:
    sqs = target.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=resource(arn))["QueueUrl"])


def _delete_rule(target: Any, arn: str) -> None:
    events, rule = target.client("events"), _named(arn)
    # A rule with targets cannot be deleted.
    targets = [t["Id"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]]
    if targets:
        events.remove_targets(Rule=rule, Ids=targets)
    events.delete_rule(Name=rule)


def _stack_exists(target: Any, arn: str) -> bool:
    """By its ARN, CloudFormation still describes a deleted stack for a while, as DELETE_COMPLETE."""
    try:
        [stack] = target.client("cloudformation").describe_stacks(StackName=arn)["Stacks"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "ValidationError":  # "Stack ... does not exist"
            return False
        raise
    return stack["StackStatus"] != "DELETE_COMPLETE"


def _rest_api(arn: str) -> str:
    """The API's id in a REST API's ARN or one of its stages': `arn:aws:apigateway:us-east-1::/restapis/abc/stages/v1`."""
    return arn.split("/restapis/", 1)[1].split("/", 1)[0]


@dataclass(frozen=True)
class Kind:
    """How to tell that a resource of one kind is still there, and how to delete it (None: the clean-up cannot)."""

    exists: Callable[[Any, str], bool]
    delete: Callable[[Any, str], None] | None = None


KINDS: dict[str, Kind] = {
    "s3": Kind(lambda t, arn: _answers(lambda: t.client("s3").head_bucket(Bucket=resource(arn))), _delete_bucket),
    "sqs": Kind(lambda t, arn: _answers(lambda: t.client("sqs").get_queue_url(QueueName=resource(arn))),
                _delete_queue),
    "sns": Kind(lambda t, arn: _answers(lambda: t.client("sns").get_topic_attributes(TopicArn=arn)),
                lambda t, arn: t.client("sns").delete_topic(TopicArn=arn)),
    "dynamodb": Kind(lambda t, arn: _answers(lambda: t.client("dynamodb").describe_table(TableName=_named(arn))),
                     lambda t, arn: t.client("dynamodb").delete_table(TableName=_named(arn))),
    "lambda": Kind(lambda t, arn: _answers(lambda: t.client("lambda").get_function(FunctionName=arn)),
                   lambda t, arn: t.client("lambda").delete_function(FunctionName=arn)),
    "events": Kind(lambda t, arn: _answers(lambda: t.client("events").describe_rule(Name=_named(arn))), _delete_rule),
    "iam:role": Kind(lambda t, arn: _answers(lambda: t.client("iam").get_role(RoleName=arn.rsplit("/", 1)[1])),
                     _delete_role),
    "logs": Kind(_log_group_exists,
                 lambda t, arn: t.client("logs").delete_log_group(logGroupName=_log_group(arn))),
    "cognito-idp": Kind(lambda t, arn: _answers(lambda: t.client("cognito-idp").describe_user_pool(UserPoolId=_named(arn))),
                        _delete_user_pool),
    # Stacks are torn down by name (stacks.teardown), not by the clean-up's deleters.
    "cloudformation": Kind(_stack_exists),
    "states": Kind(lambda t, arn: _answers(lambda: t.client("stepfunctions").describe_state_machine(stateMachineArn=arn)),
                   lambda t, arn: t.client("stepfunctions").delete_state_machine(stateMachineArn=arn)),
    # A stage goes with its API: deleting the API deletes both, and then neither is there.
    "apigateway": Kind(lambda t, arn: _answers(lambda: t.client("apigateway").get_rest_api(restApiId=_rest_api(arn))),
                       lambda t, arn: t.client("apigateway").delete_rest_api(restApiId=_rest_api(arn))),
}


def kind_of(arn: str) -> str:
    """The key of KINDS for an ARN: its service, and for IAM the resource type too (`iam:role`)."""
    service = arn.split(":")[2]
    return f"iam:{resource(arn).split('/', 1)[0]}" if service == "iam" else service


def exists(target: Any, arn: str) -> bool:
    """Whether the resource an ARN names is still there; True when its service cannot be asked here."""
    kind = KINDS.get(kind_of(arn))
    return True if kind is None else kind.exists(target, arn)


def deleter(arn: str) -> Callable[[Any, str], None] | None:
    """How to delete the resource an ARN names, or None when the clean-up does not know how."""
    kind = KINDS.get(kind_of(arn))
    return None if kind is None else kind.delete
