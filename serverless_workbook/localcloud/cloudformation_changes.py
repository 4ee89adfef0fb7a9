"""What an update will change, worked out from the deployed and the new template: the local cloud's change set.

moto 5.2.5 has change sets, but they are not fit to show a learner (measured):
every update lists resources that did not change (a Topic without Properties
is always "Modify"), Replacement is never set, an identical template is refused
with "No updates are to be performed." instead of a FAILED change set, and
executing one leaves the stack's parameters and outputs as they were. So on the
local cloud the summary is computed here and the update made with update_stack;
on AWS the real change set is shown and executed.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Properties whose change makes CloudFormation replace the resource ("Update requires: Replacement" in the
# resource reference), for the types the workbook's templates use. Other types are reported "Conditional".
REPLACING: dict[str, frozenset[str]] = {
    "AWS::S3::Bucket": frozenset({"BucketName"}),
    "AWS::DynamoDB::Table": frozenset({"TableName", "KeySchema", "LocalSecondaryIndexes"}),
    "AWS::SQS::Queue": frozenset({"QueueName", "FifoQueue"}),
    "AWS::SQS::QueuePolicy": frozenset(),
    "AWS::SNS::Topic": frozenset({"TopicName", "FifoTopic"}),
    "AWS::SNS::TopicPolicy": frozenset(),
    "AWS::SNS::Subscription": frozenset({"Endpoint", "Protocol", "TopicArn"}),
    "AWS::Lambda::Function": frozenset({"FunctionName", "PackageType"}),
    "AWS::Lambda::Permission": frozenset({"Action", "EventSourceToken", "FunctionName", "FunctionUrlAuthType",
                                          "Principal", "PrincipalOrgID", "SourceAccount", "SourceArn"}),
    "AWS::Lambda::EventSourceMapping": frozenset({"EventSourceArn", "StartingPosition", "StartingPositionTimestamp"}),
    "AWS::IAM::Role": frozenset({"RoleName", "Path"}),
    "AWS::Logs::LogGroup": frozenset({"LogGroupName"}),
    "AWS::Events::Rule": frozenset({"Name", "EventBusName"}),
    "AWS::Cognito::UserPool": frozenset({"AliasAttributes", "UsernameAttributes", "Schema"}),
    "AWS::Cognito::UserPoolClient": frozenset({"UserPoolId", "GenerateSecret"}),
    "AWS::ApiGateway::RestApi": frozenset(),
    "AWS::ApiGateway::Resource": frozenset({"ParentId", "PathPart", "RestApiId"}),
    "AWS::ApiGateway::Method": frozenset({"HttpMethod", "ResourceId", "RestApiId"}),
    "AWS::ApiGateway::Authorizer": frozenset({"RestApiId"}),
    "AWS::ApiGateway::Deployment": frozenset({"DeploymentCanarySettings", "RestApiId"}),
    "AWS::StepFunctions::StateMachine": frozenset({"StateMachineName", "StateMachineType"}),
}
_SUB_NAME = re.compile(r"\$\{([^}!.]+)(?:\.[^}]*)?\}")


@dataclass(frozen=True)
class Change:
    """One resource change, as a change set's ResourceChange reports it."""

    action: str  # Add, Modify or Remove
    logical_id: str
    resource_type: str
    replacement: str = ""  # "True", "False" or "Conditional" for Modify
    physical_id: str = ""

    @property
    def destroys(self) -> bool:
        """Whether the resource as it is now goes away (deleted, or replaced by a new one)."""
        return self.action == "Remove" or (self.action == "Modify" and self.replacement in ("True", "Conditional"))


def references(value: Any) -> set[str]:
    """Names a template value refers to with Ref, Fn::GetAtt or ${...} in Fn::Sub."""
    if isinstance(value, list):
        return set().union(*map(references, value)) if value else set()
    if not isinstance(value, dict):
        return set()
    found: set[str] = set()
    for key, item in value.items():
        if key == "Ref" and isinstance(item, str):
            found.add(item)
        elif key == "Fn::GetAtt":
            found.add(item[0] if isinstance(item, list) else str(item).split(".", 1)[0])
        elif key == "Fn::Sub":
            text = item if isinstance(item, str) else item[0]
            found |= set(_SUB_NAME.findall(text))
            if not isinstance(item, str):
                found |= references(item[1])
        else:
            found |= references(item)
    return found


def plan(old: dict[str, Any], old_parameters: dict[str, str], new: dict[str, Any], new_parameters: dict[str, str],
         physical: dict[str, str]) -> list[Change]:
    """The changes an update from `old` to `new` makes, CloudFormation's way.

    A resource is modified when its definition changed, or when a property refers to a parameter whose
    value changed or to a resource that is replaced (its physical id changes with it).
    """
    old_resources, new_resources = old.get("Resources", {}), new.get("Resources", {})
    changed_names = {name for name in set(old_parameters) | set(new_parameters)
                     if old_parameters.get(name) != new_parameters.get(name)}
    replaced: set[str] = set()
    # A replaced resource changes every property that refers to it, which may replace more: repeat until stable.
    while True:
        modified = {}
        for name, spec in new_resources.items():
            before = old_resources.get(name)
            if before is not None and before["Type"] == spec["Type"]:
                properties = _changed_properties(before, spec, changed_names | replaced)
                if properties:
                    modified[name] = properties
        now_replaced = {name for name, properties in modified.items()
                        if _replaces(new_resources[name]["Type"], properties) == "True"}
        if now_replaced == replaced:
            break
        replaced = now_replaced
    changes = [Change("Add", name, spec["Type"]) for name, spec in new_resources.items()
               if name not in old_resources or old_resources[name]["Type"] != spec["Type"]]
    changes += [Change("Modify", name, new_resources[name]["Type"], _replaces(new_resources[name]["Type"], properties),
                       physical.get(name, "")) for name, properties in modified.items()]
    changes += [Change("Remove", name, spec["Type"], physical_id=physical.get(name, ""))
                for name, spec in old_resources.items()
                if name not in new_resources or new_resources[name]["Type"] != spec["Type"]]
    return changes


def _changed_properties(before: dict[str, Any], after: dict[str, Any], changed_names: set[str]) -> set[str]:
    old_properties, new_properties = before.get("Properties", {}), after.get("Properties", {})
    properties = {key for key in set(old_properties) | set(new_properties)
                  if old_properties.get(key) != new_properties.get(key)
                  or references(new_properties.get(key)) & changed_names}
    # A change outside Properties (DependsOn, policies, Metadata) updates the resource without replacing it.
    if {k: v for k, v in before.items() if k != "Properties"} != {k: v for k, v in after.items() if k != "Properties"}:
        properties.add("")
    return properties


def _replaces(resource_type: str, properties: set[str]) -> str:
    if resource_type not in REPLACING:
        return "Conditional"
    return "True" if properties & REPLACING[resource_type] else "False"
