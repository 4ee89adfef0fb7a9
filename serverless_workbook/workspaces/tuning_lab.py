"""Lab 6's workspace: the search function's handler written in a cell, and what the checks run and read.

    %load_ext serverless_workbook.workspaces.tuning_lab

    %%handler search       the cell becomes app.py of the video-search function, in workspace/video_search/

A handler still holding the generated stub is replaced by the function as the lab hands it over
(functions/video_search/app.py, correct and slow), so the exercises after it still run.
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from serverless_workbook.cloud import function_logs, load_runs, trial_functions
from serverless_workbook.common.registry import ROOT
from serverless_workbook.course.lab_format import STUB, NotSaved, without_markers
from serverless_workbook.workspaces import check_cloud, register_saving_magics

HANDED_OVER = ROOT / "functions" / "video_search"
# Chapter 6's function: its event and environment dial compute, waiting and init work, which the checks need.
PROBE = ROOT / "functions" / "tuning_demo"


@dataclass
class Workspace:
    """The learner's search handler; git ignores the folder."""

    folder: Path
    written: bool = False

    @property
    def code(self) -> Path:
        return self.folder / "video_search"

    def save_handler(self, name: str, source: str) -> str:
        if name != "search":
            raise ValueError(f"No handler named {name!r}: this lab has one, %%handler search")
        self.code.mkdir(parents=True, exist_ok=True)
        (self.code / "app.py").write_text(without_markers(source))
        self.written = not STUB.search(source)
        if not self.written:
            return "Saved app.py, still a stub: until you write it, deploys use functions/video_search/app.py."
        return "Saved app.py: the video-search function deploys this code."

    def learner_handler(self) -> Path:
        """The learner's handler alone, for the checks: never the handed-over one."""
        source = self.code / "app.py"
        if not source.is_file():
            raise NotSaved("run the %%handler search cell first")
        stub = STUB.search(source.read_text())
        if stub:
            raise NotImplementedError(stub.group(1))
        return self.code

    def deploy_folder(self) -> Path:
        return self.code if self.written else HANDED_OVER


workspace = Workspace(Path.cwd() / "workspace")


def load_ipython_extension(ipython: Any) -> None:
    global workspace
    workspace = Workspace(Path.cwd() / "workspace")
    register_saving_magics(ipython, handler=workspace.save_handler)


# ---------- what the checks run and read ----------

@contextlib.contextmanager
def scratch(target: Any) -> Iterator[Any]:
    """The checks' cloud: the lab's local cloud, or a local one of their own when the lab runs on AWS."""
    with check_cloud.scratch(target, concurrent=True) as cloud:
        yield cloud


@contextlib.contextmanager
def trial(cloud: Any, folder: Path, name: str, memory_mb: int = 1769, environment: dict[str, str] | None = None,
          timeout: int = 30) -> Iterator[str]:
    """The folder deployed as a throwaway function named after `name`; yields the function's name."""
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work) / name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("__pycache__"))
        with trial_functions.trial_function(cloud, copy, environment or {}, timeout=timeout, memory_mb=memory_mb):
            yield f"{trial_functions.TRIAL_PREFIX}{name}"


@dataclass(frozen=True)
class Log:
    """A function's CloudWatch log, read once it has settled: its lines and its REPORT lines, oldest first."""

    lines: list[str]
    reports: list[load_runs.Report]

    def count(self, text: str) -> int:
        """How many lines hold `text`."""
        return sum(text in line for line in self.lines)


def read_log(cloud: Any, function_name: str) -> Log:
    events = function_logs.events(cloud, function_name)
    return Log([event["message"] for event in events], [report for _, report in load_runs.reports_in(events)])
