"""The notebook sessions' kernel start (tests/conftest.py): one that dies as it starts is started once more."""
import nbval.kernel
import pytest

import conftest


def test_a_kernel_that_dies_as_it_starts_is_started_once_more_and_only_once(monkeypatch):
    attempts = []

    def dying(*args, **kwargs):
        attempts.append(args)
        raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(conftest, "_start_new_kernel", dying)
    with pytest.raises(RuntimeError, match="Kernel died"):
        nbval.kernel.start_new_kernel()
    assert len(attempts) == 2

    monkeypatch.setattr(conftest, "_start_new_kernel", lambda *args, **kwargs: attempts.clear() or ("km", "kc"))
    assert nbval.kernel.start_new_kernel() == ("km", "kc")


def test_another_failure_to_start_is_not_retried(monkeypatch):
    attempts = []

    def timing_out(*args, **kwargs):
        attempts.append(args)
        raise RuntimeError("Kernel didn't respond in 60 seconds")

    monkeypatch.setattr(conftest, "_start_new_kernel", timing_out)
    with pytest.raises(RuntimeError, match="didn't respond"):
        nbval.kernel.start_new_kernel()
    assert len(attempts) == 1
