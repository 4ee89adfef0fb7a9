"""Run Lambda handlers in this process, so every moto trigger path executes real code.

moto 5.2.5 funnels direct invokes, S3 and SNS notifications and SQS event
source mappings through the private method ``LambdaFunction._invoke_lambda``,
which normally starts a Docker container. We replace that one method.
"""
from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zipfile
from dataclasses import dataclass, field
from typing import Any

from moto.awslambda.models import LambdaFunction

PATCHED_METHOD = "_invoke_lambda"
EXPECTED_PARAMETERS = ["self", "event"]

_original_invoke = getattr(LambdaFunction, PATCHED_METHOD, None)
_original_public_invoke = LambdaFunction.invoke

# os.environ, sys.stdout and sys.path are process-wide, so only one handler may
# own them at a time. Invocations nested inside a handler (a handler invoking
# another function, or writing to a bucket that triggers one) already own them.
_handler_lock = threading.Lock()
_inside_handler = threading.local()

# The endpoint handlers' boto3 clients must use; None means moto's in-process
# mock answers them. Server mode sets it to the ThreadedMotoServer URL.
_endpoint_url: str | None = None

# Unzipped code folders, removed when the runtime is uninstalled.
_sandbox_dirs: list[str] = []


class LambdaTimeout(Exception):
    """The handler was still running when the function's Timeout elapsed."""


class MarshalError(Exception):
    """The handler returned something that is not JSON serializable."""


class RuntimePatchError(RuntimeError):
    """The pinned moto no longer has the method the local Lambda runtime replaces."""


def self_test() -> None:
    """Fail loudly if moto's private hook changed, instead of silently running no code."""
    if _original_invoke is None:
        raise RuntimePatchError(
            f"moto.awslambda.models.LambdaFunction.{PATCHED_METHOD} is gone; "
            "the local Lambda runtime cannot run handlers with this moto version"
        )
    parameters = list(inspect.signature(_original_invoke).parameters)
    if parameters != EXPECTED_PARAMETERS:
        raise RuntimePatchError(
            f"LambdaFunction.{PATCHED_METHOD}{tuple(parameters)} no longer takes "
            f"{tuple(EXPECTED_PARAMETERS)}; the local Lambda runtime needs updating"
        )


def install(endpoint_url: str | None = None) -> None:
    global _endpoint_url
    self_test()
    _endpoint_url = endpoint_url
    setattr(LambdaFunction, PATCHED_METHOD, _invoke_in_process)
    LambdaFunction.invoke = _invoke_reporting_unhandled


def uninstall() -> None:
    setattr(LambdaFunction, PATCHED_METHOD, _original_invoke)
    LambdaFunction.invoke = _original_public_invoke
    while _sandbox_dirs:
        shutil.rmtree(_sandbox_dirs.pop(), ignore_errors=True)


def _invoke_reporting_unhandled(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> Any:
    """AWS marks an exception escaping the handler as FunctionError "Unhandled"; moto says "Handled"."""
    payload = _original_public_invoke(self, body, request_headers, response_headers)
    if "x-amz-function-error" in response_headers:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


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


class _ThreadRoutedStream(io.TextIOBase):
    """A sys.stdout stand-in that sends each handler thread's writes to its own log."""

    def __init__(self) -> None:
        self.fallback: Any = sys.__stdout__
        self.buffers: dict[int, io.StringIO] = {}

    def write(self, text: str) -> int:
        target = self.buffers.get(threading.get_ident(), self.fallback)
        return target.write(text)

    def flush(self) -> None:
        self.fallback.flush()

    def __getattr__(self, name: str) -> Any:
        # The kernel tells its stdout which cell is running (ipykernel's
        # set_parent), even while a handler thread has swapped this stand-in
        # in; without it the next cell's prints carry the previous cell's id
        # and the notebook never shows them.
        return getattr(self.fallback, name)


class _ThreadRoutedLogHandler(logging.Handler):
    """Root-logger handler: records emitted by a handler thread go to that invocation's log."""

    def __init__(self, stream: _ThreadRoutedStream) -> None:
        super().__init__()
        self.stream = stream
        self.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        buffer = self.stream.buffers.get(record.thread or 0)
        if buffer is not None:
            buffer.write(self.format(record) + "\n")


_stream = _ThreadRoutedStream()
_log_handler = _ThreadRoutedLogHandler(_stream)


@contextlib.contextmanager
def _process_state(environment: dict[str, str], code_dir: str):
    """Apply the function's environment, import path and log capture; restore them after."""
    saved_env = dict(os.environ)
    saved_stdout = sys.stdout
    os.environ.update(environment)
    sys.path.insert(0, code_dir)
    if sys.stdout is not _stream:
        _stream.fallback = sys.stdout
        sys.stdout = _stream
    root = logging.getLogger()
    added_handler = _log_handler not in root.handlers
    if added_handler:
        root.addHandler(_log_handler)
    try:
        yield
    finally:
        if added_handler:
            root.removeHandler(_log_handler)
        sys.stdout = saved_stdout
        sys.path.remove(code_dir)
        os.environ.clear()
        os.environ.update(saved_env)


@dataclass
class _Sandbox:
    """What a warm Lambda sandbox keeps between invocations: /var/task and the imported handler."""

    code_sha: str
    code_dir: str
    handler: Any = None


def _sandbox(function: LambdaFunction) -> _Sandbox:
    """Unzip each deployed code version once; a new version gets a fresh sandbox."""
    sandbox = getattr(function, "_workbook_sandbox", None)
    if sandbox is None or sandbox.code_sha != function.code_sha_256:
        code_dir = tempfile.mkdtemp(prefix=f"lambda-{function.function_name}-")
        _sandbox_dirs.append(code_dir)
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(code_dir)
        sandbox = _Sandbox(function.code_sha_256, code_dir)
        function._workbook_sandbox = sandbox
    return sandbox


def _handler(function: LambdaFunction, sandbox: _Sandbox) -> Any:
    """Import the handler module once per sandbox, under a private name so two
    functions that both ship ``app.py`` never share a module."""
    if sandbox.handler is None:
        module_path, _, attribute = function.handler.rpartition(".")
        file_path = os.path.join(sandbox.code_dir, *module_path.split("/")) + ".py"
        module_name = f"lambda_{uuid.uuid4().hex}"
        spec = importlib.util.spec_from_file_location(module_name, file_path)
        module = importlib.util.module_from_spec(spec)
        # Registered before running it, as a normal import does (dataclasses looks the module up).
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        sandbox.handler = getattr(module, attribute)
    return sandbox.handler


def _environment(function: LambdaFunction) -> dict[str, str]:
    environment = {
        "AWS_LAMBDA_FUNCTION_NAME": function.function_name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_FUNCTION_VERSION": str(function.version),
        "AWS_LAMBDA_LOG_GROUP_NAME": function.logs_group_name,
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "_HANDLER": function.handler,
    }
    if _endpoint_url:
        environment["AWS_ENDPOINT_URL"] = _endpoint_url
    environment.update({key: str(value) for key, value in function.environment_vars.items()})
    return environment


def _error_payload(error: BaseException, request_id: str) -> dict[str, Any]:
    if isinstance(error, LambdaTimeout):
        return {"errorType": "Sandbox.Timedout", "errorMessage": f"RequestId: {request_id} Error: {error}"}
    if isinstance(error, MarshalError):
        return {"errorType": "Runtime.MarshalError", "errorMessage": str(error), "requestId": request_id}
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(_handler_frames(error)),
    }


