"""The in-process Lambda runtime: every trigger path runs the real handler, as AWS reports it."""
import base64
import io
import json
import math
import os
import sys
import threading
import time
import zipfile

import pytest

from serverless_workbook.cloud import function_logs, trial_functions
from serverless_workbook.common import media, process_environment
from serverless_workbook.localcloud import delays, lambda_runtime, sqs_poller
from roles import function_role

HANDLER = '''
import json, logging, os, time
logger = logging.getLogger()
logger.setLevel(logging.INFO)

def handler(event, context):
    print("printed", json.dumps(event, sort_keys=True))
    logger.info("logged via logging")
    if event.get("raise"):
        raise ValueError("the handler failed on purpose")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    return {
        "greeting": os.environ["GREETING"],
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "memory": context.memory_limit_in_mb,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "records": len(event.get("Records", [])),
    }
'''


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def function(target):
    role = function_role(target, "runner-test")
    trial_functions.create_function(
        target.client("lambda"), FunctionName="runner-test", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped(HANDLER)}, Timeout=2, MemorySize=256,
        Environment={"Variables": {"GREETING": "hello from the function"}},
    )
    return "runner-test"


def invoke(target, function, event):
    response = target.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event), LogType="Tail")
    return response, json.loads(response["Payload"].read())


def log_messages(target, function):
    return [event["message"] for event in function_logs.events(target, function)]


def test_self_test_passes_on_the_pinned_moto():
    lambda_runtime.self_test()


def test_self_test_fails_loudly_when_the_patched_method_is_gone(monkeypatch):
    monkeypatch.setattr(lambda_runtime, "_original_invoke", None)
    with pytest.raises(lambda_runtime.RuntimePatchError, match="_invoke_lambda is gone"):
        lambda_runtime.self_test()


def test_self_test_fails_loudly_when_the_signature_changes(monkeypatch):
    monkeypatch.setattr(lambda_runtime, "_original_invoke", lambda self, event, context: None)
    with pytest.raises(lambda_runtime.RuntimePatchError, match="no longer takes"):
        lambda_runtime.self_test()


def test_direct_invoke_runs_the_handler_with_its_environment_and_context(target, function):
    response, payload = invoke(target, function, {"hello": "world"})
    assert "FunctionError" not in response
    assert payload["greeting"] == "hello from the function"
    assert payload["function_name"] == function
    assert payload["memory"] == 256
    assert 0 < payload["remaining_ms"] <= 2000
    assert len(payload["request_id"]) == 36


def test_environment_is_restored_after_the_call(target, function):
    invoke(target, function, {})
    assert "GREETING" not in os.environ


def test_stdout_and_logging_go_to_the_log_group(target, function):
    response, payload = invoke(target, function, {"marker": "log-check"})
    tail = base64.b64decode(response["LogResult"]).decode()
    assert 'printed {"marker": "log-check"}' in tail
    messages = log_messages(target, function)
    assert 'printed {"marker": "log-check"}' in messages
    assert any("logged via logging" in m for m in messages)
    assert any(m.startswith(f"START RequestId: {payload['request_id']}") for m in messages)


def test_a_raising_handler_is_reported_as_an_unhandled_function_error(target, function):
    response, payload = invoke(target, function, {"raise": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "the handler failed on purpose"
    assert any("app.py" in frame for frame in payload["stackTrace"])
    messages = log_messages(target, function)
    assert "[ERROR] ValueError: the handler failed on purpose" in messages
    assert "Traceback (most recent call last):" in messages


def test_a_handler_past_its_timeout_is_reported_as_timed_out(target, function):
    response, payload = invoke(target, function, {"sleep": 3})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert payload["errorMessage"].endswith("Task timed out after 2.00 seconds")
    assert any(m.endswith("Task timed out after 2.00 seconds") for m in log_messages(target, function))
    # The runtime is still usable afterwards.
    assert invoke(target, function, {})[1]["greeting"] == "hello from the function"


def test_an_sqs_event_source_mapping_runs_the_handler(target, function):
    sqs = target.client("sqs")
    queue_url = sqs.create_queue(QueueName="runner-test")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # What Lambda's poller needs of the function's role, or it refuses the mapping (as on AWS).
    target.client("iam").put_role_policy(RoleName="runner-test", PolicyName="poll", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": queue_arn,
                                                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage",
                                                           "sqs:GetQueueAttributes"]}]}))
    target.client("lambda").create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function)
    sqs.send_message(QueueUrl=queue_url, MessageBody="via-sqs-mapping")
    sqs_poller.wait_delivered()  # Lambda's poller delivers it, not the SendMessage call
    assert any('"body": "via-sqs-mapping"' in m for m in log_messages(target, function))


