"""What grading a class writes, for the instructor, the LMS and each learner.

    gradebook.csv               one row per learner: each exercise's points, each lab's total, the total, flags
    canvas.csv                  Canvas's gradebook import: one column per lab, learners matched by SIS Login ID
    feedback/<learner>.md       each exercise's points and what its check said, the notes and flags, per lab
    junit/<learner>/<lab>.xml   one JUnit report per submission (CI systems and GitHub Classroom read these)

The learner's files say of a hidden check that it exists and whether it passed, never its message.

Canvas imports a CSV whose first five columns are Student, ID, SIS User ID, SIS Login ID and Section, then one
column per assignment, and a "Points Possible" row (https://community.canvaslms.com/t5/Instructor-Guide/
How-do-I-import-grades-in-the-Gradebook/ta-p/807). The learner's folder or file name is written as their SIS
Login ID (their GitHub login for a Classroom class); an assignment column without a Canvas id makes a new one.
"""
from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from serverless_workbook.course.grading import Result, junit_xml


@dataclass
class Graded:
    """One learner's one notebook, as graded."""

    learner: str
    notebook: Path
    lab: str = ""  # the released lab it answers ("" when none matched)
    results: list[Result] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # where it differs from the released lab
    flags: list[str] = field(default_factory=list)  # for the instructor: why it was not, or not fully, graded


def write(graded: list[Graded], out: Path) -> list[Path]:
    """Write every report into `out`; the paths written, the class-wide ones first."""
    out.mkdir(parents=True, exist_ok=True)
    written = [_gradebook(graded, out / "gradebook.csv"), _canvas(graded, out / "canvas.csv")]
    by_learner: dict[str, list[Graded]] = defaultdict(list)
    for one in graded:
        by_learner[one.learner].append(one)
    for learner, theirs in sorted(by_learner.items()):
        feedback = out / "feedback" / f"{_file_name(learner)}.md"
        feedback.parent.mkdir(parents=True, exist_ok=True)
        feedback.write_text(_feedback(learner, theirs), encoding="utf-8")
        written.append(feedback)
        for one in theirs:
            junit = out / "junit" / _file_name(learner) / f"{one.lab or one.notebook.stem}.xml"
            junit.parent.mkdir(parents=True, exist_ok=True)
            junit.write_bytes(junit_xml([_for_learner(r) for r in one.results],
                                        f"{learner}.{one.lab or one.notebook.stem}", [*one.notes, *one.flags]))
            written.append(junit)
    return written


def summary(graded: list[Graded]) -> str:
    """One line per submission: learner, lab, points, flags."""
    lines = []
    for one in graded:
        earned, possible = _total(one.results)
        flags = f"  flagged: {'; '.join(one.flags)}" if one.flags else ""
        lines.append(f"  {one.learner:<20} {one.lab or one.notebook.name:<30} {earned:>3}/{possible:<3}{flags}")
    return "\n".join(lines)


def _for_learner(result: Result) -> Result:
    """What the learner may read of a result: of a hidden check, that it exists and whether it passed."""
    if not result.hidden:
        return result
    verdict = "passed" if result.passed else "did not pass"
    return replace(result, message=f"a hidden check {verdict} (its code and message stay with your instructor)")


def _file_name(learner: str) -> str:
    return re.sub(r"[^\w.@-]+", "_", learner).strip("._") or "learner"


def _total(results: list[Result]) -> tuple[int, int]:
    return sum(r.earned for r in results), sum(r.points for r in results)


def _labs(graded: list[Graded]) -> dict[str, list[tuple[str, int]]]:
    """Lab -> its exercises (id, points) in order, from the submissions graded against it."""
    labs: dict[str, list[tuple[str, int]]] = {}
    for one in graded:
        if one.lab and one.results and one.lab not in labs:
            labs[one.lab] = [(r.exercise_id, r.points) for r in one.results]
    return dict(sorted(labs.items()))


def _rows(graded: list[Graded]) -> dict[str, dict[str, Graded]]:
    rows: dict[str, dict[str, Graded]] = defaultdict(dict)
    for one in graded:
        rows[one.learner][one.lab or one.notebook.name] = one
    return dict(sorted(rows.items()))


def _gradebook(graded: list[Graded], path: Path) -> Path:
    labs = _labs(graded)
    header = ["learner"]
    for lab, exercises in labs.items():
        header += [f"{lab} {exercise_id}" for exercise_id, _ in exercises] + [f"{lab} total"]
    header += ["total", "possible", "flags"]
    with path.open("w", newline="", encoding="utf-8") as file:
        table = csv.writer(file)
        table.writerow(header)
        table.writerow(["(points possible)"] + [cell for exercises in labs.values()
                                                for cell in [p for _, p in exercises] + [sum(p for _, p in exercises)]]
                       + ["", sum(p for exercises in labs.values() for _, p in exercises), ""])
        for learner, theirs in _rows(graded).items():
            row, total = [learner], 0
            for lab, exercises in labs.items():
                earned = {r.exercise_id: r.earned for r in theirs[lab].results} if lab in theirs else {}
                row += [earned.get(exercise_id, "") for exercise_id, _ in exercises]
                row.append(sum(earned.values()) if lab in theirs else "")
                total += sum(earned.values())
            possible = sum(p for lab, exercises in labs.items() for _, p in exercises if lab in theirs)
            flags = [f"{lab}: {flag}" for lab, one in theirs.items() for flag in one.flags]
            row += [total, possible, "; ".join(flags)]
            table.writerow(row)
    return path


def _canvas(graded: list[Graded], path: Path) -> Path:
    labs = _labs(graded)
    with path.open("w", newline="", encoding="utf-8") as file:
        table = csv.writer(file)
        table.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", *labs])
        table.writerow(["Points Possible", "", "", "", "", *(sum(p for _, p in ex) for ex in labs.values())])
        for learner, theirs in _rows(graded).items():
            points = [_total(theirs[lab].results)[0] if lab in theirs else "" for lab in labs]
            table.writerow([learner, "", "", learner, "", *points])
    return path


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _feedback(learner: str, theirs: list[Graded]) -> str:
    lines = [f"# Feedback for {learner}", ""]
    for one in sorted(theirs, key=lambda g: g.lab or g.notebook.name):
        earned, possible = _total(one.results)
        lines += [f"## {one.lab or one.notebook.name}: {earned}/{possible} points", ""]
        if one.results:
            lines += ["| exercise | points | result | what the check said |", "|---|---|---|---|"]
            lines += [f"| {r.exercise_id} | {r.earned}/{r.points} | {'passed' if r.passed else 'not yet'} | "
                      f"{_cell(r.message)} |" for r in map(_for_learner, one.results)]
            lines.append("")
        if one.notes:
            lines += ["Your notebook differs from the released lab:", ""] + [f"- {note}" for note in one.notes] + [""]
        if one.flags:
            lines += ["Flagged for your instructor:", ""] + [f"- {flag}" for flag in one.flags] + [""]
    return "\n".join(lines)