def _handler_frames(error: BaseException) -> Any:
    """The traceback from the handler's first frame on, without the runtime's own frames."""
    frames = error.__traceback__
    while frames is not None and frames.tb_frame.f_code.co_filename == __file__:
        frames = frames.tb_next
    return frames


def _run(
    function: LambdaFunction, sandbox: _Sandbox, event: Any, context: LambdaContext, log: io.StringIO
) -> tuple[Any, BaseException | None]:
    """Call the handler on a worker thread so a runaway handler can be abandoned at its Timeout."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        _inside_handler.active = True
        _stream.buffers[threading.get_ident()] = log
        try:
            result = _handler(function, sandbox)(event, context)
            try:
                outcome["payload"] = json.dumps(result)
            except TypeError as error:
                raise MarshalError(f"Unable to marshal response: {error}") from None
        except BaseException as error:  # the handler's failure is the caller's answer, never ours
            outcome["error"] = error
            log.write(
                f"[ERROR] {type(error).__name__}: {error}\nTraceback (most recent call last):\n"
                + "".join(traceback.format_tb(_handler_frames(error)))
                + "".join(traceback.format_exception_only(error))
            )
        finally:
            _stream.buffers.pop(threading.get_ident(), None)

    worker = threading.Thread(target=target, name=f"lambda-{function.function_name}", daemon=True)
    worker.start()
    worker.join(context.timeout_seconds)
    if worker.is_alive():
        # Python cannot kill a thread; it keeps running detached, as a frozen sandbox would.
        _stream.buffers.pop(worker.ident, None)
        return None, LambdaTimeout(f"Task timed out after {context.timeout_seconds:.2f} seconds")
    return outcome.get("payload"), outcome.get("error")


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
    self.logs_backend.ensure_log_group(self.logs_group_name)
    request_id = str(uuid.uuid4())
    context = LambdaContext(
        function_name=self.function_name,
        function_version=str(self.version),
        invoked_function_arn=self.function_arn,
        memory_limit_in_mb=int(self.memory_size),
        aws_request_id=request_id,
        log_group_name=self.logs_group_name,
        log_stream_name=f"[{self.version}]{request_id.replace('-', '')}",
        timeout_seconds=float(self.timeout),
    )
    log = io.StringIO()
    log.write(f"START RequestId: {request_id} Version: {self.version}\n")
    nested = getattr(_inside_handler, "active", False)
    lock = contextlib.nullcontext() if nested else _handler_lock
    started = time.monotonic()
    with lock:
        sandbox = _sandbox(self)
        with _process_state(_environment(self), sandbox.code_dir):
            payload, error = _run(self, sandbox, event if event is not None else {}, context, log)
    duration_ms = (time.monotonic() - started) * 1000
    if isinstance(error, LambdaTimeout):
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} {error}\n")
    log.write(f"END RequestId: {request_id}\n")
    log.write(
        f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
        f"Billed Duration: {int(duration_ms) + 1} ms\tMemory Size: {self.memory_size} MB\n"
    )
    self.save_logs(log.getvalue())
    if error is not None:
        return json.dumps(_error_payload(error, request_id)), True, log.getvalue()
    return payload, False, log.getvalue()
