"""Concurrent invocations on the local cloud: sandbox processes that overlap in time and share nothing."""
import base64
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from serverless_workbook.cloud import trial_functions
from serverless_workbook.cloud.target import TargetError, connect
from test_localcloud_lambda import report_fields, zipped
from roles import function_role

HANDLER = '''
import os, time
CALLS = 0

def handler(event, context):
    global CALLS
    CALLS += 1
    started = time.time()
    print("token", event["token"])
    leaked = os.environ.get("LEAK")
    os.environ["LEAK"] = event["token"]
    time.sleep(event.get("sleep", 0))
    return {"started": started, "ended": time.time(), "pid": os.getpid(), "calls": CALLS,
            "greeting": os.environ["GREETING"], "leaked": leaked, "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
            "cpus": sorted(os.sched_getaffinity(0))}
'''


def create_function(target, name, greeting, timeout=10, memory=128):
    role = function_role(target, name)
    trial_functions.create_function(
        target.client("lambda"), FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
        Code={"ZipFile": zipped(HANDLER)}, Timeout=timeout, MemorySize=memory,
        Environment={"Variables": {"GREETING": greeting}},
    )
    return name


@pytest.fixture(scope="module")
def target(concurrent_target):
    return concurrent_target


@pytest.fixture(scope="module")
def functions(target):
    return create_function(target, "parallel-a", "from a"), create_function(target, "parallel-b", "from b")


def invoke(target, function, event):
    response = target.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event), LogType="Tail")
    return json.loads(response["Payload"].read()), base64.b64decode(response["LogResult"]).decode()


def invoke_together(target, calls):
    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(lambda call: invoke(target, *call), calls))


def test_concurrent_invocations_overlap_in_separate_processes(target, functions):
    a, _ = functions
    replies = invoke_together(target, [(a, {"token": "first", "sleep": 1.5}), (a, {"token": "second", "sleep": 1.5})])
    (one, _), (two, _) = replies
    assert max(one["started"], two["started"]) < min(one["ended"], two["ended"]), "the spans did not overlap"
    assert one["pid"] != two["pid"] and os.getpid() not in (one["pid"], two["pid"])


def test_a_sandbox_runs_on_as_many_cpus_as_its_memory_buys(target):
    one_vcpu = create_function(target, "vcpu-one", "1769 MB", memory=1769)
    two_vcpus = create_function(target, "vcpu-two", "3008 MB", memory=3008)
    assert len(invoke(target, one_vcpu, {"token": "one"})[0]["cpus"]) == 1
    assert len(invoke(target, two_vcpus, {"token": "two"})[0]["cpus"]) == min(2, len(os.sched_getaffinity(0)))


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs")
def test_one_vcpu_invocations_at_the_same_time_run_on_different_cpus(target):
    a, b = create_function(target, "spread-a", "a", memory=1769), create_function(target, "spread-b", "b", memory=1769)
    (one, _), (two, _) = invoke_together(target, [(a, {"token": "a", "sleep": 1.5}), (b, {"token": "b", "sleep": 1.5})])
    assert max(one["started"], two["started"]) < min(one["ended"], two["ended"]), "the spans did not overlap"
    assert len(one["cpus"]) == len(two["cpus"]) == 1 and one["cpus"] != two["cpus"]


def test_environment_globals_and_stdout_stay_in_their_invocation(target, functions):
    a, b = functions
    (reply_a, log_a), (reply_b, log_b) = invoke_together(
        target, [(a, {"token": "alpha", "sleep": 1}), (b, {"token": "bravo", "sleep": 1})])
    assert (reply_a["greeting"], reply_b["greeting"]) == ("from a", "from b")
    assert "token alpha" in log_a and "bravo" not in log_a
    assert "token bravo" in log_b and "alpha" not in log_b
    # Function b's first sandbox saw neither a's variable nor a's module globals.
    assert reply_b["leaked"] is None and reply_b["calls"] == 1
    assert "LEAK" not in os.environ and "GREETING" not in os.environ


def test_a_warm_sandbox_keeps_its_globals(target, functions):
    _, b = functions
    first, _ = invoke(target, b, {"token": "warm-1"})
    second, _ = invoke(target, b, {"token": "warm-2"})
    assert second["pid"] == first["pid"]
    assert second["calls"] == first["calls"] + 1 and second["leaked"] == "warm-1"


