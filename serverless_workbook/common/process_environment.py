"""Start processes and change os.environ one at a time, whatever thread does either.

glibc's setenv may move the process's environment array while another thread's
fork/exec is reading it; the new process then fails to start with
"OSError: [Errno 14] Bad address" (seen: a local MediaConvert job starting
ffmpeg while the local Lambda runtime applied a handler's environment on
another thread). The runtime changes os.environ under `lock`, and the
workbook starts its processes under it; waiting for them happens outside it.
"""
from __future__ import annotations

import subprocess
import threading
from typing import Any

lock = threading.RLock()


def popen(args: list[str], **kwargs: Any) -> subprocess.Popen:
    with lock:
        return subprocess.Popen(args, **kwargs)


def run(args: list[str], check: bool = False, capture_output: bool = False, **kwargs: Any) -> subprocess.CompletedProcess:
    """subprocess.run's contract, with the start under the lock."""
    if capture_output:
        kwargs.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    with popen(args, **kwargs) as process:
        stdout, stderr = process.communicate()
    if check and process.returncode:
        raise subprocess.CalledProcessError(process.returncode, args, stdout, stderr)
    return subprocess.CompletedProcess(args, process.returncode, stdout, stderr)
