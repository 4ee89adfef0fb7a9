"""Apply the template parts moto 5.2.5's CloudFormation drops, after create_stack and update_stack.

moto silently ignores AWS::S3::Bucket NotificationConfiguration and
AWS::Lambda::Function Layers, skips
AWS::SNS::Subscription and AWS::SNS::TopicPolicy, does not support
AWS::SQS::QueuePolicy and AWS::S3::BucketPolicy, and does not propagate stack
tags to resources. We read the same template and make the equivalent API calls,
so the template stays exactly what AWS deploys. The calls are idempotent, so an
update applies them again (moto re-creates a modified Topic without its
subscriptions); what an update removed from the template is undone by
remove_dropped_gaps.
"""
from __future__ import annotations

import contextlib
import json
import logging
import re
import warnings
from typing import Any, Iterator

from serverless_workbook.common.templates import load_template


@contextlib.contextmanager
def quiet_moto() -> Iterator[None]:
    """Hide moto's "not supported" warnings for the resource types fill_gaps applies itself."""
    parsing_logger = logging.getLogger("moto")
    level = parsing_logger.level
    parsing_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Tried to parse", category=UserWarning)
            yield
    finally:
        parsing_logger.setLevel(level)


@quiet_moto()
def physical_ids(target: Any, stack_name: str) -> dict[str, str]:
    """Logical id -> physical id; moto lists the resources it skipped with an empty logical id."""
    paginator = target.client("cloudformation").get_paginator("list_stack_resources")
    return {
        summary["LogicalResourceId"]: summary["PhysicalResourceId"]
        for page in paginator.paginate(StackName=stack_name)
        for summary in page["StackResourceSummaries"]
        if summary.get("LogicalResourceId")
    }


# What Ref AWS::NoValue leaves: the property or list item is dropped.
_NO_VALUE = object()


