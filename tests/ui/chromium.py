"""Debian's Chromium for the browser tests, and the processes a test must not leave behind."""
from __future__ import annotations

import os
import signal
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _pids_whose_cmdline_mentions(text: str) -> list[int]:
    """Processes (other than this one) whose command line contains text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(int(entry.name))
    return found


def kill_leftovers(marker: str, what: str) -> list[int]:
    """SIGKILL processes that mention marker; return their pids (empty when all is clean)."""
    pids = _pids_whose_cmdline_mentions(marker)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if pids:
        print(f"killed {len(pids)} leftover {what} process(es): {pids}")
    return pids
