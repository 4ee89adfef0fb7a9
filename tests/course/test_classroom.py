"""GitHub Classroom: the committed workflow is the one generated from the labs (tests/project/test_workflows.py
checks it is valid for GitHub Actions); the commands it runs read the release from the first commit and report
each exercise from the gradebook."""
import subprocess
from pathlib import Path

import nbformat

from serverless_workbook.course import class_reports, classroom
from serverless_workbook.course.grading import Result


def test_the_committed_workflow_is_generated_from_the_labs():
    assert classroom.WORKFLOW.read_text(encoding="utf-8") == classroom.workflow(), (
        "run `python -m serverless_workbook.course.classroom workflow > .github/workflows/classroom.yml`")
    steps = [step for step in classroom.workflow().split("\n    - ") if classroom.GRADER in step]
    assert len(steps) == len(classroom.exercises()) and "max-score: 3" in "".join(steps)


def test_the_release_is_the_first_commits_labs(tmp_path):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                       check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "labs").mkdir()
    nbformat.write(nbformat.v4.new_notebook(metadata={"as": "released"}), tmp_path / "labs" / "lab09-x.ipynb")
    git("add", "-A")
    git("commit", "-qm", "starter")
    nbformat.write(nbformat.v4.new_notebook(metadata={"as": "edited"}), tmp_path / "labs" / "lab09-x.ipynb")
    git("commit", "-qam", "my answers, and the checks edited")

    release = classroom.release_from_first_commit(tmp_path, tmp_path / classroom.RELEASE)

    assert nbformat.read(release / "lab09-x.ipynb", as_version=4).metadata["as"] == "released"


def test_each_exercise_passes_when_the_gradebook_gave_its_points(tmp_path):
    graded = class_reports.Graded("dora", Path("labs/lab09-x.ipynb"), "lab09-x", [
        Result("9.1", 2, True, "Exercise 9.1 passed"), Result("9.2", 3, False, "Exercise 9.2: expected 1")])
    class_reports.write([graded, class_reports.Graded("dora", Path("labs/lab08-y.ipynb"),
                                                      flags=["not graded: no released lab named lab08-y.ipynb"])],
                        tmp_path)
    assert classroom.passed(tmp_path, "lab09-x", "9.1") == (True, f"lab09-x 9.1: 2 point(s); the feedback is in "
                                                                  f"{tmp_path / 'feedback'}")
    assert not classroom.passed(tmp_path, "lab09-x", "9.2")[0]
    assert classroom.passed(tmp_path, "lab08-y", "8.1") == (
        False, "lab08-y was not graded: lab08-y.ipynb: not graded: no released lab named lab08-y.ipynb")
