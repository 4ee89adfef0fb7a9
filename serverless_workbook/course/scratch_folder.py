"""A private folder to run a notebook in, so that what it writes never lands in the real one.

Lab cells save handlers, template parts and clips into `workspace/` beside the
notebook. The grader and the lab tests run labs too, sometimes while the
learner (or nbval) runs the same lab: each of those runs gets an empty folder
standing where the notebook's folder stands, whose siblings (`templates/`,
`functions/`, `diagrams/`, ...) link to the real ones, so the notebook's
relative paths (`../templates/...`) still resolve.
"""
from __future__ import annotations

import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


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
