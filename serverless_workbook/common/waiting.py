"""The one way the workbook waits for something to happen: poll with a deadline and a back-off, and when it gives
up, say what it was waiting for, for how long, and what it saw last.

    job = waiting.until(lambda: get_job(job_id), "the job to end", ready=lambda job: job["Status"] in FINAL,
                        timeout=600, interval=1, backoff=1.5, max_interval=10)

Loops that retry one specific error (a role not yet assumable) or serve work forever (a poller, a worker) are
not waits and do not use it.
"""
from __future__ import annotations

import math
import time
from typing import Any, Callable, TypeVar

T = TypeVar("T")


class WaitTimedOut(TimeoutError):
    """A wait that gave up. `what` was awaited; `why` says when it gave up ("after 30 s", or why nothing could
    change any more); `last` is the last value the probe returned."""

    def __init__(self, what: str, why: str, last: Any, shown: str = "") -> None:
        self.what, self.why, self.last = what, why, last
        super().__init__(f"still waiting for {what} {why}" + (f"; last seen: {shown}" if shown else ""))


def until(probe: Callable[[], T], what: str, *, ready: Callable[[T], bool] = bool, timeout: float = math.inf,
          interval: float = 0.1, backoff: float = 1.0, max_interval: float = 10.0,
          hopeless: Callable[[], str | None] | None = None, show: Callable[[T], str] | None = None,
          sleep: Callable[[float], Any] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """Call `probe` until `ready` holds for what it returns, and return that.

    Between calls it sleeps `interval`, multiplied by `backoff` after each call up to `max_interval`. It gives up
    with WaitTimedOut after `timeout` seconds, or as soon as `hopeless` names a reason why nothing can change
    any more (the local cloud has no work left); `show` puts the last value seen into the message.
    """
    deadline = clock() + timeout
    pause = interval
    while True:
        value = probe()
        if ready(value):
            return value
        reason = hopeless() if hopeless else None
        if reason is None and clock() >= deadline:
            reason = f"after {timeout:g} s"
        if reason is not None:
            raise WaitTimedOut(what, reason, value, show(value) if show else "")
        sleep(min(pause, max(deadline - clock(), 0)))
        pause = min(pause * backoff, max_interval)


def settled(read: Callable[[], T], what: str, *, interval: float, timeout: float = math.inf,
            sleep: Callable[[float], Any] = time.sleep, clock: Callable[[], float] = time.monotonic) -> T:
    """Read until two reads `interval` apart agree, and return that.

    For a source that shows what was written only after a delay (CloudWatch Logs): once the writers are done, a
    read taken longer than that delay after them is complete, and the next one agrees with it.
    """
    reads: list[T] = []

    def unchanged(value: T) -> bool:
        reads.append(value)
        return len(reads) > 1 and reads[-2] == value

    return until(read, f"{what} to settle", ready=unchanged, interval=interval, timeout=timeout, sleep=sleep,
                 clock=clock)
