"""Reserved concurrency on the local cloud: a synchronous invocation beyond it is refused, an asynchronous one
waits for room, and a state machine's Retry sees Lambda's name for the refusal. And the payload quotas."""
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from serverless_workbook.cloud import function_logs, trial_functions
from serverless_workbook.localcloud import lambda_concurrency
from test_localcloud_lambda import zipped
from roles import function_role

SLOW = "import time\n\n\ndef handler(event, context):\n    print('RAN', event.get('n'))\n    time.sleep(event.get('sleep', 0))\n" \
       "    return event.get('n')\n"


def slow_function(target, name, reserved):
    trial_functions.create_function(
        target.client("lambda"), FunctionName=name, Runtime="python3.12", Role=function_role(target, name),
        Handler="app.handler", Code={"ZipFile": zipped(SLOW)}, Timeout=10)
    if reserved is not None:
        target.client("lambda").put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    return name


def ran(target, name):
    return sorted(line.split()[1] for event in function_logs.events(target, name)
                  for line in event["message"].splitlines() if line.startswith("RAN"))


def test_a_synchronous_invocation_beyond_the_reserved_concurrency_is_throttled(target):
    name = slow_function(target, "throttled-sync", reserved=1)
    # botocore retries a throttled call by itself (on AWS too): one attempt shows Lambda's answer.
    lambda_ = target.client("lambda", config=Config(retries={"total_max_attempts": 1}))

    def invoke(n):
        try:
            return json.loads(lambda_.invoke(FunctionName=name, Payload=json.dumps({"n": n, "sleep": 0.5}))["Payload"].read())
        except ClientError as error:
            return error.response["Error"]["Code"], error.response.get("Reason"), error.response["ResponseMetadata"][
                "HTTPStatusCode"]

    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(invoke, 1)
        time.sleep(0.2)  # the first is running
        second = pool.submit(invoke, 2)
        answers = [first.result(), second.result()]
    assert answers == [1, ("TooManyRequestsException", "ReservedFunctionConcurrentInvocationLimitExceeded", 429)]
    assert invoke(3) == 3  # room again once the first ended


def test_an_asynchronous_invocation_waits_for_room_and_the_local_cloud_is_not_idle_meanwhile(target):
    name = slow_function(target, "throttled-async", reserved=0)
    lambda_ = target.client("lambda")
    reply = lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"n": 7}))
    assert reply["StatusCode"] == 202
    time.sleep(0.5)
    assert lambda_concurrency.waiting_events() == 1 and not target.is_idle()
    assert ran(target, name) == []
    lambda_.delete_function_concurrency(FunctionName=name)
    deadline = time.monotonic() + 10
    while lambda_concurrency.waiting_events() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ran(target, name) == ["7"] and target.is_idle()


@pytest.mark.parametrize("retried", [False, True], ids=["without a Retry", "with a Retry"])
def test_a_throttled_lambda_task_fails_with_lambdas_name_for_it_which_a_retry_matches(concurrent_target, retried):
    target = concurrent_target
    name = slow_function(target, f"throttled-map-{retried}", reserved=1)
    arn = target.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    task = {"Type": "Task", "Resource": arn, "End": True}
    if retried:
        task["Retry"] = [{"ErrorEquals": ["Lambda.TooManyRequestsException"], "IntervalSeconds": 1,
                          "MaxAttempts": 10, "BackoffRate": 1}]
    definition = {"StartAt": "Each", "States": {"Each": {
        "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 3, "End": True,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Work", "States": {"Work": task}}}}}
    iam = target.client("iam")
    role = iam.create_role(RoleName=f"throttled-machine-{retried}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName=f"throttled-machine-{retried}", PolicyName="invoke", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": arn}]}))
    sfn = target.client("stepfunctions")
    machine = sfn.create_state_machine(name=f"throttled-{retried}", definition=json.dumps(definition),
                                       roleArn=role)["stateMachineArn"]
    items = [{"n": n, "sleep": 0.5} for n in range(3)]
    execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps({"items": items}))["executionArn"]
    deadline = time.monotonic() + 60
    while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.2)
    if retried:
        assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == [0, 1, 2]
    else:
        assert described["status"] == "FAILED" and described.get("error") == "Lambda.TooManyRequestsException"


@pytest.mark.parametrize("invocation, quota", [("RequestResponse", 6 * 1024 * 1024), ("Event", 1024 * 1024)])
def test_an_invoke_over_its_payload_quota_is_refused(target, invocation, quota):
    name = slow_function(target, f"payload-{invocation.lower()}", reserved=None)
    lambda_ = target.client("lambda")

    def invoke(size):
        padding = "x" * (size - len(json.dumps({"n": 1, "pad": ""})))
        return lambda_.invoke(FunctionName=name, InvocationType=invocation, Payload=json.dumps({"n": 1, "pad": padding}))

    assert invoke(quota)["StatusCode"] in (200, 202)
    with pytest.raises(ClientError) as refused:
        invoke(quota + 1)
    assert refused.value.response["Error"]["Code"] == "RequestTooLargeException"
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_a_reservation_must_leave_the_account_100_unreserved(target):
    lam = target.client("lambda")
    name = slow_function(target, "reserve-most", None)
    reserved_elsewhere = sum(lam.get_function_concurrency(FunctionName=f["FunctionName"]).get(
        "ReservedConcurrentExecutions", 0) for f in lam.list_functions()["Functions"] if f["FunctionName"] != name)
    most = lambda_concurrency.ACCOUNT_CONCURRENCY - 100 - reserved_elsewhere
    with pytest.raises(lam.exceptions.InvalidParameterValueException, match="below its minimum value of \\[100\\]"):
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=most + 1)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=most)
    lam.delete_function(FunctionName=name)
