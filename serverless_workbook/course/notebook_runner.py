"""Execute notebooks in place, in the pinned environment, as nbval will re-run them.

    python -m serverless_workbook.course.notebook_runner chapters/02-event-driven-pipeline.ipynb ...
    python -m serverless_workbook.course.notebook_runner --strip-only solutions/*.ipynb

Each notebook runs in a fresh kernel in its own folder (its relative paths,
`../templates/...`, resolve as in JupyterLab). The timing metadata Jupyter adds to
every cell is dropped: it is a date, changes on every run, and nbval ignores it.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

CELL_TIMEOUT_S = 900


def without_timings(nb: NotebookNode) -> NotebookNode:
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


def execute(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(without_timings(nb), path)


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
            execute(path)


if __name__ == "__main__":
    main()
