"""Step Functions state machines that run, whether created by the API or by a template.

moto 5.2.5 runs its ASL interpreter only with the config
``{"stepfunctions": {"execute_state_machine": True}}``, and then answers the API
from a second backend; its CloudFormation model still creates state machines in
the first one, where StartExecution never finds them. We switch the interpreter
on and register a model that creates them in the backend the API answers from.
In server mode the interpreter's own clients call ``localhost:$MOTO_PORT``, so
MOTO_PORT must name the server's real port. And an execution started without a
name is named "None", so the second one fails with ExecutionAlreadyExists;
AWS names it with a UUID. A state that fails is recorded in the execution's
history, as on AWS; moto's interpreter also logs it as an error of the process
(with request ids and temporary paths), which we silence while installed.
"""
from __future__ import annotations

import json
import logging
import os
import re
import uuid
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

from moto.cloudformation import parsing
from moto.core.config import default_user_config
from moto.stepfunctions.models import StateMachine
from moto.stepfunctions.parser.asl.component import eval_component
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import get_backend
from moto.stepfunctions.utils import cfn_to_api_tags

_patches: list[Any] = []
_original_start_execution = StepFunctionsParserBackend.start_execution


def _start_named_execution(self: StepFunctionsParserBackend, state_machine_arn: str, name: str | None = None,
                           *args: Any, **kwargs: Any) -> Any:
    return _original_start_execution(self, state_machine_arn, name or str(uuid.uuid4()), *args, **kwargs)


class ExecutableStateMachine(StateMachine):
    """AWS::StepFunctions::StateMachine, created where StartExecution looks for it."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> StateMachine:
        properties = cloudformation_json["Properties"]
        return get_backend(account_id, region_name).create_state_machine(
            properties.get("StateMachineName", resource_name), definition(properties), properties["RoleArn"],
            tags=cfn_to_api_tags(properties.get("Tags", [])),
            sm_type=properties.get("StateMachineType"),
        )

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str) -> None:
        get_backend(account_id, region_name).delete_state_machine(resource_name)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, new_resource_name: str,
                                        cloudformation_json: dict[str, Any], account_id: str,
                                        region_name: str) -> StateMachine:
        properties = cloudformation_json["Properties"]
        return get_backend(account_id, region_name).update_state_machine(
            original_resource.arn, definition=definition(properties), role_arn=properties["RoleArn"])


def definition(properties: dict[str, Any]) -> str:
    """The ASL document from DefinitionString, or from Definition with its DefinitionSubstitutions applied."""
    if "DefinitionString" in properties:
        text = properties["DefinitionString"]
    elif "Definition" in properties:
        text = json.dumps(properties["Definition"])
    else:
        raise ValueError("AWS::StepFunctions::StateMachine needs Definition or DefinitionString "
                         "(DefinitionS3Location is not supported by the local cloud)")
    substitutions = properties.get("DefinitionSubstitutions", {})
    missing = set(re.findall(r"\$\{(\w+)\}", text)) - set(substitutions)
    if missing:
        raise ValueError(f"The state machine definition uses ${{{sorted(missing)[0]}}}, "
                         "which DefinitionSubstitutions does not define")
    return re.sub(r"\$\{(\w+)\}", lambda match: str(substitutions[match.group(1)]), text)


def install(endpoint_url: str | None = None) -> None:
    """Switch the interpreter on (until uninstall) and register the model in moto's type map."""
    settings = {**default_user_config.get("stepfunctions", {}), "execute_state_machine": True}
    patches = [mock.patch.dict(default_user_config, {"stepfunctions": settings}),
               mock.patch.object(StepFunctionsParserBackend, "start_execution", _start_named_execution),
               mock.patch.object(logging.getLogger(eval_component.__name__), "disabled", True)]
    if endpoint_url:
        patches.append(mock.patch.dict(os.environ, {"MOTO_PORT": str(urlsplit(endpoint_url).port)}))
    for patch in patches:
        patch.start()
        _patches.append(patch)
    parsing.get_model_map()[ExecutableStateMachine.cloudformation_type()] = ExecutableStateMachine


def uninstall() -> None:
    while _patches:
        _patches.pop().stop()
