"""AWS's documented delays, scaled down to seconds, so that code which assumes immediacy fails here as it may there.

Each delay is AWS's, shortened: AWS documents minutes where the local cloud waits a second or two. The code
that copes with a delay on AWS (waiting for it, retrying, reading until a result settles) copes with it here,
in less time; the code that assumes immediacy fails here, as it would on a real account.

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
    aws: str  # what AWS documents

    def seconds(self) -> float:
        return self.local_seconds * float(os.environ.get(SCALE, "1"))


NOTIFICATION_CONFIGURATION = Delay(1.0, "about five minutes")
LOG_EVENTS = Delay(0.5, "seconds")
TAGGING_LISTING = Delay(2.0, "minutes")
STREAM_START = Delay(1.0, "the time the mapping takes to start polling")
ROLE_PROPAGATION = Delay(0.5, "seconds")
