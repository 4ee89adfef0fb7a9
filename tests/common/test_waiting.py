"""The one waiting helper: ready values come back at once, back-off grows to its cap, and a wait that gives up says
what it waited for, how long, and what it saw last. A fake clock: no test here sleeps."""
import pytest

from serverless_workbook.common import waiting


class Clock:
    def __init__(self):
        self.now, self.sleeps = 0.0, []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def test_a_ready_value_is_returned_without_sleeping():
    clock = Clock()
    assert waiting.until(lambda: "done", "the job", clock=clock, sleep=clock.sleep) == "done"
    assert clock.sleeps == []


def test_the_pause_grows_by_the_backoff_up_to_its_cap_and_never_past_the_deadline():
    clock, answers = Clock(), iter([None] * 6 + ["done"])
    found = waiting.until(lambda: next(answers), "the job", interval=1, backoff=2, max_interval=5, timeout=100,
                          clock=clock, sleep=clock.sleep)
    assert found == "done" and clock.sleeps == [1, 2, 4, 5, 5, 5]
    clock = Clock()
    with pytest.raises(waiting.WaitTimedOut):
        waiting.until(lambda: None, "the job", interval=4, timeout=6, clock=clock, sleep=clock.sleep)
    assert clock.sleeps == [4, 2]


def test_a_wait_past_its_deadline_names_what_it_waited_for_and_what_it_saw():
    clock = Clock()
    with pytest.raises(waiting.WaitTimedOut) as waited:
        waiting.until(lambda: {"status": "PROGRESSING"}, "the job to end", ready=lambda job: job["status"] == "COMPLETE",
                      timeout=30, interval=1, show=lambda job: job["status"], clock=clock, sleep=clock.sleep)
    assert str(waited.value) == "still waiting for the job to end after 30 s; last seen: PROGRESSING"
    assert waited.value.why == "after 30 s" and waited.value.last == {"status": "PROGRESSING"}
    assert isinstance(waited.value, TimeoutError)


def test_a_hopeless_wait_gives_up_at_once_with_its_reason():
    clock = Clock()
    with pytest.raises(waiting.WaitTimedOut, match="still waiting for the item and nothing is left to run"):
        waiting.until(lambda: None, "the item", timeout=30, hopeless=lambda: "and nothing is left to run",
                      clock=clock, sleep=clock.sleep)
    assert clock.sleeps == []
