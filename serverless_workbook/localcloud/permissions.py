"""What a function's role may call, and which deliveries a resource's policy admits, checked as AWS checks them.

moto grants everything. On AWS a handler's call runs as the function's execution role and is refused
unless the role's policies allow the action on that resource; a delivery between services (S3 -> Lambda,
SNS -> SQS, EventBridge -> SQS, ...) happens only when the target's resource-based policy lets the service
principal in, for that source. Here:

- A function's invocation gets credentials of its role (`role_credentials`, an STS session, as Lambda gives
  one). Each call made with them is evaluated against the role's identity policies (inline and attached)
  for its action, the resource it names, and the condition keys the templates use; a refusal answers with
  AWS's error code and message. Calls with any other credentials (the learner's, who administers the
  account) are not checked, as moto does not check them.
- `admitted` is the resource-policy check made before each delivery moto and the gap fillers make (see
  `install`); a delivery it refuses is dropped and reported on stderr, where a learner sees it, as AWS drops it
  and counts it in the source's delivery-failure metric. S3 refuses a notification configuration whose
  destination does not let it in, and Lambda an SQS event source its function's role may not read, as they do.

The evaluation itself is policy_evaluation's; what it does not evaluate refuses. Resources are named for the
services the labs' functions call (DynamoDB, S3, SNS, SQS, Step Functions, Lambda, CloudWatch Logs); a call
to another service is evaluated against "*", which only a policy granting "*" allows.
"""
from __future__ import annotations

import json
import re
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import unquote, urlsplit

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.models import LambdaBackend
from moto.awslambda.utils import get_backend as lambda_backend
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError, _RESTError as XmlRESTError
from moto.events.models import Rule
from moto.iam.models import iam_backends
from moto.s3 import notifications
from moto.s3.exceptions import BucketAccessDeniedError, S3AccessDeniedError, S3ClientError
from moto.s3.models import FakeBucket
from moto.sns.models import Subscription, sns_backends
from moto.sqs.models import sqs_backends
from moto.sts.models import sts_backends

from serverless_workbook.localcloud.policy_evaluation import EXPLICIT_DENY, Decision, Request, decide

PARTITION = "aws"
# AWS's query-protocol services answer with XML; the others used here with JSON.
_XML_ERRORS = {"sns": "AuthorizationError", "iam": "AccessDenied", "sts": "AccessDenied"}


@dataclass(frozen=True)
class _Session:
    role_arn: str
    arn: str  # the assumed-role session ARN a refusal names
    account_id: str


_sessions: dict[str, _Session] = {}  # access key id -> the role session it belongs to
_credentials: dict[tuple[str, str], dict[str, str]] = {}
_lock = threading.Lock()
_original_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action


def role_credentials(role_arn: str, session_name: str, region: str) -> dict[str, str]:
    """Environment variables with credentials of a session of `role_arn`, as Lambda sets them for a handler.

    One session per role and name, kept for the life of the local cloud (moto's sessions do not expire).
    """
    with _lock:
        key = (role_arn, session_name)
        if key not in _credentials:
            account_id = role_arn.split(":")[4]
            session = sts_backends[account_id][PARTITION].assume_role(
                region_name=region, role_session_name=session_name, role_arn=role_arn, policy="",
                duration=43200, external_id="")
            _sessions[session.access_key_id] = _Session(role_arn, session.arn, account_id)
            _credentials[key] = {"AWS_ACCESS_KEY_ID": session.access_key_id,
                                 "AWS_SECRET_ACCESS_KEY": session.secret_access_key,
                                 "AWS_SESSION_TOKEN": session.session_token}
        return _credentials[key]


def identity_policies(role_arn: str) -> list[str]:
    """The policy documents of a role: its inline policies and the managed policies attached to it."""
    account_id, name = role_arn.split(":")[4], role_arn.split("/")[-1]
    iam = iam_backends[account_id][PARTITION]
    try:
        role = iam.get_role(name)
    except Exception:
        return []  # a role that does not exist allows nothing
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents.append(next(v.document for v in policy.versions if v.is_default))
    return documents


def decide_for_role(role_arn: str, request: Request) -> Decision:
    return decide(identity_policies(role_arn), request)


