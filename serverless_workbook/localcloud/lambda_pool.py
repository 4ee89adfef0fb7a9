"""Sandbox processes, so independent invocations run at the same time on every core.

Like Lambda's execution environments: an invocation takes an idle sandbox of
the same function version and configuration, or starts one (a cold start); a
sandbox serves one invocation at a time and stays warm afterwards. A handler
that outlives its Timeout has its process group killed, ffmpeg included.
While it runs, a sandbox is held to the CPUs its memory buys, as Lambda gives
a function "the equivalent of one vCPU" at 1,769 MB and CPU in proportion to
memory (AWS Lambda Developer Guide, "Memory and computing power"): the least
busy of this machine's CPUs, so a function with one vCPU never spreads over two
and invocations spread over all of them. Below 1,769 MB it gets that fraction
of one CPU: CpuQuota stops and continues its process group (ffmpeg included) so
that it runs that share of every 20 ms, as a CPU quota does.
Handlers in a sandbox reach the local cloud over HTTP, so this needs moto's
server (AWS_ENDPOINT_URL in the function's environment).
"""
from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from serverless_workbook.common import process_environment
from serverless_workbook.localcloud import lambda_sandbox
from serverless_workbook.localcloud.lambda_sandbox import INIT_TIMEOUT_S, LambdaContext, LambdaTimeout

SANDBOX_SCRIPT = lambda_sandbox.__file__
MB_PER_VCPU = 1769


class SandboxCrashed(RuntimeError):
    """The sandbox process ended without answering (the handler killed it or the interpreter died)."""


