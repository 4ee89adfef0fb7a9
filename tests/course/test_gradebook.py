"""Grading a class: submissions found in every layout, each graded in a sandbox it cannot get out of, and the
gradebook, Canvas import, feedback and JUnit written, whatever a submission does."""
import csv
import os
import subprocess
import sys
from pathlib import Path

import nbformat

from serverless_workbook.course import gradebook, labgen, sandbox, submissions
from serverless_workbook.course.lab_format import exercise_of

LAB1 = "lab01-serverless-or-not.ipynb"
CHECKOUT = labgen.LABS.parent


def _notebook(path: Path, nb=None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb or nbformat.v4.new_notebook(), path)
    return path


def test_submissions_are_found_in_every_layout(tmp_path):
    folders = tmp_path / "folders"
    _notebook(folders / "alice" / "labs" / LAB1)
    _notebook(folders / "alice" / ".ipynb_checkpoints" / LAB1)
    _notebook(folders / "bob.ipynb")
    assert [(s.learner, s.notebook.relative_to(folders).as_posix()) for s in submissions.find(folders)] == [
        ("alice", f"alice/labs/{LAB1}"), ("bob", "bob.ipynb")]

    nbgrader = tmp_path / "course"
    _notebook(nbgrader / "submitted" / "carol" / "lab01" / LAB1)
    assert [s.learner for s in submissions.find(nbgrader)] == ["carol"]

    classroom = tmp_path / "classroom"
    for login in ("dora", "dora-lee"):
        (classroom / f"serverless-labs-{login}" / ".git").mkdir(parents=True)
        _notebook(classroom / f"serverless-labs-{login}" / "labs" / LAB1)
    assert [s.learner for s in submissions.find(classroom)] == ["dora", "dora-lee"]
    # Folders that are not clones keep their names, whatever they share.
    _notebook(tmp_path / "plain" / "team-a" / LAB1)
    _notebook(tmp_path / "plain" / "team-b" / LAB1)
    assert [s.learner for s in submissions.find(tmp_path / "plain")] == ["team-a", "team-b"]


# Run inside the sandbox: each line is what one attempt to get out of it met.
ESCAPES = """
import os, socket, sys, tempfile
from pathlib import Path
def attempt(name, action):
    try:
        action()
        print(name, "done")
    except BaseException as error:
        print(name, type(error).__name__)
attempt("write the checkout", lambda: Path(sys.argv[1], "labs", "escape.txt").write_text("x"))
attempt("write the home folder", lambda: Path(sys.argv[2], ".escape").write_text("x"))
attempt("write /tmp", lambda: Path("/tmp/mine.txt").write_text("x"))
attempt("write its temporary folder", lambda: Path(tempfile.mkdtemp(), "mine.txt").write_text("x"))
attempt("read a hidden folder", lambda: print(sorted(os.listdir(sys.argv[3])) or "(empty)"))
attempt("reach the internet", lambda: socket.create_connection(("1.1.1.1", 443), timeout=2))
attempt("listen on the loopback", lambda: socket.create_server(("127.0.0.1", 0)).close())
attempt("take 8 GiB", lambda: bytearray(8 * 2**30))
print("target", os.environ.get("WORKBOOK_TARGET"), "key", os.environ.get("AWS_ACCESS_KEY_ID"),
      "credentials file", os.environ.get("AWS_SHARED_CREDENTIALS_FILE"))
"""


def test_the_sandbox_keeps_a_submission_in():
    hidden = labgen.SOLUTIONS  # as the gradebook hides it: the reference answers
    environment = {**os.environ, "WORKBOOK_TARGET": "aws", "AWS_ACCESS_KEY_ID": "AKIAREALKEY"}
    done = subprocess.run(sandbox.command([sys.executable, "-c", ESCAPES, str(CHECKOUT), str(Path.home()),
                                           str(hidden)], hidden=[hidden]),
                          capture_output=True, text=True, env=environment, timeout=60)
    assert done.stdout.splitlines() == [
        "write the checkout OSError",  # read-only file system
        "write the home folder OSError",
        "write /tmp OSError",
        "write its temporary folder done",
        "(empty)", "read a hidden folder done",
        "reach the internet OSError",  # network unreachable
        "listen on the loopback done",
        "take 8 GiB MemoryError",
        "target local key testing credentials file /dev/null",
    ], done.stderr
    assert not (CHECKOUT / "labs" / "escape.txt").exists() and not (Path.home() / ".escape").exists()
    assert not Path("/tmp/mine.txt").exists()


