"""The grading command: mark lab submissions as nbgrader's autograde does.

    python -m serverless_workbook.course.grading labs/lab01-....ipynb

Each submission's answer cells (found by their ``workbook.exercise`` metadata) are put into the pristine
released lab, which runs in a fresh kernel (course.notebook_runner), so an edited, deleted or added check
cell changes nothing. The checks (course.checks) record their verdicts in that kernel, and a last cell
reports them as one structured output: pass or fail is never searched for in printed text. It prints a
per-exercise table, says where the submission's checks differ from the release, and writes JUnit XML.
"""
from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from serverless_workbook.course import notebook_runner
from serverless_workbook.course.checks import VERDICTS_MIME
from serverless_workbook.course.lab_format import check_of, exercise_of, points_of
from serverless_workbook.course.labgen import LABS as RELEASE


@dataclass(frozen=True)
class Result:
    exercise_id: str
    points: int
    passed: bool
    message: str

    @property
    def earned(self) -> int:
        return self.points if self.passed else 0


def mark(nb: NotebookNode, folder: Path) -> list[Result]:
    """Run the lab in a fresh kernel to the end, as a learner would (errors and all), in a stand-in for
    `folder`; one result per check cell, from what the check itself recorded.

    Each check's verdict is read by a REPORT cell run right after it, before any later cell of the
    submission runs, so a later answer cannot rewrite an earlier check's verdict.
    """
    nb = nbformat.from_dict(nb)
    nb.cells = [added for cell in nb.cells
                for added in ([cell, nbformat.v4.new_code_cell(REPORT)] if check_of(cell) else [cell])]
    executed = notebook_runner.execute(nb, folder)
    return [result(cell, verdicts(report)) for cell, report in zip(executed.cells, executed.cells[1:])
            if check_of(cell)]


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
    exercise_id, points = check_of(check_cell), points_of(check_cell)
    verdict = found.get(exercise_id)
    errors = [o for o in check_cell.get("outputs", []) if o.output_type == "error"]
    if errors and not (verdict and not verdict["passed"]):
        error = errors[0]
        reason = error.evalue.strip().splitlines()[0] if error.evalue.strip() else ""
        return Result(exercise_id, points, False, f"the check did not finish: {error.ename}: {reason}")
    if verdict is None:
        return Result(exercise_id, points, False, "the check recorded no verdict")
    return Result(exercise_id, points, verdict["passed"], verdict["message"])


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
    released_checks = {check_of(c): c.source for c in graded.cells if check_of(c)}
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
    released = release_dir / submission_path.name
    if not released.is_file():
        raise FileNotFoundError(f"no released lab named {submission_path.name} in {release_dir}; "
                                "keep the lab's file name, or pass --release with the folder of the released labs")
    return released


def grade(path: Path, release_dir: Path = RELEASE) -> tuple[list[Result], list[str]]:
    """Run the submission's answers inside the released lab; its results and the notes on what differs."""
    released = release_of(path, release_dir)
    graded, notes = splice(nbformat.read(path, as_version=4), nbformat.read(released, as_version=4))
    # The released lab's folder: its relative paths (../diagrams, workspace/) resolve as in the release.
    return mark(graded, released.parent), notes


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Grade lab submissions: their answer cells run inside the released lab, which scores them.")
    parser.add_argument("notebooks", type=Path, nargs="+")
    parser.add_argument("--release", type=Path, default=RELEASE,
                        help="folder of the released labs, matched by file name (default: labs/)")
    parser.add_argument("--reports", type=Path, default=Path("reports"),
                        help="folder for the JUnit XML files (default: reports/)")
    args = parser.parse_args(argv)
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
        found, notes = grade(notebook, args.release)
        if not found:
            parser.error(f"{notebook} has no exercise checks (cells with workbook.check metadata)")
        print(table(found, f"Grade for {notebook}", notes))
        junit = args.reports / f"{notebook.stem}.xml"
        junit.parent.mkdir(parents=True, exist_ok=True)
        junit.write_bytes(junit_xml(found, notebook.stem, notes))
        print(f"JUnit XML written to {junit}\n")
        all_passed &= all(r.passed for r in found)
    return 0 if all_passed else 1


if __name__ == "__main__":
    sys.exit(main())
