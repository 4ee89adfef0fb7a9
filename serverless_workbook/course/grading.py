"""The grading command: mark lab submissions as nbgrader's autograde does.

    python -m serverless_workbook.course.grading labs/lab01-....ipynb

Each submission's answer cells (found by their ``workbook.exercise`` metadata) are put into the pristine
released lab, which runs in a fresh kernel (course.notebook_runner), so an edited, deleted or added check
cell changes nothing. The checks (course.checks) record their verdicts in that kernel, and a last cell
reports them as one structured output: pass or fail is never searched for in printed text. Before anything
runs, course.submission_rules reads the answers and refuses the exercises whose answers take a shortcut or reach
into the grading. Cells and the whole lab run within time limits; what finished counts when the kernel dies. It
prints a per-exercise table, says where the submission's checks differ from the release, and writes JUnit XML;
a failed exercise is a result, so the exit status is 0 unless --strict. A class is graded by course.gradebook,
which runs this module once per submission, in a sandbox.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode

from serverless_workbook.course import notebook_runner, submission_rules
from serverless_workbook.course.checks import VERDICTS_MIME
from serverless_workbook.course.lab_format import check_ids, check_of, exercise_of, is_hidden, points_of
from serverless_workbook.course.labgen import LABS as RELEASE


@dataclass(frozen=True)
class Result:
    exercise_id: str
    points: int
    passed: bool
    message: str
    hidden: bool = False  # a hidden check's: its learner is told that it exists and whether it passed, no more

    @property
    def earned(self) -> int:
        return self.points if self.passed else 0


@dataclass
class Marked:
    results: list[Result]
    stopped: str  # why the run stopped before the end ("" when it did not)
    refused: list[str] = field(default_factory=list)  # exercises refused by the submission rules, and why


def mark(nb: NotebookNode, folder: Path, limits: notebook_runner.Limits = notebook_runner.Limits(),
         on_result: Callable[[Result], None] = lambda found: None) -> Marked:
    """Run the lab in a fresh kernel to the end, as a learner would (errors and all), in a stand-in for
    `folder`; one result per check cell, from what the check itself recorded, each passed to `on_result` as
    soon as it is known. A check that never ran (the kernel died, the time ran out) fails and says why.

    Each check's verdict is read by a REPORT cell run right after it, before any later cell of the
    submission runs, so a later answer cannot rewrite an earlier check's verdict.
    """
    nb = nbformat.from_dict(nb)
    nb.cells = [added for cell in nb.cells
                for added in ([cell, nbformat.v4.new_code_cell(REPORT)] if check_of(cell) else [cell])]
    results: list[Result] = []

    def after_cell(index: int, cell: NotebookNode) -> None:
        if index and check_of(nb.cells[index - 1]):
            results.append(result(nb.cells[index - 1], verdicts(cell)))
            on_result(results[-1])

    stopped = notebook_runner.execute(nb, folder, limits, after_cell)
    for found in unfinished(nb, {r.exercise_id for r in results}, stopped):
        results.append(found)
        on_result(found)
    return Marked(results, stopped)


def unfinished(lab: NotebookNode, reported: set[str], why: str) -> list[Result]:
    """The lab's checks that reported nothing (the kernel died, a time limit passed), failed, saying why."""
    return [Result(check_of(cell), points_of(cell), False, f"the check did not finish: {why}", is_hidden(cell))
            for cell in lab.cells if check_of(cell) and check_of(cell) not in reported]


# Run after a check cell: the verdicts the checks recorded in the kernel, as one structured output.
REPORT = "from serverless_workbook.course import checks as _checks\n_checks.report()"


def verdicts(report_cell: NotebookNode) -> dict[str, dict]:
    """What a REPORT cell showed: exercise id -> {"passed", "message"} (empty when the kernel died before it)."""
    for output in report_cell.get("outputs", []):
        if VERDICTS_MIME in output.get("data", {}):
            return output["data"][VERDICTS_MIME]
    return {}


def result(check_cell: NotebookNode, found: dict[str, dict]) -> Result:
    """The check cell's result: a pass only when its check recorded one and the cell ended without an error;
    else the check's own message, or the error that stopped the cell."""
    exercise_id, points, hidden = check_of(check_cell), points_of(check_cell), is_hidden(check_cell)
    verdict = found.get(exercise_id)
    errors = [o for o in check_cell.get("outputs", []) if o.output_type == "error"]
    if errors and not (verdict and not verdict["passed"]):
        error = errors[0]
        reason = error.evalue.strip().splitlines()[0] if error.evalue.strip() else ""
        return Result(exercise_id, points, False, f"the check did not finish: {error.ename}: {reason}", hidden)
    if verdict is None:
        return Result(exercise_id, points, False, "the check recorded no verdict", hidden)
    return Result(exercise_id, points, verdict["passed"], verdict["message"], hidden)


