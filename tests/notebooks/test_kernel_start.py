"""The notebook sessions' kernel start (tests/conftest.py): one that dies as it starts is started once more."""
import nbval.kernel
import pytest

import conftest


@pytest.mark.parametrize("failure, attempts", [("Kernel died before replying to kernel_info", 2),
                                               ("Kernel didn't respond in 60 seconds", 1)],
                         ids=["died: once more, and only once", "another failure: not again"])
def test_a_kernel_that_dies_as_it_starts_is_started_once_more(monkeypatch, failure, attempts):
    tried = []

    def failing(*args, **kwargs):
        tried.append(args)
        raise RuntimeError(failure)

    monkeypatch.setattr(conftest, "_start_new_kernel", failing)
    with pytest.raises(RuntimeError, match=failure):
        nbval.kernel.start_new_kernel()
    assert len(tried) == attempts


def test_a_kernel_that_starts_is_returned(monkeypatch):
    monkeypatch.setattr(conftest, "_start_new_kernel", lambda *args, **kwargs: ("manager", "client"))
    assert nbval.kernel.start_new_kernel() == ("manager", "client")