class Resolver:
    """Evaluates the intrinsic functions the gap resources use, against the deployed stack."""

    def __init__(self, target: Any, stack_name: str, parameters: dict[str, str], types: dict[str, str],
                 conditions: dict[str, Any] | None = None) -> None:
        self.target = target
        self.conditions = conditions or {}
        self.types = types
        self.stack_name = stack_name
        self.parameters = parameters
        self.physical = physical_ids(target, stack_name)
        self.pseudo = {
            "AWS::StackName": stack_name,
            "AWS::AccountId": target.account_id,
            "AWS::Region": target.region,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        }

    def __call__(self, value: Any) -> Any:
        if isinstance(value, list):
            return [item for item in map(self, value) if item is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if "Fn::If" in value:
            condition, when_true, when_false = value["Fn::If"]
            return self(when_true if self.condition(condition) else when_false)
        if "Ref" in value:
            return self.ref(value["Ref"])
        if "Fn::GetAtt" in value:
            return self.get_att(*value["Fn::GetAtt"])
        if "Fn::Sub" in value:
            return self.sub(value["Fn::Sub"])
        if "Fn::Join" in value:
            separator, items = value["Fn::Join"]
            return separator.join(self(items))
        return {key: item for key, item in ((key, self(item)) for key, item in value.items()) if item is not _NO_VALUE}

    def condition(self, name: str) -> bool:
        return self.truth(self.conditions[name])

    def truth(self, expression: dict[str, Any]) -> bool:
        (function, arguments), = expression.items()
        if function == "Fn::Equals":
            return self(arguments[0]) == self(arguments[1])
        if function == "Fn::Not":
            return not self.truth(arguments[0])
        if function == "Fn::And":
            return all(map(self.truth, arguments))
        if function == "Fn::Or":
            return any(map(self.truth, arguments))
        if function == "Condition":
            return self.condition(arguments)
        raise NotImplementedError(f"Condition function {function} is not evaluated by the local cloud")

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        return self.physical[name]

    def sub(self, value: Any) -> str:
        text, variables = (value, {}) if isinstance(value, str) else (value[0], self(value[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!]+)\}", replace, text)

    def get_att(self, logical: str, attribute: str) -> str:
        physical = self.physical[logical]
        kind = self.types[logical]
        if attribute == "Arn":
            if kind == "AWS::Lambda::Function":
                return self.target.client("lambda").get_function(FunctionName=physical)["Configuration"]["FunctionArn"]
            if kind == "AWS::SQS::Queue":
                return self.target.client("sqs").get_queue_attributes(
                    QueueUrl=physical, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            if kind == "AWS::Events::Rule":
                return self.target.client("events").describe_rule(Name=physical)["Arn"]
            if kind == "AWS::S3::Bucket":
                return f"arn:aws:s3:::{physical}"
        raise NotImplementedError(f"Fn::GetAtt {logical}.{attribute} ({kind}) is not resolved by the local cloud")


def _notification_configuration(cfn: dict[str, Any]) -> dict[str, Any]:
    """CloudFormation's NotificationConfiguration spelled the way PutBucketNotificationConfiguration wants it."""
    kinds = {
        "LambdaConfigurations": ("LambdaFunctionConfigurations", "Function", "LambdaFunctionArn"),
        "TopicConfigurations": ("TopicConfigurations", "Topic", "TopicArn"),
        "QueueConfigurations": ("QueueConfigurations", "Queue", "QueueArn"),
    }
    api: dict[str, Any] = {}
    for cfn_name, (api_name, cfn_target, api_target) in kinds.items():
        for item in cfn.get(cfn_name, []):
            entry: dict[str, Any] = {api_target: item[cfn_target], "Events": [item["Event"]]}
            rules = item.get("Filter", {}).get("S3Key", {}).get("Rules")
            if rules:
                entry["Filter"] = {"Key": {"FilterRules": rules}}
            api.setdefault(api_name, []).append(entry)
    return api


def fill_gaps(target: Any, stack_name: str, template_text: str, parameters: dict[str, str], tags: dict[str, str]) -> None:
    """Make the API calls for every template part moto dropped, in dependency order."""
    template = load_template(template_text)
    resources = template["Resources"]
    defaults = {name: str(spec["Default"]) for name, spec in template.get("Parameters", {}).items() if "Default" in spec}
    resolve = Resolver(target, stack_name, {**defaults, **parameters},
                       {name: spec["Type"] for name, spec in resources.items()}, template.get("Conditions"))

    def of_type(kind: str, *only: str) -> list[tuple[str, dict[str, Any]]]:
        """Resources of a kind with their properties resolved (only the named ones, if given)."""
        return [(n, resolve({key: value for key, value in s.get("Properties", {}).items() if not only or key in only}))
                for n, s in resources.items() if s["Type"] == kind]

    sns, sqs, s3 = target.client("sns"), target.client("sqs"), target.client("s3")
    for _, props in of_type("AWS::SNS::TopicPolicy"):
        for topic in props["Topics"]:
            sns.set_topic_attributes(TopicArn=topic, AttributeName="Policy", AttributeValue=json.dumps(props["PolicyDocument"]))
    for _, props in of_type("AWS::SQS::QueuePolicy"):
        for queue_url in props["Queues"]:
            sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(props["PolicyDocument"])})
    for _, props in of_type("AWS::S3::BucketPolicy"):
        s3.put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(props["PolicyDocument"]))
    for _, props in of_type("AWS::SNS::Subscription"):
        attributes = {key: json.dumps(props[key]) if isinstance(props[key], dict) else str(props[key]).lower()
                      for key in ("FilterPolicy", "RawMessageDelivery") if key in props}
        sns.subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"],
                      Attributes=attributes)
    for name, props in of_type("AWS::S3::Bucket"):
        if "NotificationConfiguration" in props:
            s3.put_bucket_notification_configuration(
                Bucket=resolve.physical[name],
                NotificationConfiguration=_notification_configuration(props["NotificationConfiguration"]),
            )
    for name, props in of_type("AWS::Lambda::Function", "Layers"):
        # A layer published elsewhere (AWS's Powertools) does not exist here, and is not needed: the
        # handlers run in the kernel's environment, which has those libraries.
        local_layers = [arn for arn in props.get("Layers", []) if _published_here(target, arn)]
        if local_layers:
            target.client("lambda").update_function_configuration(FunctionName=resolve.physical[name],
                                                                  Layers=local_layers)
    _propagate_tags(target, resolve, tags)


