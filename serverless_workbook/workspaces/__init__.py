"""What the chapters and labs build and drive, one module per workspace.

    pipeline_lab    lab 2: handlers and template parts written in cells, deployed as the video pipeline
    pipeline_run    the deployed pipeline (chapters 2-3, labs 2-3): deploy, upload, wait, read what happened
    api_lab         lab 3: route handlers written in cells, spliced into the catalogue API
    catalogue       the catalogue API over the pipeline (chapter 3, lab 3): deploy, sign users in, call it
    patterns_lab    lab 4: the chapter 4 pattern stacks for the checks, handlers written in cells
    parallel_lab    lab 5: the parallel-encode handlers and state machine written in cells
    tuning_lab      lab 6: the search handler written in a cell, and the trial functions and logs its checks read
    check_cloud     the checks' scratch cloud: throwaway buckets and tables to try one handler on its own

May import every other package of the workbook (course, cloud, models, localcloud, common): this is the
top layer.
"""
from __future__ import annotations

from typing import Any, Callable

# The modules other packages, notebooks and commands may use, and the one helper defined here.
__all__ = [
    "api_lab", "catalogue", "check_cloud", "parallel_lab", "patterns_lab", "pipeline_lab", "pipeline_run",
    "tuning_lab",
    "register_saving_magics",
]


def register_saving_magics(ipython: Any, **saves: Callable[[str, str], str]) -> None:
    """Cell magics named after `saves`' keys: each passes its line (stripped) and its cell to the save
    function and prints what that answers (where the cell went)."""
    for name, save in saves.items():
        def magic(line: str, cell: str, save: Callable[[str, str], str] = save) -> None:
            print(save(line.strip(), cell))
        ipython.register_magic_function(magic, "cell", name)
