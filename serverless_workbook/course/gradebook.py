"""Grade a class: a folder of submissions in; a gradebook, feedback, a Canvas import and JUnit out.

    make grade SUBMISSIONS=submissions/
    python -m serverless_workbook.course.gradebook submissions/ [--out grades/] [--release labs/] [--jobs N]

The folder may be laid out as course.submissions describes (a folder or a notebook per learner, GitHub
Classroom's clones, nbgrader's submitted/). Each submission (one learner's notebook) is graded by the grading
command in a process of its own, sandboxed (course.sandbox: every file system read-only but a private /dev/shm, no
network but the local cloud's loopback, memory limited), with a wall-clock limit per cell and per submission; one
that hangs, crashes its kernel or runs out of memory keeps the points of the checks that finished, is flagged, and
the batch goes on, as it does past a file that is not a notebook.
Submissions are graded `--jobs` at a time (default: one per core). What is written is class_reports'.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
from tqdm import tqdm

from serverless_workbook.course import class_reports, grading, labgen, sandbox, submissions
from serverless_workbook.course.class_reports import Graded
from serverless_workbook.course.grading import Result

SUBMISSION_SECONDS = 600  # a whole lab: the longest takes about a minute on two busy cores
CELL_SECONDS = 120
# After its own limit, the grading process gets this long to report before it is killed with all it started.
GRACE_SECONDS = 30


@dataclass(frozen=True)
class Settings:
    release: Path = grading.RELEASE
    cell_seconds: float = CELL_SECONDS
    submission_seconds: float = SUBMISSION_SECONDS
    # Folders a submission must not read: the class's submissions and grades, the reference answers.
    hidden: tuple[Path, ...] = ()


def grade_one(submission: submissions.Submission, settings: Settings) -> Graded:
    """Grade one submission in its sandbox; what it earned, even when its process had to be stopped."""
    graded = Graded(submission.learner, submission.notebook)
    try:
        graded.lab = grading.release_of(submission.notebook, settings.release).stem
        text = submission.notebook.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError) as error:
        graded.flags.append(f"not graded: {error}")
        return graded
    command = sandbox.command([
        sys.executable, "-m", grading.__name__, "--stdin-json", "--release", str(settings.release.resolve()),
        "--cell-timeout", str(settings.cell_seconds), "--time-limit", str(settings.submission_seconds),
        f"{graded.lab}.ipynb"], hidden=settings.hidden)
    with tempfile.TemporaryFile("w+", encoding="utf-8") as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors,
                                   text=True, encoding="utf-8", start_new_session=True)
        killed = threading.Event()
        killer = threading.Timer(settings.submission_seconds + GRACE_SECONDS, _kill, [process, killed])
        killer.start()
        try:
            # stdin is written by a thread: a child that stops reading must not block the reading of its results.
            threading.Thread(target=_send, args=(process, text), daemon=True).start()
            for line in process.stdout:
                try:
                    _read(json.loads(line), graded)
                except (ValueError, TypeError, KeyError):
                    graded.flags.append(f"the grading process wrote a line that is not a result: {line[:80]!r}")
            process.wait()
        finally:
            killer.cancel()
        errors.seek(0)
        stderr = errors.read()
    _unfinished(graded, settings.release)
    if killed.is_set():
        graded.flags.append(f"stopped: still running {GRACE_SECONDS} s past the submission's time limit "
                            f"({settings.submission_seconds:g} s); the checks that had not finished earned nothing")
    elif process.returncode != 0:
        last = stderr.strip().splitlines()[-1:] or ["(no message)"]
        graded.flags.append(f"the grading process ended with status {process.returncode}: {last[0]}")
    return graded


def _send(process: subprocess.Popen, text: str) -> None:
    try:
        process.stdin.write(text)
        process.stdin.close()
    except (BrokenPipeError, OSError):
        pass  # the child died before it read its submission: its exit status says why


def _kill(process: subprocess.Popen, killed: threading.Event) -> None:
    killed.set()
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _unfinished(graded: Graded, release: Path) -> None:
    """The released lab's checks its grading never reported (its process stopped first), as failed."""
    lab = nbformat.read(release / f"{graded.lab}.ipynb", as_version=4)
    graded.results += grading.unfinished(lab, {r.exercise_id for r in graded.results},
                                         "the grading of this submission was stopped")


