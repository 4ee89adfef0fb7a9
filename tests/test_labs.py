"""The lab machinery: labs/ is in sync with solutions/, and every check can fail.

The invert test is nbgrader's `validate --invert` idea: leave one exercise as
the student gets it, and its check (and only its check) must fail.
"""
from pathlib import Path

import nbformat
import pytest

from serverless_workbook import grading, labgen
from serverless_workbook.lab_format import check_ids

SOLUTIONS = sorted(labgen.SOLUTIONS.glob("*.ipynb"))


def test_there_are_labs():
    assert SOLUTIONS, "no solution notebooks found in solutions/"


def test_labs_are_generated_from_solutions(tmp_path):
    generated = labgen.generate(tmp_path)
    committed = sorted(labgen.LABS.glob("*.ipynb"))
    assert [p.name for p in generated] == [p.name for p in committed], "labs/ holds other notebooks than solutions/"
    for fresh in generated:
        assert fresh.read_bytes() == (labgen.LABS / fresh.name).read_bytes(), (
            f"labs/{fresh.name} is out of date: run `make labs` after editing solutions/{fresh.name}")


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_student_version_keeps_no_solution(solution):
    student = labgen.student_version(nbformat.read(solution, as_version=4))
    text = nbformat.writes(student)
    assert "SOLUTION" not in text
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    solved = nbformat.read(solution, as_version=4)
    for before, after in zip(solved.cells, student.cells):
        if before.metadata.get("workbook", {}).get("exercise") and before.cell_type == "code":
            assert "NotImplementedError" in after.source


def _verdicts(nb, cwd: Path) -> dict[str, bool]:
    return {r.exercise_id: r.passed for r in grading.results(grading.execute(nb, cwd))}


@pytest.mark.parametrize("solution", SOLUTIONS, ids=lambda p: p.stem)
def test_every_check_passes_on_the_solution_and_fails_on_the_untouched_lab(solution):
    nb = nbformat.read(solution, as_version=4)
    ids = check_ids(nb)
    assert ids, f"{solution.name} has no checks"
    assert _verdicts(nb, solution.parent) == {i: True for i in ids}
    assert _verdicts(labgen.student_version(nb), solution.parent) == {i: False for i in ids}


def _one_exercise_undone() -> list:
    return [pytest.param(solution, exercise_id, id=f"{solution.stem}-{exercise_id}")
            for solution in SOLUTIONS
            for exercise_id in check_ids(nbformat.read(solution, as_version=4))]


@pytest.mark.parametrize("solution, exercise_id", _one_exercise_undone())
def test_invert_only_the_undone_exercise_fails(solution, exercise_id):
    nb = labgen.stub_exercises(nbformat.read(solution, as_version=4), only={exercise_id})
    verdicts = _verdicts(nb, solution.parent)
    assert verdicts[exercise_id] is False, f"the check of exercise {exercise_id} passes when it is left undone"
    assert all(v for i, v in verdicts.items() if i != exercise_id), verdicts


def test_unbalanced_markers_are_refused():
    with pytest.raises(labgen.MarkerError, match="never closed"):
        labgen.stub_source("x = 1\n### BEGIN SOLUTION\ny = 2\n", "9.9")
    with pytest.raises(labgen.MarkerError, match="never opened"):
        labgen.stub_source("### END SOLUTION\n", "9.9")


def test_stub_keeps_indentation_and_names_the_exercise():
    source = "def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n"
    assert labgen.stub_source(source, "1.2") == (
        'def f():\n    # YOUR CODE HERE\n    raise NotImplementedError("Exercise 1.2 is not done yet")')


def test_grading_table_and_junit(tmp_path):
    results = [grading.Result("1.1", 2, True, "Exercise 1.1 passed: ok"),
               grading.Result("1.2", 3, False, "Exercise 1.2: expected 1 but found 2")]
    table = grading.table(results, "Grade")
    assert "1.1        2/2    passed  Exercise 1.1 passed: ok" in table
    assert "1.2        0/3    FAILED  Exercise 1.2: expected 1 but found 2" in table
    assert "total      2/5    1 of 2 exercises passed" in table
    xml = grading.junit_xml(results, "lab")
    assert b'tests="2" failures="1"' in xml and b'<failure message="Exercise 1.2: expected 1 but found 2"' in xml


def test_exercise_turns_a_stub_into_an_actionable_failure():
    with pytest.raises(grading.ExerciseFailed, match=r"Exercise 3.1 is not done yet.*NotImplementedError"):
        with grading.exercise("3.1", "title"):
            raise NotImplementedError("Exercise 3.1 is not done yet")
