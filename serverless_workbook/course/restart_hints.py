"""A NameError in a workbook notebook says what to run first.

A kernel restart forgets every name the notebook's cells set (and, on the local
cloud in the kernel, every deployed stack), so the first cell run afterwards, a
check say, fails on a name such as `exercise`. `make lab` loads this extension
into every kernel (jupyter/kernels/python3/kernel.json), so that message ends with
what to do; a lab that knows which cell sets each of its names says that instead,
in one line.
"""
from __future__ import annotations

from typing import Any

RUN_FIRST = ("Run the cells above this one first; after a kernel restart, start again from the notebook's first "
             "cell (a restart forgets every variable, and on the local cloud every deployed stack).")


def show_missing_names(ipython: Any, defined_by: dict[str, str] | None = None) -> None:
    """Answer a NameError with what to run: for a name in `defined_by`, one line naming the cell that sets it;
    for any other name (a typo, say), the usual traceback, then what to run."""
    known = dict(defined_by or {})

    def missing_name(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: Any = None) -> None:
        # Shown here: IPython drops the traceback a custom handler returns, and the kernel reports the error
        # it is shown (the cell still fails, so "Run All" stops there).
        name = getattr(value, "name", None)
        if name in known:
            shell._showtraceback(etype, value, [f"{etype.__name__}: {value}. It is set by {known[name]}. {RUN_FIRST}"])
        else:
            shown = shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)
            shell._showtraceback(etype, value, [*shown, RUN_FIRST])

    ipython.set_custom_exc((NameError,), missing_name)


def load_ipython_extension(ipython: Any) -> None:
    show_missing_names(ipython)
