"""What runs a handler, in the local cloud's process or in a sandbox process of its own.

The in-process runtime (lambda_runtime) imports the helpers below. Run as a
script, this module is one warm Lambda sandbox: a process with the function's
own environment, sys.path and stdout, which reads one invocation request per
line and answers one reply per line. It imports only the standard library, so
a sandbox starts without loading moto (the package's __init__ would).
"""
from __future__ import annotations

import importlib.util
import io
import json
import logging
import math
import os
import resource
import sys
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from typing import Any

LOG_FORMAT = "[%(levelname)s]\t%(asctime)s\t%(message)s"
# How long a cold start's Init phase may take, apart from the function's Timeout, as on AWS (Lambda Developer
# Guide, "Lambda execution environment lifecycle": https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
INIT_TIMEOUT_S = 10
_RUNTIME_DIRECTORY = os.path.dirname(os.path.abspath(__file__))


class LambdaTimeout(Exception):
    """The handler was still running when the function's Timeout elapsed."""


class MarshalError(Exception):
    """The handler returned something that is not JSON serializable."""


@dataclass
class LambdaContext:
    """The attributes of AWS's Python context object that handlers use."""

    function_name: str
    function_version: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    log_group_name: str
    log_stream_name: str
    timeout_seconds: float
    _started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self._started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))

    def restart_clock(self) -> None:
        """The invocation starts now: what came before was the Init phase, which the Timeout does not count."""
        self._started = time.monotonic()

    def fields(self) -> dict[str, Any]:
        """What a sandbox process needs to rebuild this context (its clock starts when it receives them)."""
        return {name: value for name, value in vars(self).items() if not name.startswith("_")}


def load_handler(code_dir: str, handler: str) -> Any:
    """Import the handler module under a private name, so two functions that both ship ``app.py``
    never share a module."""
    module_path, _, attribute = handler.rpartition(".")
    file_path = os.path.join(code_dir, *module_path.split("/")) + ".py"
    module_name = f"lambda_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(module_name, file_path)
    module = importlib.util.module_from_spec(spec)
    # Registered before running it, as a normal import does (dataclasses looks the module up).
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return getattr(module, attribute)


def call(handler: Any, event: Any, context: LambdaContext) -> str:
    """The handler's result as the JSON payload Lambda returns."""
    result = handler(event, context)
    try:
        return json.dumps(result)
    except TypeError as error:
        raise MarshalError(f"Unable to marshal response: {error}") from None


def handler_frames(error: BaseException) -> Any:
    """The traceback from the handler's first frame on, without the runtime's own frames."""
    frames = error.__traceback__
    while frames is not None and _is_runtime_file(frames.tb_frame.f_code.co_filename):
        frames = frames.tb_next
    return frames


def _is_runtime_file(path: str) -> bool:
    directory, name = os.path.split(os.path.abspath(path))
    return directory == _RUNTIME_DIRECTORY and name.startswith("lambda_")


def error_log(error: BaseException) -> str:
    """The lines Lambda's Python runtime logs for an exception escaping the handler."""
    return (
        f"[ERROR] {type(error).__name__}: {error}\nTraceback (most recent call last):\n"
        + "".join(traceback.format_tb(handler_frames(error)))
        + "".join(traceback.format_exception_only(error))
    )


def max_memory_used_mb() -> int:
    """The sandbox's peak resident memory so far, in MB as Lambda's REPORT line gives it: this process's, plus
    the largest of the processes it started and waited for (ffmpeg). A child's peak includes what it shared with
    this process when it was forked, so with children the figure errs high, never low."""
    return math.ceil((_own_peak_kb() + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024)


def _own_peak_kb() -> int:
    # getrusage's own peak outlives exec: a sandbox started by a large process would report that process's.
    # Linux's VmHWM belongs to this program's memory alone.
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak // 1024 if sys.platform == "darwin" else peak  # bytes on macOS


def report_line(request_id: str, duration_ms: float, memory_size: int, max_memory_mb: int | None,
                init_ms: float | None) -> str:
    """Lambda's REPORT line. Duration is the handler's; a cold start adds its Init Duration, which Lambda bills
    too (since August 2025, for every runtime), so Billed Duration is both, rounded up to the millisecond."""
    billed = math.ceil(duration_ms + (init_ms or 0))
    line = (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: {billed} ms\t"
            f"Memory Size: {memory_size} MB\t")
    if max_memory_mb is not None:
        line += f"Max Memory Used: {max_memory_mb} MB\t"
    if init_ms is not None:
        line += f"Init Duration: {init_ms:.2f} ms\t"
    return line + "\n"


def error_payload(error: BaseException, request_id: str) -> dict[str, Any]:
    if isinstance(error, LambdaTimeout):
        return {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {error}"}
    if isinstance(error, MarshalError):
        return {"errorType": "Runtime.MarshalError", "errorMessage": str(error), "requestId": request_id}
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(handler_frames(error)),
    }


def serve(code_dir: str, handler_name: str) -> None:
    """Answer invocation requests from the parent until it closes the request pipe."""
    # The protocol keeps private copies of stdin/stdout; the standard descriptors become the
    # function's log, so prints, logging and child processes (ffmpeg) all land there, as in Lambda.
    requests = io.open(os.dup(0), "r", encoding="utf-8")
    replies = io.open(os.dup(1), "w", encoding="utf-8")
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    log_file = tempfile.TemporaryFile()
    os.dup2(log_file.fileno(), 1)
    os.dup2(log_file.fileno(), 2)
    sys.path[0] = code_dir  # instead of this file's folder, as /var/task is in Lambda
    root = logging.getLogger()
    log_handler = logging.StreamHandler(sys.stdout)
    log_handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root.addHandler(log_handler)
    handler = None
    for line in requests:
        request = json.loads(line)
        context = LambdaContext(**request["context"])
        os.ftruncate(1, 0)
        os.lseek(1, 0, os.SEEK_SET)
        reply: dict[str, Any] = {}
        started = time.monotonic()
        try:
            if handler is None:
                handler = load_handler(code_dir, handler_name)
                # The parent times the Init phase apart from the Timeout, which counts from here.
                replies.write(json.dumps({"initialized": True, "init_ms": (time.monotonic() - started) * 1000}) + "\n")
                replies.flush()
                context.restart_clock()
            started = time.monotonic()
            reply["payload"] = call(handler, request["event"], context)
        except BaseException as error:  # the handler's failure is the caller's answer, never ours
            sys.stdout.write(error_log(error))
            reply["error"] = error_payload(error, context.aws_request_id)
        reply["duration_ms"] = (time.monotonic() - started) * 1000
        reply["max_memory_mb"] = max_memory_used_mb()
        sys.stdout.flush()
        sys.stderr.flush()
        reply["log"] = os.pread(1, os.lseek(1, 0, os.SEEK_CUR), 0).decode("utf-8", "replace")
        replies.write(json.dumps(reply) + "\n")
        replies.flush()


if __name__ == "__main__":
    serve(*sys.argv[1:3])
