"""Try other answers to a lab's exercises in one warm kernel: the engine of the invert and mutant tests.

Check cells are independent by design: a check reads its own exercise's answer and the
lab's set-up, nothing another exercise wrote. So rather than re-running a whole lab per
variant, the solution runs once, cell by cell, and just before each check cell runs for
real, every variant of that exercise is tried in the same kernel: the variant's answer
cell, then the check, then the solution's answer cell again, which restores what the rest
of the lab reads (lab 2's handler and template cells re-save their file in workspace/).

Trials come before the real check, so a check that changes shared state for good (lab 2's
tear-down) finds it intact; the real check, run after its trials, proves the restore worked.

Before all that, the same kernel can run the lab as a learner first gets it (the released version,
every exercise a stub) from top to bottom: every check must fail there. The solution then runs from
its first cell in that kernel, as Run All a second time would, so the lab's imports and local cloud
are paid for once.
"""
from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat
from nbformat import NotebookNode

from serverless_workbook.course.grading import REPORT, Result, result, verdicts
from serverless_workbook.course.lab_format import check_of, exercise_of
from serverless_workbook.course.notebook_runner import Kernel


@dataclass(frozen=True)
class Variant:
    """Another answer to one exercise: the whole answer cell as that answer has it."""

    exercise_id: str
    name: str
    source: str
    # Run after the check, before the restore: e.g. wait for the work a wrong answer started to finish.
    settle: str = ""


@dataclass
class Outcome:
    # Exercise id -> what its check said in the released lab run untouched (when it was run).
    untouched: dict[str, Result] = field(default_factory=dict)
    solution: dict[str, Result] = field(default_factory=dict)
    # (exercise id, variant name) -> what the exercise's check said about that variant.
    trials: dict[tuple[str, str], Result] = field(default_factory=dict)
    # (exercise id, variant name) -> seconds the variant's answer cell and check took.
    seconds: dict[tuple[str, str], float] = field(default_factory=dict)


def answer_cells(nb: NotebookNode, exercise_id: str) -> list[NotebookNode]:
    return [cell for cell in nb.cells if cell.cell_type == "code" and exercise_of(cell) == exercise_id]


def run(solution: Path, variants: Iterable[Variant], untouched: Path | None = None,
        trial_environment: dict[str, str] | None = None) -> Outcome:
    """Run the `untouched` released lab if given, then the solution once, trying each variant just before its
    exercise's check; the verdicts. `trial_environment` is set in the kernel while the variants are tried (and
    put back for the solution's own checks)."""
    nb = nbformat.read(solution, as_version=4)
    by_exercise: dict[str, list[Variant]] = defaultdict(list)
    for variant in variants:
        by_exercise[variant.exercise_id].append(variant)
    checked = {check_of(cell) for cell in nb.cells if check_of(cell)}
    unknown = sorted(set(by_exercise) - checked)
    if unknown:
        raise ValueError(f"{solution.name} has no check cell for exercise(s) {', '.join(unknown)}")
    for exercise_id in by_exercise:
        if len(answer_cells(nb, exercise_id)) != 1:
            raise ValueError(f"{solution.name}: exercise {exercise_id} needs exactly one answer cell to swap")
    with Kernel(nbformat.v4.new_notebook(), solution.parent).started() as kernel:
        outcome = Outcome()
        if untouched is not None:
            for cell in nbformat.read(untouched, as_version=4).cells:
                if cell.cell_type == "code" and check_of(cell):
                    outcome.untouched[check_of(cell)] = _check(kernel, cell)
                elif cell.cell_type == "code":
                    kernel.run(cell.source, cell.metadata)
        _trials(nb, by_exercise, kernel, outcome, trial_environment or {})
        return outcome


def _check(kernel: Kernel, cell: NotebookNode) -> Result:
    """Run a check cell, then read the verdict it recorded."""
    ran = kernel.run(cell.source, cell.metadata)
    return result(ran, verdicts(kernel.run(REPORT)))


# Run in the kernel around an exercise's trials: only the variables set are put back as they were.
_SET_ENVIRONMENT = """import os as _os
_before_trials = {{name: _os.environ.get(name) for name in {environment!r}}}
_os.environ.update({environment!r})"""
_RESTORE_ENVIRONMENT = """for _name, _value in _before_trials.items():
    if _value is None:
        _os.environ.pop(_name, None)
    else:
        _os.environ[_name] = _value"""


def _trials(nb: NotebookNode, by_exercise: dict[str, list[Variant]], kernel: Kernel, outcome: Outcome,
            environment: dict[str, str]) -> None:
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        exercise_id = check_of(cell)
        if by_exercise.get(exercise_id) and environment:
            kernel.run(_SET_ENVIRONMENT.format(environment=environment))
        for variant in by_exercise.get(exercise_id, []):
            started = time.monotonic()
            kernel.run(variant.source)
            key = (exercise_id, variant.name)
            outcome.trials[key] = _check(kernel, cell)
            outcome.seconds[key] = time.monotonic() - started
            if variant.settle:
                kernel.run(variant.settle)
            kernel.run(answer_cells(nb, exercise_id)[0].source)
        if by_exercise.get(exercise_id) and environment:
            kernel.run(_RESTORE_ENVIRONMENT)
        if exercise_id:
            outcome.solution[exercise_id] = _check(kernel, cell)
        else:
            kernel.run(cell.source, cell.metadata)
