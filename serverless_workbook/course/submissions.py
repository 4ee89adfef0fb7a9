"""A class's submissions found in a folder, whichever way it was collected: who each learner is, which notebooks.

    one folder per learner      submissions/alice/lab01-serverless-or-not.ipynb (notebooks at any depth)
    GitHub Classroom            submissions/labs-alice/labs/lab01-....ipynb: when every folder is a git clone, their
                                common "<assignment>-" prefix is dropped
    nbgrader                    submissions/submitted/alice/lab01/lab01-....ipynb (or that `submitted/` itself)
    one notebook per learner    submissions/alice.ipynb (the lab is the one whose checks it has)

Checkpoints (.ipynb_checkpoints) and hidden folders are not submissions.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Submission:
    learner: str
    notebook: Path


def find(root: Path) -> list[Submission]:
    """Every learner's notebooks under `root`, sorted by learner, then notebook."""
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder of submissions")
    if (root / "submitted").is_dir():  # nbgrader's course folder
        root = root / "submitted"
    entries = sorted(entry for entry in root.iterdir() if not entry.name.startswith("."))
    folders = [entry for entry in entries if entry.is_dir()]
    clones = all((folder / ".git").exists() for folder in folders)
    prefix = _classroom_prefix([folder.name for folder in folders]) if clones else ""
    found = [Submission(entry.stem, entry) for entry in entries if entry.is_file() and entry.suffix == ".ipynb"]
    for folder in folders:
        found += [Submission(folder.name[len(prefix):], notebook) for notebook in _notebooks(folder)]
    return sorted(found, key=lambda submission: (submission.learner, submission.notebook.name))


def _notebooks(folder: Path) -> list[Path]:
    found = []
    for parent, subfolders, files in os.walk(folder):
        subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
        found += [Path(parent) / name for name in sorted(files) if name.endswith(".ipynb")]
    return found


def _classroom_prefix(names: list[str]) -> str:
    """The "<assignment>-" every GitHub Classroom clone's name starts with (a lone clone's name is kept)."""
    if len(names) < 2:
        return ""
    prefix = os.path.commonprefix(names)
    return prefix[:prefix.rfind("-") + 1]