def test_an_sns_subscription_runs_the_handler(target, function):
    sns = target.client("sns")
    topic = sns.create_topic(Name="runner-test")["TopicArn"]
    function_arn = target.client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    # As on AWS, the topic may invoke the function only once the function's policy lets it.
    target.client("lambda").add_permission(FunctionName=function, StatementId="sns", Action="lambda:InvokeFunction",
                                           Principal="sns.amazonaws.com", SourceArn=topic)
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn)
    sns.publish(TopicArn=topic, Message="via-sns")
    assert any('"Message": "via-sns"' in m for m in log_messages(target, function))


def test_an_s3_notification_runs_the_handler_with_an_encoded_key(target, function):
    s3 = target.client("s3")
    s3.create_bucket(Bucket="runner-test-bucket")
    function_arn = target.client("lambda").get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    target.client("lambda").add_permission(FunctionName=function, StatementId="s3", Action="lambda:InvokeFunction",
                                           Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::runner-test-bucket")
    s3.put_bucket_notification_configuration(
        Bucket="runner-test-bucket",
        NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": function_arn, "Events": ["s3:ObjectCreated:*"]}]},
    )
    time.sleep(delays.NOTIFICATION_CONFIGURATION.seconds())  # S3 applies a new configuration after a delay
    s3.put_object(Bucket="runner-test-bucket", Key="dir/a b.txt", Body=b"x")
    # S3 URL-encodes keys in events, slash included.
    assert any('"key": "dir%2Fa+b.txt"' in m for m in log_messages(target, function))


def test_a_result_that_is_not_json_is_a_marshal_error(target):
    role = function_role(target, "marshal-test")
    trial_functions.create_function(
        target.client("lambda"), FunctionName="marshal-test", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped("def handler(event, context):\n    return {1, 2}\n")},
    )
    response, payload = invoke(target, "marshal-test", {})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.MarshalError"


def test_the_kernels_calls_on_stdout_reach_it_while_a_handler_runs_in_another_thread():
    class KernelStream(io.StringIO):
        parent = None

        def set_parent(self, parent):
            self.parent = parent

    kernel_stream = KernelStream()
    started, finish = threading.Event(), threading.Event()

    def handler_thread():
        with lambda_runtime._process_state({}, "/nonexistent"):
            started.set()
            finish.wait(5)

    saved = sys.stdout
    sys.stdout = kernel_stream
    worker = threading.Thread(target=handler_thread)
    try:
        worker.start()
        assert started.wait(5)
        # What ipykernel does when the next cell starts, with the stand-in in place.
        assert hasattr(sys.stdout, "set_parent")
        sys.stdout.set_parent({"msg_id": "next cell"})
        print("printed by the next cell")
    finally:
        finish.set()
        worker.join()
        sys.stdout = saved
    assert kernel_stream.parent == {"msg_id": "next cell"}
    assert kernel_stream.getvalue() == "printed by the next cell\n"


def test_processes_start_only_while_no_handler_environment_is_being_changed(tmp_path):
    """A process started while another thread rewrites os.environ can fail with "[Errno 14] Bad address"."""
    probed, entered = threading.Event(), threading.Event()

    def start_ffmpeg():
        with pytest.raises(media.NotAVideo):
            media.probe(tmp_path / "missing.mp4")
        probed.set()

    def apply_a_handlers_environment():
        with lambda_runtime._process_state({"WORKBOOK_TEST": "1"}, str(tmp_path)):
            entered.set()

    threads = [threading.Thread(target=start_ffmpeg), threading.Thread(target=apply_a_handlers_environment)]
    with process_environment.lock:
        for thread in threads:
            thread.start()
        assert not probed.wait(0.5) and not entered.is_set(), "both must wait for the lock"
    assert probed.wait(10) and entered.wait(10)
    for thread in threads:
        thread.join()