def splice(submission: NotebookNode, release: NotebookNode) -> tuple[NotebookNode, list[str]]:
    """The released lab with the submission's answer cells in place of its stubs, and notes on what differs.

    Only answer cells come from the submission: its check cells, and any cell it added, are
    not run (the notes say so), so the released checks mark the learner's answers.
    """
    notes = []
    answers: dict[str, list[NotebookNode]] = defaultdict(list)
    checks: dict[str, list[NotebookNode]] = defaultdict(list)
    for cell in submission.cells:
        if exercise_of(cell):
            answers[exercise_of(cell)].append(cell)
        if check_of(cell):
            checks[check_of(cell)].append(cell)
    graded = nbformat.from_dict(release)
    released_answers = {exercise_of(c) for c in graded.cells if exercise_of(c)}
    for cell in graded.cells:
        exercise_id = exercise_of(cell)
        if not exercise_id:
            continue
        mine = answers.get(exercise_id)
        if not mine:
            notes.append(f"{exercise_id}: no answer cell marked {exercise_id} in the submission; graded as not done")
            continue
        if len(mine) > 1:
            notes.append(f"{exercise_id}: {len(mine)} cells are marked as its answer; graded the last one")
        cell.source = mine[-1].source
    for exercise_id in sorted(set(answers) - released_answers):
        notes.append(f"{exercise_id}: answer cell for an exercise the lab does not have; not run")
    released_checks = {check_of(c): c.source for c in graded.cells if check_of(c) and not is_hidden(c)}
    for exercise_id, source in released_checks.items():
        mine = checks.get(exercise_id, [])
        if not mine:
            notes.append(f"{exercise_id}: check cell deleted; the released check was run")
        elif all(c.source.strip() != source.strip() for c in mine):
            notes.append(f"{exercise_id}: check cell edited; the released check was run")
        if len(mine) > 1:
            notes.append(f"{exercise_id}: check cell added ({len(mine)} cells check it); the released check was run")
    for exercise_id in sorted(set(checks) - set(released_checks)):
        notes.append(f"{exercise_id}: check cell added for an exercise the lab does not have; not run")
    released_sources = {c.source.strip() for c in release.cells}
    extra = [c for c in submission.cells if c.cell_type == "code" and not exercise_of(c) and not check_of(c)
             and c.source.strip() and c.source.strip() not in released_sources]
    if extra:
        notes.append(f"{len(extra)} code cell(s) of yours outside the answer cells were not run")
    return graded, notes


def release_of(submission_path: Path, release_dir: Path = RELEASE) -> Path:
    """The released lab a submission answers: the one of the same file name, else the one whose checks are the
    submission's (a submission renamed after its learner)."""
    released = release_dir / submission_path.name
    if released.is_file():
        return released
    try:
        ids = check_ids(nbformat.read(submission_path, as_version=4), hidden=False)
    except Exception as error:  # nbformat's many ways of saying the file is not a notebook
        raise FileNotFoundError(f"{submission_path.name} is not a notebook nbformat can read ({error})") from error
    same = [lab for lab in sorted(release_dir.glob("*.ipynb"))
            if ids and check_ids(nbformat.read(lab, as_version=4), hidden=False) == ids]
    if len(same) != 1:
        raise FileNotFoundError(f"no released lab named {submission_path.name} in {release_dir}, nor one with its "
                                "checks; keep the lab's file name, or pass --release with the folder of the "
                                "released labs")
    return same[0]


def grade(path: Path, release_dir: Path = RELEASE, limits: notebook_runner.Limits = notebook_runner.Limits(),
          on_result: Callable[[Result], None] = lambda found: None) -> tuple[Marked, list[str]]:
    """Run the submission's answers inside the released lab; what it earned and the notes on what differs."""
    released = release_of(path, release_dir)
    submission, release = nbformat.read(path, as_version=4), nbformat.read(released, as_version=4)
    graded, notes = splice(submission, release)
    # Read before anything runs, outside the kernel: a refused exercise earns nothing, whatever its check says.
    refused = {r.exercise_id: r.reason for r in submission_rules.refusals(submission, release)}

    def refuse(found: Result) -> Result:
        reason = refused.get(found.exercise_id)
        return replace(found, passed=False, message=f"refused: {reason}") if reason else found

    # The released lab's folder: its relative paths (../diagrams, workspace/) resolve as in the release.
    marked = mark(graded, released.parent, limits, lambda found: on_result(refuse(found)))
    marked.results = [refuse(r) for r in marked.results]
    marked.refused = [f"{exercise_id} refused: {reason}" for exercise_id, reason in refused.items()]
    return marked, notes