def _read(line: dict, graded: Graded) -> None:
    if "result" in line:
        graded.results.append(Result(**line["result"]))
    if "notes" in line:
        graded.notes = line["notes"]
    if line.get("stopped"):
        graded.flags.append(line["stopped"])
    graded.flags += line.get("refused", [])


def grade_class(found: list[submissions.Submission], settings: Settings, jobs: int) -> list[Graded]:
    """Every submission graded, `jobs` at a time, with a progress bar; in the order found."""
    with ThreadPoolExecutor(max_workers=jobs) as pool, tqdm(total=len(found), unit="submission") as bar:
        def graded(submission: submissions.Submission) -> Graded:
            done = grade_one(submission, settings)
            bar.update()
            return done
        return list(pool.map(graded, found))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(
        "Grade a class: every learner's lab notebooks in SUBMISSIONS, each in its own sandboxed process; writes a "
        "gradebook, a Canvas import, feedback per learner and JUnit per submission. A failed exercise is a "
        "result, not an error: the exit status is 0 unless --strict."))
    parser.add_argument("submissions", type=Path, help="folder of submissions (a folder or notebook per learner, "
                        "GitHub Classroom clones, or nbgrader's course folder)")
    parser.add_argument("--out", type=Path, default=Path("grades"), help="folder for what is written (grades/)")
    parser.add_argument("--release", type=Path, default=grading.RELEASE, help="folder of the released labs (labs/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="submissions graded at once")
    parser.add_argument("--cell-timeout", type=float, default=CELL_SECONDS, help="seconds a cell may run")
    parser.add_argument("--time-limit", type=float, default=SUBMISSION_SECONDS,
                        help="seconds one submission may run")
    parser.add_argument("--hidden-checks", action="store_true",
                        help="grade against the instructor's release, built from solutions/: the labs with their "
                             "hidden checks (instead of --release)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 unless every exercise passed")
    args = parser.parse_args(argv)
    if args.hidden_checks:
        labgen.generate(labgen.INSTRUCTOR_RELEASE, keep_hidden=True)
        args.release = labgen.INSTRUCTOR_RELEASE
    try:
        found = submissions.find(args.submissions)
    except FileNotFoundError as error:
        parser.error(str(error))
    if not found:
        parser.error(f"no notebook in {args.submissions}")
    hidden = (args.submissions, args.out, labgen.SOLUTIONS)
    settings = Settings(args.release, args.cell_timeout, args.time_limit, tuple(p for p in hidden if p.is_dir()))
    try:
        graded = grade_and_write(found, settings, max(1, args.jobs), args.out)
    except sandbox.SandboxUnavailable as error:
        parser.error(str(error))
    passed = all(r.passed for g in graded for r in g.results) and not any(g.flags for g in graded)
    return 1 if args.strict and not passed else 0


def grade_and_write(found: list[submissions.Submission], settings: Settings, jobs: int, out: Path) -> list[Graded]:
    """Grade the class and write its reports into `out`, saying what was done."""
    try:
        sandbox.check()
    except sandbox.SandboxUnavailable as error:
        raise sandbox.SandboxUnavailable(
            f"{error}. Grading a class needs unprivileged user namespaces (Debian and Ubuntu before 24.04 allow "
            "them; on Ubuntu 24.04: sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0)") from error
    started = time.monotonic()
    graded = grade_class(found, settings, jobs)
    written = class_reports.write(graded, out)
    learners = len({g.learner for g in graded})
    print(f"Graded {len(graded)} notebook(s) of {learners} learner(s) in {time.monotonic() - started:.0f} s.")
    print(class_reports.summary(graded))
    print("Written: " + ", ".join(str(path) for path in written))
    return graded


if __name__ == "__main__":
    sys.exit(main())