def denial_message(who: str, action: str, resource: str, decision: Decision, policy_kind: str) -> str:
    """The message AWS gives (IAM User Guide, "Troubleshoot access denied error messages")."""
    reason = (f"with an explicit deny in {policy_kind}" if decision.outcome == EXPLICIT_DENY
              else f"because no {policy_kind} allows the {action} action")
    return f"User: {who} is not authorized to perform: {action} on resource: {resource} {reason}"


# ---- calls made with a role's credentials -------------------------------------------------------------------

def refusal(access_key_id: str, action: str, resource: str, context: dict[str, str] | None = None) -> str | None:
    """AWS's message refusing the call, when `access_key_id` is a function's role session whose policies do not
    allow it; None when they do, or when the key is not a role session's. For a gap filler that answers a
    service itself (MediaConvert)."""
    session = _sessions.get(access_key_id)
    if session is None:
        return None
    decision = decide_for_role(session.role_arn, Request(action, resource, context=context or {}))
    return None if decision.allowed else denial_message(session.arn, action, resource, decision,
                                                        "identity-based policy")


def _access_key_id(response: Any) -> str | None:
    authorization = response.headers.get("Authorization") or response.headers.get("authorization") or ""
    found = re.search(r"Credential=([^/]+)/", authorization)
    if found:
        return found.group(1)
    # A presigned URL: signature version 4, or 2 (which boto3 still uses for S3 in us-east-1).
    credential = response.querystring.get("X-Amz-Credential") or response.querystring.get("AWSAccessKeyId")
    return unquote(credential[0]).split("/")[0] if credential else None


