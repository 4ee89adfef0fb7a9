"""Grading a class: submissions per minute one at a time against --jobs at a time, and peak memory, in one run.

The class: --learners learners (default 20), each handing in one lab, mixed as a class hands them in: the solution,
the untouched lab, and the solution with one mutant of tests/labs/lab_mutants.py (a learner's mistake), across
labs 1 to 5 in turn. The same class is graded by the gradebook (each submission sandboxed) with --jobs 1 and then
with --jobs N; prints each rate, the ratio (goal: at least 1.7 with 2 jobs on 2 cores), and the peak memory of
all the processes the grading started (resident set sizes summed, sampled every 0.5 s).

    .venv/bin/python bench/grade_class.py [--learners 20] [--jobs 2]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "labs"))

import lab_mutants  # noqa: E402

from serverless_workbook.common import registry  # noqa: E402
from serverless_workbook.course import gradebook, labgen, submissions  # noqa: E402
from serverless_workbook.course.lab_format import exercise_of  # noqa: E402


def make_class(folder: Path, learners: int) -> list[submissions.Submission]:
    labs = registry.labs()
    for index in range(learners):
        lab = labs[index % len(labs)]
        kind = ("solution", "untouched", "mutant")[index // len(labs) % 3]
        nb = nbformat.read(lab.released if kind == "untouched" else lab.path, as_version=4)
        if kind == "mutant":
            mutant = getattr(lab_mutants, lab.mutants)[index % len(getattr(lab_mutants, lab.mutants))]
            for cell in nb.cells:
                if exercise_of(cell) == mutant.exercise:
                    cell.source = mutant.apply(cell.source)
        path = folder / f"learner{index:02d}" / lab.path.name
        path.parent.mkdir(parents=True)
        nbformat.write(nb, path)
    return submissions.find(folder)


def peak_memory(stop: threading.Event, peak: list[int]) -> None:
    me = psutil.Process()
    while not stop.wait(0.5):
        total = 0
        for process in [me, *me.children(recursive=True)]:
            try:
                total += process.memory_info().rss
            except psutil.Error:
                pass
        peak[0] = max(peak[0], total)


def timed(found: list[submissions.Submission], jobs: int) -> tuple[float, int, list]:
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=peak_memory, args=(stop, peak))
    sampler.start()
    started = time.monotonic()
    graded = gradebook.grade_class(found, gradebook.Settings(hidden=(labgen.SOLUTIONS,)), jobs)
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    return seconds, peak[0], graded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        found = make_class(Path(folder), args.learners)
        print(f"A class of {len(found)} submissions across {len(registry.labs())} labs")
        rates = {}
        for jobs in (1, args.jobs):
            seconds, peak, graded = timed(found, jobs)
            rates[jobs] = len(found) / seconds * 60
            flagged = sum(bool(g.flags) for g in graded)
            print(f"--jobs {jobs}: {seconds:6.1f} s, {rates[jobs]:5.2f} submissions/min, peak memory "
                  f"{peak / 2**30:.2f} GiB, {flagged} flagged")
        print(f"speed-up with {args.jobs} jobs: {rates[args.jobs] / rates[1]:.2f}x (goal: 1.7x on 2 cores)")


if __name__ == "__main__":
    main()
