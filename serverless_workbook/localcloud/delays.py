"""AWS's documented delays, scaled down to seconds, so that code which assumes immediacy fails here as it may there.

Each delay is AWS's, shortened: where AWS documents seconds or minutes, the local cloud waits a fraction of a
second to a second, enough to catch code that assumes immediacy, short enough for a suite that runs every lab
many times. The code that copes with a delay on AWS (waiting for it, retrying, reading until a result settles)
copes with it here, in less time; the code that assumes immediacy fails here, as it would on a real account.

WORKBOOK_AWS_DELAYS multiplies every delay: 1 (the default) wherever the notebooks run, 0 for a test that wants
none, 2 to see whether code copes with twice as long.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

SCALE = "WORKBOOK_AWS_DELAYS"


@dataclass(frozen=True)
class Delay:
    local_seconds: float  # the local cloud's, at scale 1

    def seconds(self) -> float:
        return self.local_seconds * _scale()

    def at_most(self) -> float:
        """How long code that waits for it must allow: a delay keeps the length it had when it began, so one
        begun at the default scale may still be running after the scale was lowered."""
        return self.local_seconds * max(1.0, _scale())


def _scale() -> float:
    return float(os.environ.get(SCALE, "1"))


# AWS's, in its documentation (the parity ledger links each): about five minutes; seconds; minutes; the time the
# mapping's poller takes to start; seconds.
NOTIFICATION_CONFIGURATION = Delay(0.5)
LOG_EVENTS = Delay(0.2)
TAGGING_LISTING = Delay(1.0)
STREAM_START = Delay(0.5)
ROLE_PROPAGATION = Delay(0.1)
