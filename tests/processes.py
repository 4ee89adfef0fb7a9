"""This machine's processes, read from /proc: what a test must find ended, or must not leave behind."""
from __future__ import annotations

import os
from pathlib import Path


def pids_whose_cmdline_mentions(text: str, parent: int | None = None) -> list[int]:
    """Processes (other than this one) whose command line contains text; with `parent`, only that one's children."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            # The parent is the 2nd field after the command's name, which is in parentheses and may hold spaces.
            parent_pid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:  # ended meanwhile
            continue
        if text in cmdline and parent in (None, parent_pid):
            found.append(int(entry.name))
    return found
