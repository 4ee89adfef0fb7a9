"""Generates the student labs in labs/ from the instructor's sources in solutions/.

Each solution region becomes a stub that raises NotImplementedError, outputs
are cleared, hidden checks are dropped, and no marker or solution text survives.
The same stubbing, applied to one exercise at a time, drives the invert test.
The instructor's release (`--instructor`) is the same with its hidden checks
kept: the grader runs it, learners never see it.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from serverless_workbook.course.notebook_runner import without_timings
from serverless_workbook.course.lab_format import BEGIN, END, exercise_of, is_hidden, stub_line
from serverless_workbook.common.registry import ROOT

SOLUTIONS = ROOT / "solutions"
LABS = ROOT / "labs"
# Beside labs/, so the labs' relative paths (../templates) resolve; not committed (.gitignore).
INSTRUCTOR_RELEASE = ROOT / ".instructor-release"


class MarkerError(ValueError):
    """A solution region that is not closed, or not opened, or not labelled."""


def stub_source(source: str, exercise_id: str, markdown: bool = False) -> str:
    """The source with every solution region replaced by the student's stub."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkerError(f"exercise {exercise_id}: line {number} opens a region inside another")
            inside = True
            indent = line[: len(line) - len(line.lstrip())]
            if markdown:
                out.append(f"{indent}*Your answer here.*")
            else:
                out.append(f"{indent}# YOUR CODE HERE")
                out.append(f"{indent}{stub_line(exercise_id)}")
        elif stripped == END:
            if not inside:
                raise MarkerError(f"exercise {exercise_id}: line {number} closes a region never opened")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkerError(f"exercise {exercise_id}: a region is never closed ({END!r} missing)")
    return "\n".join(out)


def stub_exercises(nb: NotebookNode, only: set[str] | None = None) -> NotebookNode:
    """A copy of nb with the solutions of `only` (default: every exercise) stubbed."""
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        has_marker = BEGIN in cell.source or END in cell.source
        exercise_id = exercise_of(cell)
        if has_marker and not exercise_id:
            raise MarkerError(f"cell {cell.get('id')} has solution markers but no workbook.exercise metadata")
        if exercise_id and (only is None or exercise_id in only):
            cell.source = stub_source(cell.source, exercise_id, markdown=cell.cell_type == "markdown")
    return nb


def student_version(nb: NotebookNode, keep_hidden: bool = False) -> NotebookNode:
    """Every exercise stubbed, outputs and execution counts cleared, hidden checks dropped unless `keep_hidden`."""
    nb = stub_exercises(nb)
    nb.cells = [cell for cell in nb.cells if keep_hidden or not is_hidden(cell)]
    # Widget state belongs to the cleared outputs, and its model ids change with every execution.
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return without_timings(nb)


def generate(out_dir: Path = LABS, sources: Path = SOLUTIONS, keep_hidden: bool = False) -> list[Path]:
    """Writes the student version of every solution notebook into out_dir (the instructor's, with its hidden
    checks, when `keep_hidden`)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for solution in sorted(sources.glob("*.ipynb")):
        lab = student_version(nbformat.read(solution, as_version=4), keep_hidden)
        leaked = re.search(r"BEGIN SOLUTION|END SOLUTION", nbformat.writes(lab))
        if leaked:
            raise MarkerError(f"{solution.name}: a solution marker survived generation")
        target = out_dir / solution.name
        nbformat.write(lab, target)
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate the student labs from solutions/.")
    parser.add_argument("--out", type=Path, default=LABS, help="where to write the labs (default: labs/)")
    parser.add_argument("--instructor", action="store_true",
                        help=f"the instructor's release, hidden checks kept (default: {INSTRUCTOR_RELEASE.name}/)")
    args = parser.parse_args()
    out = INSTRUCTOR_RELEASE if args.instructor and args.out == LABS else args.out
    for path in generate(out, keep_hidden=args.instructor):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


if __name__ == "__main__":
    main()
