"""Run Lambda handlers in this process, so every moto trigger path executes real code.

moto 5.2.5 funnels direct invokes, S3 and SNS notifications and SQS event
source mappings through the private method ``LambdaFunction._invoke_lambda``,
which normally starts a Docker container. We replace that one method.

By default handlers run one at a time in this process (labs 2 and 3 rely on a
handler seeing the notebook's process). With ``concurrent=True`` each
invocation runs in a sandbox process of its own (lambda_pool), so a Step
Functions Map state's iterations use every core.

A handler runs as its function's execution role, as on Lambda: its boto3 calls carry credentials of a session
of that role (permissions.role_credentials), which the local cloud checks against the role's policies. In a
sandbox process they are in its environment. In this process they cannot be: the environment is shared with
the notebook's threads. So a handler's thread gets a boto3 default session of its own, holding them, which
`boto3.client()` and `boto3.resource()` use on that thread (and `boto3.session.Session()` there). Known gap: a
thread that a handler starts itself uses the notebook's credentials, which are not checked.
"""
from __future__ import annotations

import contextlib
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
import uuid
import zipfile
from dataclasses import dataclass
from collections.abc import MutableMapping
from typing import Any

import boto3
from moto.awslambda.models import LambdaFunction

from serverless_workbook.common import aws_sessions, process_environment
from serverless_workbook.localcloud import lambda_concurrency, lambda_limits, permissions
from serverless_workbook.localcloud.policy_evaluation import Request
from serverless_workbook.localcloud.lambda_pool import SandboxCrashed, SandboxPool
from serverless_workbook.localcloud.lambda_sandbox import (
    INIT_TIMEOUT_S,
    LOG_FORMAT,
    LambdaContext,
    LambdaTimeout,
    call,
    error_log,
    error_payload,
    load_handler,
    report_line,
)

PATCHED_METHOD = "_invoke_lambda"
EXPECTED_PARAMETERS = ["self", "event"]

_original_invoke = getattr(LambdaFunction, PATCHED_METHOD, None)
_original_public_invoke = LambdaFunction.invoke
_original_update_configuration = LambdaFunction.update_configuration
_original_default_session = boto3._get_default_session
_original_thread_start = threading.Thread.start

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
# Concurrent invocations of a new code version must unzip it once.
_unzip_lock = threading.Lock()

# Sandbox processes when invocations run concurrently; None runs them one at a time in this process.
_pool: SandboxPool | None = None


class ConcurrencyNeedsServer(ValueError):
    """Sandbox processes reach the local cloud over HTTP, which only moto's server answers."""


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


def install(endpoint_url: str | None = None, concurrent: bool = False) -> None:
    global _endpoint_url, _pool
    self_test()
    if concurrent and not endpoint_url:
        raise ConcurrencyNeedsServer(
            "Concurrent invocations run handlers in processes of their own, which reach the local cloud over "
            "HTTP: use the local-server target (moto's server), e.g. connect('local-server', concurrent_lambdas=True)"
        )
    _endpoint_url = endpoint_url
    # A second connect (its cell run again) replaces the first's pool: the sandboxes of the first would otherwise
    # outlive it, a process each, until the kernel exits.
    if _pool is not None:
        _pool.close()
    _pool = SandboxPool() if concurrent else None
    lambda_concurrency.enforce_account_quota()
    setattr(LambdaFunction, PATCHED_METHOD, _invoke_in_process)
    LambdaFunction.invoke = lambda_limits.within_payload_quota(
        lambda_concurrency.within_reserved_concurrency(_invoke_reporting_unhandled))
    LambdaFunction.update_configuration = _update_configuration_in_new_environments
    boto3._get_default_session = _default_session
    threading.Thread.start = _start_as_the_handler


def uninstall() -> None:
    global _pool
    lambda_concurrency.forget()
    if _pool is not None:
        _pool.close()
        _pool = None
    setattr(LambdaFunction, PATCHED_METHOD, _original_invoke)
    LambdaFunction.invoke = _original_public_invoke
    LambdaFunction.update_configuration = _original_update_configuration
    boto3._get_default_session = _original_default_session
    threading.Thread.start = _original_thread_start
    while _sandbox_dirs:
        shutil.rmtree(_sandbox_dirs.pop(), ignore_errors=True)


