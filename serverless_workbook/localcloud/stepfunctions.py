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

The interpreter calls Lambda and the other services with made-up credentials, so a state machine could call
anything. AWS makes those calls as the state machine's role (or the role a state's Credentials names): here
they are made with credentials of a session of that role, and checked against its policies like a function's
(permissions), so a role that may not invoke a function stops the execution with AccessDenied, as on AWS.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sys
import threading
import uuid
from typing import Any

import boto3
from unittest import mock
from urllib.parse import urlsplit

from moto.cloudformation import parsing
from moto.core.config import default_user_config
from moto.stepfunctions.models import StateMachine
from botocore.exceptions import ClientError
from moto.stepfunctions.parser.api import HistoryEventType, LambdaFunctionFailedEventDetails
from moto.stepfunctions.parser.asl.component import eval_component
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import CustomErrorName
from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
from moto.stepfunctions.parser.asl.component.state.exec.state_task.state_task_lambda import StateTaskLambda
from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails
from moto.stepfunctions.parser.asl.utils import boto_client
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import get_backend
from moto.stepfunctions.utils import cfn_to_api_tags

from serverless_workbook.localcloud import permissions

_patches: list[Any] = []
_original_start_execution = StepFunctionsParserBackend.start_execution
_original_lambda_error = StateTaskLambda._from_error
_original_client = boto_client.boto_client_for
_role_clients: dict[tuple[str, str, str], Any] = {}  # (region, service, role ARN) -> a client with its credentials
_lock = threading.Lock()


def _client_as_role(region: str, service: str, state_credentials: Any = None) -> Any:
    """The interpreter's client for a state's call, with credentials of the role the state runs as."""
    role_arn = getattr(state_credentials, "role_arn", None)
    if not role_arn:
        return _original_client(region, service, state_credentials)
    with _lock:
        key = (region, service, role_arn)
        if key not in _role_clients:
            made = _original_client(region, service, state_credentials)  # its endpoint and configuration
            credentials = permissions.role_credentials(role_arn, "states-execution", region)
            _role_clients[key] = boto3.client(
                service, region_name=region, endpoint_url=made.meta.endpoint_url, config=made.meta.config,
                aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
                aws_session_token=credentials["AWS_SESSION_TOKEN"])
        return _role_clients[key]


def _interpreter_modules() -> list[Any]:
    """The interpreter's modules that took moto's client factory by name."""
    return [module for name, module in list(sys.modules.items())
            if name.startswith("moto.stepfunctions.parser") and getattr(module, "boto_client_for", None) is _original_client]


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


# The errors of a Lambda task that Step Functions names after Lambda's own (a Retry matches them by name); any
# other refusal by Lambda (AccessDenied, a missing function) is Lambda.AWSLambdaException.
_NAMED_LAMBDA_ERRORS = {"TooManyRequestsException", "ServiceException", "SdkClientException",
                        "ClientExecutionTimeoutException"}


def _lambda_error_named(self: StateTaskLambda, env: Any, ex: Exception) -> FailureEvent:
    """A Lambda task that Lambda itself refused fails with the name Step Functions gives it,
    Lambda.TooManyRequestsException for a throttled one, which a Retry matches; moto's interpreter calls every
    such error "Exception" (Step Functions Developer Guide, "Handling errors in Step Functions workflows":
    https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html)."""
    if not isinstance(ex, ClientError):
        return _original_lambda_error(self, env, ex)
    code = ex.response["Error"]["Code"]
    name = f"Lambda.{code if code in _NAMED_LAMBDA_ERRORS else 'AWSLambdaException'}"
    status = ex.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    cause = f"{ex.response['Error']['Message']} (Service: AWSLambda; Status Code: {status}; Error Code: {code})"
    return FailureEvent(env=env, error_name=CustomErrorName(name), event_type=HistoryEventType.LambdaFunctionFailed,
                        event_details=EventDetails(lambdaFunctionFailedEventDetails=LambdaFunctionFailedEventDetails(
                            error=name, cause=cause)))


def install(endpoint_url: str | None = None) -> None:
    """Switch the interpreter on (until uninstall) and register the model in moto's type map."""
    settings = {**default_user_config.get("stepfunctions", {}), "execute_state_machine": True}
    patches = [mock.patch.dict(default_user_config, {"stepfunctions": settings}),
               mock.patch.object(StepFunctionsParserBackend, "start_execution", _start_named_execution),
               mock.patch.object(StateTaskLambda, "_from_error", _lambda_error_named),
               mock.patch.object(logging.getLogger(eval_component.__name__), "disabled", True)]
    patches += [mock.patch.object(module, "boto_client_for", _client_as_role) for module in _interpreter_modules()]
    if endpoint_url:
        patches.append(mock.patch.dict(os.environ, {"MOTO_PORT": str(urlsplit(endpoint_url).port)}))
    for patch in patches:
        patch.start()
        _patches.append(patch)
    parsing.get_model_map()[ExecutableStateMachine.cloudformation_type()] = ExecutableStateMachine


def uninstall() -> None:
    while _patches:
        _patches.pop().stop()
    with _lock:
        _role_clients.clear()