def _parameters(response: Any) -> dict[str, Any]:
    params = getattr(response, "params", None)
    if isinstance(params, dict) and params:
        return params
    body = response.body
    if isinstance(body, dict):
        return body
    try:
        data = json.loads(body or "{}")
    except (TypeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    for name, values in response.querystring.items():
        data.setdefault(name, values[0] if isinstance(values, list) and len(values) == 1 else values)
    return data


def _resources(service: str, response: Any, region: str, account_id: str) -> list[str]:
    """The ARNs of the resources a request names, for the services the labs' functions call: each must be allowed
    (a batch names one table per entry)."""
    params = _parameters(response)
    if service == "dynamodb":
        tables = [params["TableName"]] if params.get("TableName") else sorted(params.get("RequestItems") or {})
        if tables:
            return [f"arn:{PARTITION}:dynamodb:{region}:{account_id}:table/{table}" for table in tables]
    if service == "sqs" and params.get("QueueUrl"):
        return [f"arn:{PARTITION}:sqs:{region}:{account_id}:{params['QueueUrl'].rstrip('/').split('/')[-1]}"]
    if service == "sns" and params.get("TopicArn"):
        return [params["TopicArn"]]
    if service == "states" and (params.get("stateMachineArn") or params.get("executionArn")):
        return [params.get("stateMachineArn") or params["executionArn"]]
    if service == "lambda":
        found = re.search(r"/functions/([^/?]+)", unquote(urlsplit(response.uri).path))
        if found:
            name = found.group(1)
            return [name if name.startswith("arn:") else f"arn:{PARTITION}:lambda:{region}:{account_id}:function:{name}"]
    if service == "logs" and params.get("logGroupName"):
        return [f"arn:{PARTITION}:logs:{region}:{account_id}:log-group:{params['logGroupName']}:*"]
    return ["*"]


# Where an operation's IAM action is not named after it (Service Authorization Reference, Lambda:
# https://docs.aws.amazon.com/service-authorization/latest/reference/list_awslambda.html).
_IAM_ACTIONS = {"lambda:Invoke": "lambda:InvokeFunction"}


def _refuse(service: str, message: str, bucket: str | None) -> None:
    if service == "s3":
        raise BucketAccessDeniedError(bucket=bucket) if bucket else S3AccessDeniedError()
    if service in _XML_ERRORS:
        raise XmlRESTError(_XML_ERRORS[service], message)
    raise JsonRESTError("AccessDeniedException", message)


def _authorize(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    key = _access_key_id(self) or ""
    session = _sessions.get(key)
    if session is None:
        return _original_authorize(self, iam_request_cls, resource)
    authorization = self.headers.get("Authorization") or ""
    scope = re.search(r"Credential=[^/]+/\d+/([^/]+)/([^/]+)/", authorization)
    region, service = scope.groups() if scope else (self.region, "s3")
    action = f"{service}:{self._get_action()}"
    action = _IAM_ACTIONS.get(action, action)
    for resource in [resource] if resource != "*" else _resources(service, self, region, session.account_id):
        refused = refusal(key, action, resource)
        if refused:
            _refuse(service, refused, resource.split(":::")[-1].split("/")[0] if service == "s3" else None)


# ---- deliveries between services ------------------------------------------------------------------------------

def _arn_parts(arn: str) -> tuple[str, str, str]:
    """(region, account, the resource's name) of a queue, topic or function ARN."""
    parts = arn.split(":")
    return parts[3], parts[4], parts[6] if parts[2] == "lambda" else parts[5]


def _found(arn: str) -> Any | None:
    """The queue, topic or function an ARN names; None when it is not there (any more)."""
    region, account, name = _arn_parts(arn)
    try:
        if ":sqs:" in arn:
            return sqs_backends[account][region].get_queue(name)
        if ":sns:" in arn:
            return sns_backends[account][region].get_topic(arn)
        if ":lambda:" in arn:
            return lambda_backend(account, region).get_function(name)
    except Exception:
        return None
    raise ValueError(f"no resource policy known for {arn}")


def _resource_policy(arn: str, found: Any) -> str | dict | None:
    """The resource-based policy of a queue, topic or function that is there; None when it has none."""
    if ":lambda:" not in arn:
        return found.policy
    region, account, name = _arn_parts(arn)
    try:
        return json.loads(json.loads(lambda_backend(account, region).get_policy(name))["Policy"])
    except Exception:
        return None  # a function without a policy


_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction"}


def admitted(source: str, principal: str, source_arn: str, source_account: str, target_arn: str,
             report: bool = True) -> bool:
    """Whether the target's resource-based policy lets `principal` deliver to it from `source_arn`; when not,
    and `report`, say so on stderr, where AWS's delivery-failure metrics would show it."""
    action = _ACTIONS[target_arn.split(":")[2]]
    request = Request(action, target_arn, {"Service": principal},
                      {"aws:SourceArn": source_arn, "aws:SourceAccount": source_account})
    found = _found(target_arn)
    if found is None:
        return False  # a destination that is gone gets nothing, and AWS has nothing to say about it
    policy = _resource_policy(target_arn, found)
    decision = decide([policy] if policy else [], request)
    if not decision.allowed and report:
        print(f"[local cloud, as on AWS] {source} did not deliver to {target_arn}: its resource-based policy does "
              f"not allow {principal} to perform {action} for {source_arn} ({decision.outcome}). The message is "
              "dropped.", file=sys.stderr)
    return decision.allowed


_original = {
    "sns": Subscription.publish,
    "s3_lambda": notifications._invoke_awslambda,
    "s3_sqs": notifications._send_sqs_message,
    "s3_sns": notifications._send_sns_message,
    "events_sqs": Rule._send_to_sqs_queue,
    "bucket_notifications": FakeBucket.set_notification_configuration,
    "event_source_mapping": LambdaBackend.create_event_source_mapping,
}
_SNS_TARGETS = {"sqs", "lambda"}


def _sns_publish(self: Subscription, message: str, *args: Any, **kwargs: Any) -> Any:
    if self.protocol in _SNS_TARGETS and not admitted(f"SNS topic {self.topic.arn}", "sns.amazonaws.com",
                                                      self.topic.arn, self.account_id, self.endpoint):
        return None
    return _original["sns"](self, message, *args, **kwargs)


def _bucket_of(event_body: Any) -> str:
    """The bucket an event is from: a record's, or the test event's that S3 sends as a configuration is saved."""
    if "Records" in event_body:
        return event_body["Records"][0]["s3"]["bucket"]["arn"]
    return f"arn:{PARTITION}:s3:::{event_body['Bucket']}"


def _from_s3(original: Callable[[str, Any, str, str], None],
             destination_arn: Callable[[str, str, str], str]) -> Callable[[str, Any, str, str], None]:
    """moto's delivery of an S3 event to a function, queue or topic, made only when the destination admits S3."""
    def deliver(account_id: str, event_body: Any, destination: str, region_name: str) -> None:
        bucket = _bucket_of(event_body)
        if admitted(f"S3 bucket {bucket}", "s3.amazonaws.com", bucket, account_id,
                    destination_arn(account_id, destination, region_name)):
            original(account_id, event_body, destination, region_name)
    return deliver


_s3_to_lambda = _from_s3(_original["s3_lambda"], lambda account, arn, region: arn)
_s3_to_sqs = _from_s3(_original["s3_sqs"],
                      lambda account, queue, region: f"arn:{PARTITION}:sqs:{region}:{account}:{queue}")
_s3_to_sns = _from_s3(_original["s3_sns"], lambda account, arn, region: arn)


def _events_to_sqs(self: Rule, resource_id: str, event: dict[str, Any], group_id: str | None = None) -> None:
    queue = f"arn:{PARTITION}:sqs:{self.region_name}:{self.account_id}:{resource_id}"
    if admitted(f"EventBridge rule {self.arn}", "events.amazonaws.com", self.arn, self.account_id, queue):
        _original["events_sqs"](self, resource_id, event, group_id)


class DestinationNotValidated(S3ClientError):
    def __init__(self, destinations: list[str]) -> None:
        super().__init__("InvalidArgument", "Unable to validate the following destination configurations: "
                         + ", ".join(destinations))


def _set_notification_configuration(self: FakeBucket, notification_config: dict[str, Any] | None) -> None:
    """S3 checks, as it saves a configuration, that it may deliver to every destination (S3 User Guide,
    "Granting permissions to publish event notification messages to a destination":
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html)."""
    before = self.notification_configuration
    _original["bucket_notifications"](self, notification_config)
    configured = self.notification_configuration
    destinations = [d.arn for kind in ("cloud_function", "queue", "topic")
                    for d in (getattr(configured, kind) if configured else [])]
    refused = [arn for arn in destinations if not admitted("S3", "s3.amazonaws.com", f"arn:{PARTITION}:s3:::{self.name}",
                                                           self.account_id, arn, report=False)]
    if refused:
        self.notification_configuration = before
        raise DestinationNotValidated(refused)


# What Lambda's SQS poller calls with the function's role (Lambda Developer Guide, "Execution role
# permissions": https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions).
SQS_POLLER_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")


def _create_event_source_mapping(self: LambdaBackend, spec: dict[str, Any]) -> Any:
    """Lambda refuses an SQS mapping whose function's role may not read and delete the queue's messages."""
    source, function = spec.get("EventSourceArn") or "", spec.get("FunctionName")
    if source.split(":")[2:3] == ["sqs"] and function:
        role = self._lambdas.get_function_by_name_or_arn_with_qualifier(function).role
        for action in SQS_POLLER_ACTIONS:
            if not decide_for_role(role, Request(action, source)).allowed:
                raise InvalidParameterValueException(
                    f"The function execution role does not have permissions to call {action.split(':')[1]} on SQS")
    return _original["event_source_mapping"](self, spec)


def install() -> None:
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize
    Subscription.publish = _sns_publish
    notifications._invoke_awslambda = _s3_to_lambda
    notifications._send_sqs_message = _s3_to_sqs
    notifications._send_sns_message = _s3_to_sns
    Rule._send_to_sqs_queue = _events_to_sqs
    FakeBucket.set_notification_configuration = _set_notification_configuration
    LambdaBackend.create_event_source_mapping = _create_event_source_mapping


def uninstall() -> None:
    with _lock:
        _sessions.clear()
        _credentials.clear()
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _original_authorize
    Subscription.publish = _original["sns"]
    notifications._invoke_awslambda = _original["s3_lambda"]
    notifications._send_sqs_message = _original["s3_sqs"]
    notifications._send_sns_message = _original["s3_sns"]
    Rule._send_to_sqs_queue = _original["events_sqs"]
    FakeBucket.set_notification_configuration = _original["bucket_notifications"]
    LambdaBackend.create_event_source_mapping = _original["event_source_mapping"]