def _invoke_reporting_unhandled(self: LambdaFunction, body: str, request_headers: Any, response_headers: Any) -> Any:
    """AWS marks an exception escaping the handler as FunctionError "Unhandled"; moto says "Handled"."""
    payload = _original_public_invoke(self, body, request_headers, response_headers)
    if "x-amz-function-error" in response_headers:
        response_headers["x-amz-function-error"] = "Unhandled"
    return payload


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
        self.setFormatter(logging.Formatter(LOG_FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        buffer = self.stream.buffers.get(record.thread or 0)
        if buffer is not None:
            buffer.write(self.format(record) + "\n")


_stream = _ThreadRoutedStream()
_log_handler = _ThreadRoutedLogHandler(_stream)


@contextlib.contextmanager
def _process_state(environment: dict[str, str], code_dir: str):
    """Apply the function's environment, import path and log capture; restore them after."""
    with process_environment.lock:
        saved_env = dict(os.environ)
        os.environ.update(environment)
    saved_stdout = sys.stdout
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
        with process_environment.lock:
            _restore_environment(saved_env)


def _restore_environment(saved: dict[str, str], environ: MutableMapping[str, str] = os.environ) -> None:
    """Put the environment back as it was, key by key. Clearing it first would leave, for a moment, an
    environment without HOME or AWS_REGION to a thread that reads it then (botocore copies it when it makes
    a client)."""
    for key in [key for key in environ if key not in saved]:
        del environ[key]
    for key, value in saved.items():
        if environ.get(key) != value:
            environ[key] = value


def _default_session() -> boto3.session.Session:
    """The boto3 default session: on a handler's thread, its role's."""
    return getattr(_inside_handler, "session", None) or _original_default_session()


def _start_as_the_handler(self: threading.Thread) -> None:
    """A thread a handler starts runs as the function, as every thread of a Lambda sandbox does: its calls use
    the role's session, its output goes to the function's log."""
    session = getattr(_inside_handler, "session", None)
    log = _stream.buffers.get(threading.get_ident())
    if session is not None:
        run = self.run

        def run_as_the_handler() -> None:
            _inside_handler.active, _inside_handler.session = True, session
            if log is not None:
                _stream.buffers[threading.get_ident()] = log
            try:
                run()
            finally:
                _stream.buffers.pop(threading.get_ident(), None)

        self.run = run_as_the_handler  # type: ignore[method-assign]
    _original_thread_start(self)


@dataclass
class _Sandbox:
    """What a warm Lambda sandbox keeps between invocations: /var/task, the imported handler, and the boto3
    session with its role's credentials that its calls use."""

    code_sha: str
    configuration: int
    code_dir: str
    handler: Any = None
    session: Any = None


def _update_configuration_in_new_environments(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    """A configuration change (memory, environment, timeout, ...) retires the function's warm environments, as on
    Lambda: the next request starts a new one, with a cold start ("Lambda execution environment lifecycle":
    https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html). moto kept them, so a module's
    state, and the old memory's CPU share, outlived the change."""
    answer = _original_update_configuration(self, config_updates)
    self._workbook_configuration = getattr(self, "_workbook_configuration", 0) + 1
    return answer


def _sandbox(function: LambdaFunction) -> _Sandbox:
    """Unzip each deployed code version and configuration once; either one new gets a fresh sandbox (the pool
    keys its sandbox processes by the folder, so they are new too)."""
    with _unzip_lock:
        return _unzipped(function)


def _unzipped(function: LambdaFunction) -> _Sandbox:
    sandbox = getattr(function, "_workbook_sandbox", None)
    configuration = getattr(function, "_workbook_configuration", 0)
    if sandbox is None or (sandbox.code_sha, sandbox.configuration) != (function.code_sha_256, configuration):
        code_dir = tempfile.mkdtemp(prefix=f"lambda-{function.function_name}-")
        _sandbox_dirs.append(code_dir)
        with zipfile.ZipFile(io.BytesIO(function.code_bytes)) as archive:
            archive.extractall(code_dir)
        if sandbox is not None and _pool is not None:
            _pool.retire(sandbox.code_dir)
        sandbox = _Sandbox(function.code_sha_256, configuration, code_dir)
        function._workbook_sandbox = sandbox
    return sandbox


def _handler(function: LambdaFunction, sandbox: _Sandbox) -> Any:
    """Import the handler module once per sandbox."""
    if sandbox.handler is None:
        sandbox.handler = load_handler(sandbox.code_dir, function.handler)
    return sandbox.handler


def _role_credentials(function: LambdaFunction) -> dict[str, str]:
    return permissions.role_credentials(function.role, function.function_name, function.region)


def _session(function: LambdaFunction, sandbox: _Sandbox) -> boto3.session.Session:
    if sandbox.session is None:
        credentials = _role_credentials(function)
        # The service models the process has loaded already: a new session reading them again made a cold start
        # 70 ms slower, near a pattern function's 1 s timeout on a busy machine.
        sandbox.session = aws_sessions.session(
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"], aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=credentials["AWS_SESSION_TOKEN"], region_name=function.region)
    return sandbox.session


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


def _run(
    function: LambdaFunction, sandbox: _Sandbox, event: Any, context: LambdaContext, log: io.StringIO,
    timing: dict[str, float]
) -> tuple[Any, BaseException | None]:
    """Call the handler on a worker thread so a runaway handler can be abandoned at its Timeout; `timing` gets
    the cold start's init_ms.

    A cold start's Init phase (the role's session, importing the handler's module) is not counted in the
    function's Timeout: Lambda gives it up to INIT_TIMEOUT_S of its own.
    """
    outcome: dict[str, Any] = {}
    initialized = threading.Event()

    def target() -> None:
        _inside_handler.active = True
        _stream.buffers[threading.get_ident()] = log
        try:
            cold, started = sandbox.handler is None, time.monotonic()
            _inside_handler.session = _session(function, sandbox)
            handler = _handler(function, sandbox)
            if cold:
                timing["init_ms"] = (time.monotonic() - started) * 1000
            context.restart_clock()
            initialized.set()
            outcome["payload"] = call(handler, event, context)
        except BaseException as error:  # the handler's failure is the caller's answer, never ours
            outcome["error"] = error
            log.write(error_log(error))
        finally:
            initialized.set()
            _stream.buffers.pop(threading.get_ident(), None)

    worker = threading.Thread(target=target, name=f"lambda-{function.function_name}", daemon=True)
    worker.start()
    if initialized.wait(INIT_TIMEOUT_S):
        worker.join(context.timeout_seconds)
    if worker.is_alive():
        # Python cannot kill a thread; it keeps running detached, as a frozen sandbox would.
        _stream.buffers.pop(worker.ident, None)
        return None, LambdaTimeout(f"Task timed out after {context.timeout_seconds:.2f} seconds")
    return outcome.get("payload"), outcome.get("error")


def _may_log(function: LambdaFunction) -> bool:
    """Whether the function's role lets Lambda write its log: create the group if it is not there, then a stream
    and its events (Lambda Developer Guide, "Sending Lambda function logs to CloudWatch Logs":
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html). Without that, AWS writes
    nothing, and says nothing."""
    group = f"arn:aws:logs:{function.region}:{function.account_id}:log-group:{function.logs_group_name}"
    needed = [("logs:CreateLogStream", f"{group}:log-stream:[{function.version}]"),
              ("logs:PutLogEvents", f"{group}:log-stream:[{function.version}]")]
    if function.logs_group_name not in function.logs_backend.groups:
        needed.insert(0, ("logs:CreateLogGroup", group))
    return all(permissions.decide_for_role(function.role, Request(action, resource)).allowed
               for action, resource in needed)


def _invoke_in_process(self: LambdaFunction, event: Any = None) -> tuple[str, bool, str]:
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
    event = event if event is not None else {}
    started = time.monotonic()
    timing: dict[str, float] = {}
    if _pool is None:
        payload, error = _invoke_here(self, event, context, log, timing)
    else:
        payload, error = _invoke_in_sandbox_process(_pool, self, event, context, log, timing)
    # What the sandbox measured, else what passed here: the invocation less its Init phase.
    duration_ms = timing.get("duration_ms", (time.monotonic() - started) * 1000 - timing.get("init_ms", 0))
    if isinstance(error, LambdaTimeout):
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} {error}\n")
    log.write(f"END RequestId: {request_id}\n")
    # Handlers run here share the notebook's memory, so only a sandbox process can say what one used.
    log.write(report_line(request_id, duration_ms, int(self.memory_size), timing.get("max_memory_mb"),
                          timing.get("init_ms")))
    if _may_log(self):
        self.logs_backend.ensure_log_group(self.logs_group_name)
        self.save_logs(log.getvalue())
    if isinstance(error, BaseException):
        error = error_payload(error, request_id)
    if error is not None:
        return json.dumps(error), True, log.getvalue()
    return payload, False, log.getvalue()


def _invoke_here(function: LambdaFunction, event: Any, context: LambdaContext, log: io.StringIO,
                 timing: dict[str, float]) -> tuple[Any, BaseException | None]:
    """One handler at a time owns this process's environment, stdout and sys.path."""
    nested = getattr(_inside_handler, "active", False)
    with contextlib.nullcontext() if nested else _handler_lock:
        sandbox = _sandbox(function)
        with _process_state(_environment(function), sandbox.code_dir):
            return _run(function, sandbox, event, context, log, timing)


def _invoke_in_sandbox_process(pool: SandboxPool, function: LambdaFunction, event: Any, context: LambdaContext,
                               log: io.StringIO, timing: dict[str, float]
                               ) -> tuple[Any, BaseException | dict[str, Any] | None]:
    """The payload, and the error as an exception or as the payload the sandbox already made of it; `timing`
    gets what the sandbox measured."""
    try:
        reply = pool.invoke(_sandbox(function).code_dir, function.handler,
                            {**_environment(function), **_role_credentials(function)}, event, context)
    except (LambdaTimeout, SandboxCrashed) as error:
        return None, error
    log.write(reply["log"])
    timing.update({name: reply[name] for name in ("init_ms", "duration_ms", "max_memory_mb") if name in reply})
    return reply.get("payload"), reply.get("error")