def test_a_configuration_change_retires_the_warm_sandbox_and_the_next_request_starts_cold(target):
    b = create_function(target, "parallel-config", "from config")
    warm, _ = invoke(target, b, {"token": "before"})
    lam = target.client("lambda")
    lam.update_function_configuration(FunctionName=b, MemorySize=256)
    reply, log = invoke(target, b, {"token": "after"})
    assert reply["pid"] != warm["pid"] and reply["calls"] == 1 and "Init Duration" in log
    assert "Memory Size: 256 MB" in log
    # Nothing will reach the old sandbox again: its process is gone, not left idle.
    with pytest.raises(ProcessLookupError):
        os.kill(warm["pid"], 0)


def test_an_invocation_running_through_a_configuration_change_ends_well_and_its_sandbox_with_it(target):
    name = create_function(target, "parallel-busy-config", "from busy")
    with ThreadPoolExecutor(1) as caller:
        running = caller.submit(invoke, target, name, {"token": "busy", "sleep": 1})
        time.sleep(0.5)
        target.client("lambda").update_function_configuration(FunctionName=name, Timeout=20)
        first, _ = running.result()
    assert first["greeting"] == "from busy"
    # Its sandbox was not kept warm for the new configuration: the next request starts another, cold.
    second, log = invoke(target, name, {"token": "after"})
    assert second["pid"] != first["pid"] and "Init Duration" in log
    with pytest.raises(ProcessLookupError):
        os.kill(first["pid"], 0)


def function_of(target, name, source, memory, timeout=10):
    """A function whose app.py is `source`, with `memory` MB."""
    trial_functions.create_function(
        target.client("lambda"), FunctionName=name, Runtime="python3.12", Role=function_role(target, name),
        Handler="app.handler", MemorySize=memory, Timeout=timeout, Code={"ZipFile": zipped(source)})
    return name


def test_a_sandbox_reports_its_init_its_duration_and_the_memory_it_used(target):
    # A handler that holds 64 MB: the sandbox's Max Memory Used is measured, not the configured size.
    name = function_of(target, "parallel-memory", "def handler(event, context):\n"
                       "    block = bytearray(64 * 1024 * 1024)\n    return len(block)\n", memory=512)
    cold, warm = (report_fields(invoke(target, name, {})[1]) for _ in range(2))
    assert "Init Duration" in cold and "Init Duration" not in warm
    used = int(warm["Max Memory Used"].removesuffix(" MB"))
    assert 64 < used < 512, warm
    assert warm["Memory Size"] == "512 MB"


def test_below_1769_mb_a_sandbox_gets_that_fraction_of_one_cpu(target):
    # A CPU-bound handler at 442 MB (a quarter of 1,769): its CPU time is at most a quarter of its wall time,
    # however idle the machine (a busy one only lowers the share).
    name = function_of(target, "parallel-quarter", "import time\n\n\ndef handler(event, context):\n"
                       "    wall, cpu = time.monotonic(), time.process_time()\n"
                       "    while time.process_time() - cpu < 0.3:\n        pass\n"
                       "    return (time.process_time() - cpu) / (time.monotonic() - wall)\n", memory=442, timeout=30)
    share = invoke(target, name, {})[0]
    assert share < 0.25 * 1.2, f"the handler had {share:.0%} of a CPU at 442 MB"


def test_a_handler_past_its_timeout_is_killed(target):
    name = create_function(target, "parallel-slow", "slow", timeout=1)
    started = time.monotonic()
    reply, log = invoke(target, name, {"token": "slow", "sleep": 30})
    assert time.monotonic() - started < 10
    assert reply["errorType"] == "Sandbox.Timedout" and "Task timed out after 1.00 seconds" in log


def test_concurrency_needs_the_server():
    with pytest.raises(TargetError, match="local-server"):
        connect("local", concurrent_lambdas=True)


def test_one_at_a_time_in_this_process_stays_the_default():
    target = connect("local")
    try:
        a = create_function(target, "serial-a", "serial")
        replies = invoke_together(target, [(a, {"token": "x", "sleep": 0.5}), (a, {"token": "y", "sleep": 0.5})])
    finally:
        target.close()
    (one, _), (two, _) = sorted(replies, key=lambda reply: reply[0]["started"])
    assert one["pid"] == two["pid"] == os.getpid()
    assert one["ended"] <= two["started"], "the default runtime ran two handlers at once"