class _Sandbox:
    def __init__(self, code_dir: str, handler: str, environment: dict[str, str]) -> None:
        self.cold = True  # its first invocation runs the Init phase, which has time of its own
        self.process = process_environment.popen(
            [sys.executable, SANDBOX_SCRIPT, code_dir, handler],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=environment, text=True, encoding="utf-8",
            start_new_session=True,  # its own process group, so a timeout kills what the handler started
        )

    def invoke(self, event: Any, context: LambdaContext) -> dict[str, Any]:
        """The reply (payload or error, and the log); raises LambdaTimeout when the Timeout elapsed."""
        timed_out = threading.Event()

        def expire() -> None:
            timed_out.set()
            self.kill()

        # A cold sandbox first says its Init phase is over: that phase has INIT_TIMEOUT_S of its own, and the
        # function's Timeout counts from its end.
        watchdog = threading.Timer(INIT_TIMEOUT_S if self.cold else context.timeout_seconds, expire)
        watchdog.start()
        init: dict[str, Any] = {}
        try:
            self.process.stdin.write(json.dumps({"event": event, "context": context.fields()}) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
            if line and self.cold and "initialized" in (init := json.loads(line)):
                watchdog.cancel()
                watchdog = threading.Timer(context.timeout_seconds, expire)
                watchdog.start()
                line = self.process.stdout.readline()
            else:
                init = {}
        except (BrokenPipeError, OSError):
            line = ""
        finally:
            watchdog.cancel()
            self.cold = False
        if timed_out.is_set():
            raise LambdaTimeout(f"Task timed out after {context.timeout_seconds:.2f} seconds")
        if not line:
            self.kill()
            raise SandboxCrashed(f"the sandbox process exited with code {self.process.wait()} without a reply")
        return {**json.loads(line), **({"init_ms": init["init_ms"]} if init else {})}

    def hold_to(self, cpus: list[int]) -> None:
        """Every thread of the sandbox (and so what it starts) runs on these CPUs only."""
        # A thread, or the whole sandbox, may have ended meanwhile; invoke() then reports the crash.
        with contextlib.suppress(FileNotFoundError):
            threads = os.listdir(f"/proc/{self.process.pid}/task")
            for thread in threads:
                with contextlib.suppress(ProcessLookupError):
                    os.sched_setaffinity(int(thread), cpus)

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()


class CpuQuota:
    """Hold a sandbox's process group to `fraction` of one CPU while an invocation runs: run for that share of
    each PERIOD_S, stopped for the rest. A CPU-bound handler at 512 MB then takes 1,769/512 times as long as at
    1,769 MB, as on Lambda; one that waits (I/O) is stopped while it waits too, so it may take longer than on
    Lambda, never less."""

    PERIOD_S = 0.02

    def __init__(self, process_group: int, fraction: float) -> None:
        self.process_group, self.fraction = process_group, fraction
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lambda-cpu-quota", daemon=True)

    def __enter__(self) -> "CpuQuota":
        if self.fraction < 1:
            self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.fraction < 1:
            self._done.set()
            self._thread.join()

    def _signal(self, signum: int) -> bool:
        try:
            os.killpg(self.process_group, signum)
            return True
        except ProcessLookupError:  # the sandbox ended (a timeout killed it)
            return False

    def _run(self) -> None:
        # The phases are timed as they happened: a signal sent late (this thread waits for the GIL) is made up
        # for in the next phase, so the share run over the invocation is the fraction.
        ran = stopped = 0.0
        continued = time.monotonic()
        try:
            while not self._done.wait(self.PERIOD_S * self.fraction):
                if not self._signal(signal.SIGSTOP):
                    return
                halted = time.monotonic()
                ran += halted - continued
                self._done.wait(max(0.0, ran * (1 - self.fraction) / self.fraction - stopped))
                self._signal(signal.SIGCONT)
                continued = time.monotonic()
                stopped += continued - halted
        finally:
            self._signal(signal.SIGCONT)


class CpuShares:
    """This machine's CPUs, handed out by memory as Lambda hands out vCPUs, least busy first.

    Not thread-safe: the pool calls it under its lock."""

    def __init__(self) -> None:
        # Only Linux can hold a process to CPUs; elsewhere sandboxes share them all.
        self.cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_setaffinity") else []
        self.running = dict.fromkeys(self.cpus, 0)

    def take(self, memory_mb: int) -> list[int]:
        wanted = min(len(self.cpus), math.ceil(memory_mb / MB_PER_VCPU))
        chosen = sorted(self.cpus, key=lambda cpu: self.running[cpu])[:wanted]
        for cpu in chosen:
            self.running[cpu] += 1
        return chosen

    def give_back(self, cpus: list[int]) -> None:
        for cpu in cpus:
            self.running[cpu] -= 1


class SandboxPool:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[tuple[Any, ...], list[_Sandbox]] = {}
        self._all: list[_Sandbox] = []
        # Code folders superseded by a new code version or configuration: their sandboxes are not kept warm.
        self._retired: set[str] = set()
        self._cpus = CpuShares()

    def invoke(self, code_dir: str, handler: str, environment: dict[str, str], event: Any,
               context: LambdaContext) -> dict[str, Any]:
        key = (code_dir, handler, tuple(sorted(environment.items())))
        with self._lock:
            idle = self._idle.setdefault(key, [])
            sandbox = idle.pop() if idle else None
        if sandbox is None:
            sandbox = _Sandbox(code_dir, handler, {**os.environ, **environment})
            with self._lock:
                self._all.append(sandbox)
        with self._lock:
            cpus = self._cpus.take(context.memory_limit_in_mb)
        try:
            if cpus:
                sandbox.hold_to(cpus)
            with CpuQuota(sandbox.process.pid, context.memory_limit_in_mb / MB_PER_VCPU):
                reply = sandbox.invoke(event, context)
        except (LambdaTimeout, SandboxCrashed):
            with self._lock:
                self._all.remove(sandbox)
            raise
        finally:
            with self._lock:
                self._cpus.give_back(cpus)
        with self._lock:
            retired = code_dir in self._retired
            if retired:
                self._all.remove(sandbox)
            else:
                self._idle.setdefault(key, []).append(sandbox)
        if retired:
            sandbox.kill()
        return reply

    def retire(self, code_dir: str) -> None:
        """End the sandboxes of a superseded code folder, as no request will reach them again: the idle ones now,
        a busy one when its invocation is over."""
        with self._lock:
            self._retired.add(code_dir)
            retired = [sandbox for key, idle in self._idle.items() if key[0] == code_dir for sandbox in idle]
            self._idle = {key: idle for key, idle in self._idle.items() if key[0] != code_dir}
            self._all = [sandbox for sandbox in self._all if sandbox not in retired]
        for sandbox in retired:
            sandbox.kill()

    def close(self) -> None:
        with self._lock:
            sandboxes, self._all, self._idle = self._all, [], {}
        for sandbox in sandboxes:
            sandbox.kill()
