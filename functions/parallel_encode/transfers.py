"""S3 transfers several at a time: the split's segments going up, the merge's pieces coming down.

Each request mostly waits on S3, so a function with one vCPU keeps several going at once.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

AT_ONCE = 8


def at_once(transfer: Callable[..., Any], jobs: list[tuple[Any, ...]]) -> None:
    """Call transfer(*job) for every job, up to AT_ONCE at a time; raise the first failure, once all have ended."""
    with ThreadPoolExecutor(max(1, min(len(jobs), AT_ONCE))) as pool:
        for done in [pool.submit(transfer, *job) for job in jobs]:
            done.result()
