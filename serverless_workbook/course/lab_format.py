"""How a lab notebook marks its exercises; shared by the generator and the grader.

Instructors write one solution notebook. A cell holding an exercise's answer
carries ``{"workbook": {"exercise": "1.2"}}`` in its metadata and fences the
answer with nbgrader's markers; the cell that checks it carries
``{"workbook": {"check": "1.2", "points": 2}}``. A hidden check, which the learner's lab does not have and only
the instructor's release runs, carries ``{"workbook": {"check": "1.2-hidden", "points": 1, "hidden": true}}``.
"""
from __future__ import annotations

import ast
import re

from nbformat import NotebookNode

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
# What a stubbed region raises; the lab magics recognise a part the learner has not done yet by it.
STUB = re.compile(r'raise NotImplementedError\("(Exercise [\w.]+ is not done yet)"\)')


class NotSaved(RuntimeError):
    """An exercise's cell has not been run in this kernel yet (or not since a restart), so its check has no answer."""


def stub_line(exercise_id: str) -> str:
    return f'raise NotImplementedError("Exercise {exercise_id} is not done yet")'


def without_markers(text: str) -> str:
    """The solution as it runs: the marker lines dropped, everything between them kept."""
    return "\n".join(line for line in text.splitlines() if line.strip() not in (BEGIN, END)) + "\n"


def _marks(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("workbook", {})


def exercise_of(cell: NotebookNode) -> str | None:
    """The id of the exercise whose answer this cell holds, if any."""
    return _marks(cell).get("exercise")


def check_of(cell: NotebookNode) -> str | None:
    """The id of the exercise this cell checks, if any."""
    return _marks(cell).get("check")


def is_hidden(cell: NotebookNode) -> bool:
    """Whether this check cell is hidden: stripped from labs/, run only by the instructor's release."""
    return bool(_marks(cell).get("hidden"))


def points_of(cell: NotebookNode) -> int:
    return int(_marks(cell).get("points", 1))


def check_ids(nb: NotebookNode, hidden: bool = True) -> list[str]:
    """Check ids in the order their checks appear (the hidden checks' too, unless `hidden` is False)."""
    return [check_of(c) for c in nb.cells if check_of(c) and (hidden or not is_hidden(c))]


def top_level_functions(source: str) -> dict[str, ast.FunctionDef]:
    """The functions a cell or handler file defines at its top level, by name."""
    return {node.name: node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef)}