def table(results_: list[Result], title: str, notes: list[str] = ()) -> str:
    width = max([len("exercise")] + [len(r.exercise_id) for r in results_])
    lines = [title, f"{'exercise':<{width}}  points  result  message"]
    for r in results_:
        lines.append(f"{r.exercise_id:<{width}}  {r.earned:>2}/{r.points:<3}  "
                     f"{'passed' if r.passed else 'FAILED'}  {r.message}")
    total = sum(r.earned for r in results_)
    possible = sum(r.points for r in results_)
    lines.append(f"{'total':<{width}}  {total:>2}/{possible:<3}  "
                 f"{sum(r.passed for r in results_)} of {len(results_)} exercises passed")
    if notes:
        lines.append("The submission differs from the released lab:")
        lines += [f"  {note}" for note in notes]
    return "\n".join(lines)


def junit_xml(results_: list[Result], suite: str, notes: list[str] = ()) -> bytes:
    root = ET.Element("testsuite", name=suite, tests=str(len(results_)),
                      failures=str(sum(not r.passed for r in results_)))
    for r in results_:
        case = ET.SubElement(root, "testcase", classname=suite, name=f"exercise {r.exercise_id}")
        if not r.passed:
            ET.SubElement(case, "failure", message=r.message).text = r.message
        else:
            ET.SubElement(case, "system-out").text = r.message
    if notes:
        ET.SubElement(root, "system-out").text = "\n".join(notes)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _stream(name: str, release: Path, limits: notebook_runner.Limits) -> None:
    """Grade the submission on stdin, as the released lab named `name`, for the gradebook: JSON lines on stdout,
    each as soon as it is known, so what a submission earned before its process was stopped is kept."""
    # The results go out on a copy of stdout that no child process inherits; what was stdout becomes stderr, so
    # output the kernel or a process the submission starts writes to its inherited stdout cannot pose as results.
    channel = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())

    def emit(**line: object) -> None:
        print(json.dumps(line), file=channel, flush=True)

    notebook = Path(tempfile.mkdtemp(prefix="submission-")) / name
    notebook.write_text(sys.stdin.read(), encoding="utf-8")
    marked, notes = grade(notebook, release, limits, lambda found: emit(result=asdict(found)))
    emit(notes=notes, stopped=marked.stopped, refused=marked.refused)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Grade lab submissions: their answer cells run inside the released lab, which scores them. "
                    "A failed exercise is a result, not an error: the exit status is 0 unless --strict.")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--release", type=Path, default=RELEASE,
                        help="folder of the released labs, matched by file name (default: labs/)")
    parser.add_argument("--reports", type=Path, default=Path("reports"),
                        help="folder for the JUnit XML files (default: reports/)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when an exercise failed (for CI)")
    parser.add_argument("--cell-timeout", type=float, default=notebook_runner.CELL_TIMEOUT_S,
                        help="seconds a cell may run before it is interrupted")
    parser.add_argument("--time-limit", type=float, default=math.inf, help="seconds the whole lab may run")
    # The gradebook's child process, in its sandbox: the notebook on stdin, the released lab's name the argument.
    parser.add_argument("--stdin-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    limits = notebook_runner.Limits(args.cell_timeout, args.time_limit)
    if args.stdin_json:
        _stream(args.notebooks[0].name, args.release, limits)
        return 0
    for notebook in args.notebooks:
        if not notebook.is_file():
            parser.error(f"no such notebook: {notebook}")
        try:
            release_of(notebook, args.release)
        except FileNotFoundError as error:
            parser.error(str(error))
    all_passed = True
    for notebook in args.notebooks:
        print(f"Running the answers of {notebook} in the released lab, in a fresh kernel...", flush=True)
        marked, notes = grade(notebook, args.release, limits)
        if not marked.results:
            parser.error(f"{notebook} has no exercise checks (cells with workbook.check metadata)")
        print(table(marked.results, f"Grade for {notebook}", notes))
        junit = args.reports / f"{notebook.stem}.xml"
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(marked.results, notebook.stem, notes))
        print(f"JUnit XML written to {junit}\n")
        all_passed &= all(r.passed for r in marked.results)
    return 1 if args.strict and not all_passed else 0


if __name__ == "__main__":
    sys.exit(main())
