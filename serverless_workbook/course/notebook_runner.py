"""The one way the workbook runs a notebook outside JupyterLab: in a fresh kernel, with one timeout per cell.

    python -m serverless_workbook.course.notebook_runner chapters/02-event-driven-pipeline.ipynb ...
    python -m serverless_workbook.course.notebook_runner --strip-only solutions/*.ipynb

Three callers, one runner:
- `execute_in_place` (make execute): a chapter or solution run in its own folder, as nbval will re-run it,
  and saved with its outputs. The timing metadata Jupyter adds to every cell is dropped: it is a date,
  changes on every run, and nbval ignores it.
- `execute` (the grading command): a lab run to the end, carrying on past errors as a learner would, in a
  stand-in for its folder, within time limits (`Limits`), keeping what ran when its kernel dies.
- `Kernel` (the warm-lab tests): one kernel driven a cell at a time, in a stand-in folder too.

Lab cells save handlers, template parts and clips into `workspace/` beside the notebook. The grader and the
lab tests run labs while the learner (or nbval) may run the same lab: each of those runs gets an empty
folder standing where the notebook's folder stands (`folder_like`), whose siblings (`templates/`,
`functions/`, `diagrams/`, ...) link to the real ones, so the notebook's relative paths still resolve.
"""
from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

# A cell that runs this long is hung: the longest cell of any notebook here takes well under a minute.
CELL_TIMEOUT_S = 600
# What jupyter_client says of a kernel that exited before it answered.
KERNEL_DIED = "Kernel died before replying to kernel_info"
T = TypeVar("T")


def _client(nb: NotebookNode, cwd: Path, allow_errors: bool) -> NotebookClient:
    # The kernel's own log (ipykernel's "running over TCP without encryption" warning above every grade) is not
    # the notebook's output: only its errors are shown.
    return NotebookClient(nb, timeout=CELL_TIMEOUT_S, allow_errors=allow_errors, kernel_name="python3",
                          extra_arguments=["--IPKernelApp.log_level=ERROR"],
                          resources={"metadata": {"path": str(cwd)}})


def once_more_if_the_kernel_died(start: Callable[[], T]) -> T:
    """start(), called once more when the kernel it started died before it answered: while other kernels and
    servers started beside it, one did so about once in twenty test runs. One that dies at every start still
    fails, and so does any other failure."""
    try:
        return start()
    except RuntimeError as error:
        if KERNEL_DIED not in str(error):
            raise
        print(f"The kernel died as it started ({error}); starting it once more", file=sys.stderr)
        return start()


@contextmanager
def kernel_of(client: NotebookClient) -> Iterator[None]:
    """client.setup_kernel(), under once_more_if_the_kernel_died (nbclient drops a dead kernel's manager)."""
    with ExitStack() as stack:
        once_more_if_the_kernel_died(lambda: stack.enter_context(client.setup_kernel()))
        yield


@contextmanager
def folder_like(folder: Path) -> Iterator[Path]:
    """An empty stand-in for `folder`, removed on exit with everything written into it."""
    folder = folder.resolve()
    with tempfile.TemporaryDirectory(prefix="workbook-run-") as root:
        for sibling in folder.parent.iterdir():
            if sibling.name != folder.name:
                (Path(root) / sibling.name).symlink_to(sibling)
        stand_in = Path(root) / folder.name
        stand_in.mkdir()
        yield stand_in


def without_timings(nb: NotebookNode) -> NotebookNode:
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def execute_in_place(path: Path) -> None:
    """Run the notebook in its own folder, stopping at the first error, and save it with its outputs."""
    nb = nbformat.read(path, as_version=4)
    _client(nb, path.parent, allow_errors=False).execute()
    nbformat.write(without_timings(nb), path)


@dataclass(frozen=True)
class Limits:
    """How long a graded run may take: each cell, and the whole notebook."""

    cell_seconds: float = CELL_TIMEOUT_S
    notebook_seconds: float = math.inf


def execute(nb: NotebookNode, folder: Path, limits: Limits = Limits(),
            after_cell: Callable[[int, NotebookNode], None] = lambda index, cell: None) -> str:
    """Run every cell in a fresh kernel, carrying on past errors, in a stand-in for `folder` (whose own
    workspace/ is left as it was), calling `after_cell` after each; the outputs are in `nb`.

    A cell past its limit is interrupted (its outputs end with the KeyboardInterrupt), and the run goes on
    without waiting for the interrupted cell's reply; what ran is kept when the kernel dies or the notebook's
    limit passes. Why the run stopped early ("" when every cell ran).
    """
    deadline = time.monotonic() + limits.notebook_seconds
    with folder_like(folder) as cwd:
        client = _client(nb, cwd, allow_errors=True)
        client.interrupt_on_timeout = True
        client.reset_execution_trackers()
        with kernel_of(client):
            for index, cell in enumerate(nb.cells):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return f"stopped at the notebook's time limit ({limits.notebook_seconds:g} s)"
                client.timeout = max(1, int(min(limits.cell_seconds, remaining)))
                client.error_on_timeout = {"ename": "CellTimeout", "traceback": [],
                                           "evalue": f"the cell ran past its limit ({client.timeout} s)"}
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    return ("the kernel died (a crash, or the memory limit) while running cell "
                            f"{index + 1}; the cells after it did not run")
                after_cell(index, cell)
    return ""


class Kernel:
    """A fresh kernel in a stand-in for `folder`, driven a cell at a time; errors are outputs, not exceptions.

    Every cell it runs is appended to `nb`, so what ran, and in which order, can be read afterwards.
    """

    def __init__(self, nb: NotebookNode, folder: Path) -> None:
        self.nb = nb
        self.folder = folder

    @contextmanager
    def started(self) -> Iterator[Kernel]:
        with folder_like(self.folder) as cwd:
            self.client = _client(self.nb, cwd, allow_errors=True)
            self.client.reset_execution_trackers()
            with kernel_of(self.client):
                yield self

    def run(self, source: str, metadata: dict | None = None) -> NotebookNode:
        cell = nbformat.v4.new_code_cell(source, metadata=metadata or {})
        self.nb.cells.append(cell)
        return self.client.execute_cell(cell, len(self.nb.cells) - 1)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Execute notebooks in place and drop their timing metadata.")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--strip-only", action="store_true", help="only drop the timing metadata")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        if args.strip_only:
            nbformat.write(without_timings(nbformat.read(path, as_version=4)), path)
        else:
            print(f"executing {path}", flush=True)
            execute_in_place(path)


if __name__ == "__main__":
    main()
