"""Debian's Chromium for the browser tests, and the processes a test must not leave behind."""
from __future__ import annotations

import os
import signal

from processes import pids_whose_cmdline_mentions

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def kill_leftovers(marker: str, what: str) -> list[int]:
    """SIGKILL processes that mention marker; return their pids (empty when all is clean)."""
    pids = pids_whose_cmdline_mentions(marker)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if pids:
        print(f"killed {len(pids)} leftover {what} process(es): {pids}")
    return pids