def test_the_environment_is_restored_key_by_key_never_emptied():
    """A thread that copies os.environ while a handler's environment is taken back (the kernel making a client
    while an SQS poller delivers) must never find a key of its own gone."""
    class Watched(dict):
        def clear(self):
            raise AssertionError("the environment was emptied")

        def __delitem__(self, key):
            deleted.append(key)
            super().__delitem__(key)

    deleted = []
    environ = Watched(HOME="/root", AWS_REGION="us-east-1", AWS_LAMBDA_FUNCTION_NAME="f", CHANGED="handler's")
    lambda_runtime._restore_environment({"HOME": "/root", "AWS_REGION": "us-east-1", "CHANGED": "kernel's"}, environ)
    assert environ == {"HOME": "/root", "AWS_REGION": "us-east-1", "CHANGED": "kernel's"}
    assert deleted == ["AWS_LAMBDA_FUNCTION_NAME"]


def test_a_slow_import_is_the_init_phase_and_does_not_count_against_the_timeout(target):
    role = function_role(target, "slow-init")
    trial_functions.create_function(
        target.client("lambda"), FunctionName="slow-init", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped("import time\ntime.sleep(1.5)\n\n\ndef handler(event, context):\n"
                                "    return context.get_remaining_time_in_millis() > 500\n")}, Timeout=1)
    response, payload = invoke(target, "slow-init", {})
    assert "FunctionError" not in response and payload is True


def report_fields(log: str) -> dict[str, str]:
    """The REPORT line's fields, by name."""
    line = next(line for line in log.splitlines() if line.startswith("REPORT "))
    return dict(field.split(": ", 1) for field in line.split("\t") if ": " in field)


def test_the_report_line_separates_a_cold_starts_init_from_the_duration_and_bills_both(target):
    role = function_role(target, "report-init")
    trial_functions.create_function(
        target.client("lambda"), FunctionName="report-init", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped("import time\ntime.sleep(0.3)\n\n\ndef handler(event, context):\n"
                                "    time.sleep(0.1)\n")}, Timeout=3, MemorySize=256)
    cold, warm = (target.client("lambda").invoke(FunctionName="report-init", LogType="Tail") for _ in range(2))
    cold, warm = (report_fields(base64.b64decode(reply["LogResult"]).decode()) for reply in (cold, warm))
    init, duration = float(cold["Init Duration"].removesuffix(" ms")), float(cold["Duration"].removesuffix(" ms"))
    assert 300 <= init < 1000 and 100 <= duration < 300, cold
    assert int(cold["Billed Duration"].removesuffix(" ms")) == math.ceil(init + duration)
    assert cold["Memory Size"] == "256 MB"
    assert "Init Duration" not in warm and 100 <= float(warm["Duration"].removesuffix(" ms")) < 300, warm


def test_a_configuration_change_starts_the_next_request_cold(target):
    role = function_role(target, "config-change")
    trial_functions.create_function(
        target.client("lambda"), FunctionName="config-change", Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped("import os\nCALLS = []\n\n\ndef handler(event, context):\n"
                                "    CALLS.append(1)\n    return [len(CALLS), os.environ.get('MODE')]\n")})
    lam = target.client("lambda")
    assert [invoke(target, "config-change", {})[1] for _ in range(2)] == [[1, None], [2, None]]
    lam.update_function_configuration(FunctionName="config-change", Environment={"Variables": {"MODE": "new"}})
    reply = lam.invoke(FunctionName="config-change", LogType="Tail")
    assert json.loads(reply["Payload"].read()) == [1, "new"]
    assert "Init Duration" in base64.b64decode(reply["LogResult"]).decode()
