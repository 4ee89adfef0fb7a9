"""How a lab notebook marks its exercises; shared by the generator and the grader.

Instructors write one solution notebook. A cell holding an exercise's answer
carries ``{"workbook": {"exercise": "1.2"}}`` in its metadata and fences the
answer with nbgrader's markers; the cell that checks it carries
``{"workbook": {"check": "1.2", "points": 2}}``.
"""
from __future__ import annotations

from nbformat import NotebookNode

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"


def _marks(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("workbook", {})


def exercise_of(cell: NotebookNode) -> str | None:
    """The id of the exercise whose answer this cell holds, if any."""
    return _marks(cell).get("exercise")


def check_of(cell: NotebookNode) -> str | None:
    """The id of the exercise this cell checks, if any."""
    return _marks(cell).get("check")


def points_of(cell: NotebookNode) -> int:
    return int(_marks(cell).get("points", 1))


def check_ids(nb: NotebookNode) -> list[str]:
    """Exercise ids in the order their checks appear."""
    return [check_of(c) for c in nb.cells if check_of(c)]
