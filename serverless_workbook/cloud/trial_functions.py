"""Throwaway Lambda functions that run one handler folder for a check, then disappear.

A check tries the learner's handler as a real function (real role, real invoke, real logs) on the
target, through trial_function. Its functions and roles are named lab-trial-* and tagged, so the
clean-up (cloud.cleanup) finds them even when a check was interrupted.
"""
from __future__ import annotations

import base64
import contextlib
import itertools
import json
import posixpath
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from serverless_workbook.cloud import resources
from serverless_workbook.cloud.artifacts import zip_folder
from serverless_workbook.cloud.stacks import TAG_KEY
from serverless_workbook.models import costs

# Throwaway functions are named, and tagged, so that the clean-up finds them even when a check was interrupted.
TRIAL_PREFIX = "lab-trial-"
TRIAL_TAG = "lab-trial"
# IAM is eventually consistent: for some seconds after CreateRole, Lambda may not yet be able to assume the role,
# and CreateFunction fails with InvalidParameterValueException "The role defined for the function cannot be
# assumed by Lambda" (IAM User Guide, "Changes that I make are not always immediately visible":
# https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
# The call is repeated for a bounded time, soon at first (the local cloud's delay is short) and then every few
# seconds; any other error, or the same one after that, is raised.
ROLE_PROPAGATION_S = 60
ROLE_RETRY_S = (0.15, 0.5, 1, 2, 3)


def _logs_policy(target: Any, name: str) -> str:
    """What AWSLambdaBasicExecutionRole grants (moto does not load AWS managed policies), for this function's
    log group only."""
    group = f"arn:aws:logs:{target.region}:{target.account_id}:log-group:/aws/lambda/{name}"
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": group},
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": f"{group}:*"}]})


def create_function(lam: Any, wait_s: float = ROLE_PROPAGATION_S, sleep: Any = time.sleep,
                    **parameters: Any) -> dict[str, Any]:
    """lam.create_function(**parameters), repeated while its new role is not yet assumable (up to wait_s)."""
    deadline = time.monotonic() + wait_s
    for attempt in itertools.count():
        try:
            return lam.create_function(**parameters)
        except lam.exceptions.InvalidParameterValueException as error:
            if "cannot be assumed by Lambda" not in str(error) or time.monotonic() >= deadline:
                raise
            sleep(ROLE_RETRY_S[min(attempt, len(ROLE_RETRY_S) - 1)])


@contextlib.contextmanager
def trial_function(target: Any, folder: Path, environment: dict[str, str], timeout: int = 30,
                   handler: str = "app.handler", memory_mb: int = 128,
                   grants: Sequence[dict[str, Any]] = ()) -> Iterator[Any]:
    """Deploy a handler folder as a throwaway Lambda function; yield invoke(event) -> (payload, error, log).

    Its role may write its logs and do what the policy statements in `grants` allow, nothing else: give it
    what the function's role in the lab's template grants, so a handler that needs more fails here as there.
    """
    iam, lam = target.client("iam"), target.client("lambda")
    name = f"{TRIAL_PREFIX}{folder.name.replace('_', '-')}"
    costs.require_confirmation(target, name)
    # A check interrupted before its clean-up leaves these behind; running it again starts afresh.
    with contextlib.suppress(lam.exceptions.ResourceNotFoundException):
        lam.delete_function(FunctionName=name)
    role_arn = f"arn:aws:iam::{target.account_id}:role/{name}"
    delete_role = resources.deleter(role_arn)
    if resources.exists(target, role_arn):
        delete_role(target, role_arn)
    role = iam.create_role(RoleName=name, Tags=[{"Key": TAG_KEY, "Value": TRIAL_TAG}],
                           AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }))["Role"]["Arn"]
    # Without it, AWS runs the function but drops its logs, and the checks read the logs.
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=_logs_policy(target, name))
    if grants:
        iam.put_role_policy(RoleName=name, PolicyName="grants",
                            PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(grants)}))
    try:
        create_function(lam, FunctionName=name, Runtime="python3.12", Handler=handler, Role=role,
                        Code={"ZipFile": zip_folder(folder)}, Timeout=timeout, MemorySize=memory_mb,
                        Tags={TAG_KEY: TRIAL_TAG},
                        Environment={"Variables": environment})
        try:
            yield lambda event: _invoke(lam, name, event)
        finally:
            lam.delete_function(FunctionName=name)
            with contextlib.suppress(target.client("logs").exceptions.ResourceNotFoundException):
                target.client("logs").delete_log_group(logGroupName=f"/aws/lambda/{name}")
    finally:
        delete_role(target, role)


@dataclass(frozen=True)
class Invocation:
    payload: Any
    error: str | None
    log: str


def _invoke(lam: Any, name: str, event: dict[str, Any]) -> Invocation:
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    payload = json.loads(response["Payload"].read() or b"null")
    log = base64.b64decode(response.get("LogResult", "")).decode(errors="replace")
    error = None
    if response.get("FunctionError"):
        error = f"{payload.get('errorType')}: {payload.get('errorMessage')}"
        # The handler's own line, so a learner sees where their code failed (a timeout has no stack).
        where = _LAST_FRAME.search((payload.get("stackTrace") or [""])[-1])
        if where:
            error += f" (at {posixpath.basename(where['file'])}, line {where['line']}: {where['code'].strip()})"
    return Invocation(payload, error, log)


# A stackTrace entry as the Python runtime formats it: '  File "/var/task/app.py", line 9, in handler\n    code\n'.
_LAST_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+), in [^\n]*\n(?P<code>[^\n]*)')