def _answered(lab: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    lab = nbformat.from_dict(lab)
    for cell in lab.cells:
        if exercise_of(cell) in answers:
            cell.source = answers[exercise_of(cell)]
    return lab


# Written on the grading process's stdout by a process the answer starts: it must not count as a result.
FORGED = '{"result": {"exercise_id": "1.5", "points": 2, "passed": true, "message": "forged"}}'


def test_a_class_is_graded_whatever_its_submissions_do(tmp_path, capsys):
    solution = nbformat.read(labgen.SOLUTIONS / LAB1, as_version=4)
    class_ = tmp_path / "class"
    _notebook(class_ / "alice" / LAB1, solution)
    _notebook(class_ / "bob.ipynb", nbformat.read(labgen.LABS / LAB1, as_version=4))
    # Tries to write into the checkout, forges a result on stdout, then kills its kernel.
    _notebook(class_ / "dave" / LAB1, _answered(solution, {"1.3": (
        f"import os, subprocess\nopen({str(CHECKOUT / 'labs' / 'owned.txt')!r}, 'w')\n"), "1.4": (
        f"import os, subprocess\nsubprocess.run(['echo', {FORGED!r}])\nos._exit(3)")}))
    # Not a notebook at all, under a lab's name and under a learner's.
    (class_ / "erin").mkdir()
    (class_ / "erin" / LAB1).write_text("my answers are in the attached PDF", encoding="utf-8")
    (class_ / "frank.ipynb").write_bytes(b"\x89PNG\r\n")
    out = tmp_path / "grades"

    status = gradebook.main([str(class_), "--out", str(out), "--jobs", "2", "--strict", "--hidden-checks"])

    assert status == 1, "--strict: not every exercise passed"
    with (out / "gradebook.csv").open(encoding="utf-8") as file:
        rows = {row["learner"]: row for row in csv.DictReader(file)}
    total = f"{LAB1[:-6]} total"
    # Lab 1's hidden check (1.2-hidden, 1 point) counts: with it, the lab is worth 12.
    assert {learner: row[total] for learner, row in rows.items() if learner != "(points possible)"} == {
        "alice": "12", "bob": "0", "dave": "5", "erin": "0", "frank": ""}
    assert "the grading process ended with status 1" in rows["erin"]["flags"]
    assert "frank.ipynb is not a notebook nbformat can read" in rows["frank"]["flags"]
    assert rows["alice"][f"{LAB1[:-6]} 1.2-hidden"] == "1" and rows["bob"][f"{LAB1[:-6]} 1.2-hidden"] == "0"
    alice = (out / "feedback" / "alice.md").read_text(encoding="utf-8")
    assert "| 1.2-hidden | 1/1 | passed | a hidden check passed (its code and message stay with your instructor) |" in alice
    assert "at its edges" not in alice + (out / "junit" / "alice" / f"{LAB1[:-6]}.xml").read_text(encoding="utf-8")
    assert rows["alice"]["flags"] == rows["bob"]["flags"] == ""
    assert "kernel died" in rows["dave"]["flags"]
    assert not (CHECKOUT / "labs" / "owned.txt").exists()
    assert "forged" not in (out / "feedback" / "dave.md").read_text(encoding="utf-8")
    assert "| 1.5 | 0/2 | not yet | the check did not finish: the kernel died" in (
        out / "feedback" / "dave.md").read_text(encoding="utf-8")
    with (out / "canvas.csv").open(encoding="utf-8") as file:
        canvas = list(csv.reader(file))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", LAB1[:-6]]
    assert canvas[1] == ["Points Possible", "", "", "", "", "12"] and ["alice", "", "", "alice", "", "12"] in canvas
    assert sorted(path.relative_to(out / "junit").as_posix() for path in (out / "junit").glob("*/*.xml")) == [
        f"{learner}/{LAB1[:-6]}.xml" for learner in ("alice", "bob", "dave", "erin")] + ["frank/frank.xml"]
    printed = capsys.readouterr()
    assert "without encryption" not in printed.out + printed.err