def _published_here(target: Any, layer_version_arn: str) -> bool:
    awslambda = target.client("lambda")
    layer, _, version = layer_version_arn.rpartition(":")
    try:
        awslambda.get_layer_version(LayerName=layer, VersionNumber=int(version))
    except awslambda.exceptions.ResourceNotFoundException:
        return False
    return True


def _propagate_tags(target: Any, resolve: Resolver, tags: dict[str, str]) -> None:
    """CloudFormation copies stack tags onto every taggable resource; moto does not.

    moto tags only API Gateway stages, not RestApis, so those stay untagged here.
    """
    tag_list = [{"Key": k, "Value": v} for k, v in tags.items()]
    for logical, kind in resolve.types.items():
        physical = resolve.physical.get(logical)
        if physical is None:
            continue
        if kind == "AWS::S3::Bucket":
            target.client("s3").put_bucket_tagging(Bucket=physical, Tagging={"TagSet": tag_list})
        elif kind == "AWS::SNS::Topic":
            target.client("sns").tag_resource(ResourceArn=physical, Tags=tag_list)
        elif kind == "AWS::SQS::Queue":
            target.client("sqs").tag_queue(QueueUrl=physical, Tags=tags)
        elif kind == "AWS::DynamoDB::Table":
            arn = target.client("dynamodb").describe_table(TableName=physical)["Table"]["TableArn"]
            target.client("dynamodb").tag_resource(ResourceArn=arn, Tags=tag_list)
        elif kind == "AWS::Lambda::Function":
            target.client("lambda").tag_resource(Resource=resolve.get_att(logical, "Arn"), Tags=tags)
        elif kind == "AWS::Logs::LogGroup":
            target.client("logs").tag_log_group(logGroupName=physical, tags=tags)
        elif kind == "AWS::Events::Rule":
            target.client("events").tag_resource(ResourceARN=resolve.get_att(logical, "Arn"), Tags=tag_list)
        elif kind == "AWS::IAM::Role":
            target.client("iam").tag_role(RoleName=physical, Tags=tag_list)


def remove_dropped_gaps(target: Any, stack_name: str, old_text: str, old_parameters: dict[str, str],
                        new_text: str) -> None:
    """Undo the gap parts an update took out of the template: subscriptions, and notifications a bucket lost.

    A policy taken out stays as it was (moto has no default to return it to).
    """
    old, new = load_template(old_text)["Resources"], load_template(new_text)["Resources"]
    resolve = Resolver(target, stack_name, old_parameters, {name: spec["Type"] for name, spec in old.items()})
    sns, s3 = target.client("sns"), target.client("s3")
    for name, spec in old.items():
        if new.get(name) == spec:
            continue
        try:
            props = resolve(spec.get("Properties", {}))
        except (KeyError, NotImplementedError):
            continue  # it referred to a resource the update removed, which took the gap part with it
        if spec["Type"] == "AWS::SNS::Subscription":
            for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=props["TopicArn"]):
                for subscription in page["Subscriptions"]:
                    if (subscription["Protocol"], subscription["Endpoint"]) == (props["Protocol"], props["Endpoint"]):
                        sns.unsubscribe(SubscriptionArn=subscription["SubscriptionArn"])
        elif (spec["Type"] == "AWS::S3::Bucket" and name in new and "NotificationConfiguration" in props
              and "NotificationConfiguration" not in new[name].get("Properties", {})):
            s3.put_bucket_notification_configuration(Bucket=resolve.physical[name], NotificationConfiguration={})
