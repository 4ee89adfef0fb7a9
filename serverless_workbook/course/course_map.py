"""The start page's course map, generated from the course registry (course.toml), as labs/ is from solutions/.

    python -m serverless_workbook.course.course_map     # rewrite the map's cell on the start page (make course-map)

The map stays a markdown cell, so the page reads as a page; a test fails when it differs from what the
registry renders.
"""
from __future__ import annotations

import os
from pathlib import Path

import nbformat

from serverless_workbook.common import registry

START_PAGE = registry.ROOT / "chapters" / "00-start-here.ipynb"
HEADING = "## The course map"


def _duration(minutes: int) -> str:
    return f"{minutes} min" if minutes < 60 else f"{minutes / 60:g} h"


def _link(target: Path) -> str:
    return os.path.relpath(target, START_PAGE.parent)


def render() -> str:
    rows = []
    for chapter in registry.chapters():
        if chapter.path == START_PAGE:
            continue
        lab = registry.lab_of(chapter)
        if lab is None:
            raise registry.RegistryError(f"course.toml: {chapter.name} has no lab; the map pairs each chapter with one")
        rows.append(f"| {chapter.number} | [{chapter.title}]({_link(chapter.path)}) — {chapter.summary} "
                    f"| [Lab {lab.number} — {lab.title}]({_link(lab.released)}) | {chapter.book} "
                    f"| {_duration(chapter.minutes)} + {_duration(lab.minutes)} |")
    return "\n".join([
        HEADING, "",
        "Work down the table: read a chapter, then do its lab.", "",
        "| # | chapter | lab | the book | time |",
        "|---|---|---|---|---|",
        *rows, "",
        "The times are estimates for a first reading and a first attempt; "
        "the labs' first runs include a few minutes of setup.",
        "The reference answers of the labs are in `solutions/` (for instructors; try the lab first).",
    ])


def map_cell(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    [cell] = [c for c in nb.cells if c.cell_type == "markdown" and c.source.startswith(HEADING)]
    return cell


def write() -> None:
    nb = nbformat.read(START_PAGE, as_version=4)
    map_cell(nb).source = render()
    nbformat.write(nb, START_PAGE)


if __name__ == "__main__":
    write()
    print(f"wrote the course map of {START_PAGE.relative_to(registry.ROOT)}")
