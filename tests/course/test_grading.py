"""Grading marks only what the learner wrote: their answer cells, run inside the released lab by its own checks."""
import nbformat
import pytest

from serverless_workbook.course import grading, judgement, labgen
from serverless_workbook.course.lab_format import check_of, exercise_of

LAB1 = "lab01-serverless-or-not.ipynb"


def _cell(nb, *, exercise=None, check=None):
    [cell] = [c for c in nb.cells if (exercise and exercise_of(c) == exercise) or (check and check_of(c) == check)]
    return cell


def test_a_tampered_submission_is_graded_by_the_released_checks(tmp_path):
    solution = nbformat.read(labgen.SOLUTIONS / LAB1, as_version=4)
    submission = nbformat.read(labgen.LABS / LAB1, as_version=4)
    _cell(submission, exercise="1.1").source = _cell(solution, exercise="1.1").source
    # 1.2 left undone, its check replaced by a pass line; 1.3's check deleted, another check added.
    _cell(submission, check="1.2").source = 'print("Exercise 1.2 passed: trust me")'
    # 1.3's answer rewrites the verdict 1.2's check recorded: each verdict is read before the next cell runs.
    _cell(submission, exercise="1.3").source += (
        "\nfrom serverless_workbook.course import checks as _c\n"
        "_c._verdicts['1.2'] = {'passed': True, 'message': 'Exercise 1.2 passed: forged'}\n")
    submission.cells.remove(_cell(submission, check="1.3"))
    forged = nbformat.v4.new_code_cell('print("Exercise 1.4 passed: drawn")', metadata={"workbook": {"check": "1.4"}})
    helper = nbformat.v4.new_code_cell("def lambda_cost(*args):\n    return 0.0")
    submission.cells += [forged, helper]
    path = tmp_path / LAB1
    nbformat.write(submission, path)

    marked, notes = grading.grade(path)
    results = marked.results

    assert {r.exercise_id: r.passed for r in results} == {"1.1": True, "1.2": False, "1.3": False, "1.4": False,
                                                          "1.5": False}
    assert "Exercise 1.2 is not done yet" in {r.exercise_id: r.message for r in results}["1.2"]
    assert notes == ["1.2: check cell edited; the released check was run",
                     "1.3: check cell deleted; the released check was run",
                     "1.4: check cell added (2 cells check it); the released check was run",
                     "1 code cell(s) of yours outside the answer cells were not run"]


def test_grading_a_lab_not_released_says_so(tmp_path, capsys):
    path = tmp_path / "lab99-unknown.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), path)
    with pytest.raises(SystemExit):
        grading.main([str(path)])
    assert "no released lab named lab99-unknown.ipynb" in capsys.readouterr().err


def test_splice_takes_answers_by_exercise_id_not_position():
    release = nbformat.read(labgen.LABS / LAB1, as_version=4)
    submission = nbformat.from_dict(release)
    moved = _cell(submission, exercise="1.2")
    submission.cells.remove(moved)
    moved.source = "def lambda_cost(*args):\n    return 1.0"
    submission.cells.append(moved)
    graded, notes = grading.splice(submission, release)
    assert _cell(graded, exercise="1.2").source == moved.source
    assert [c.source for c in graded.cells if not exercise_of(c)] == [c.source for c in release.cells
                                                                       if not exercise_of(c)]
    assert notes == []


@pytest.mark.parametrize("question", [judgement.STRANGLE_FIRST, judgement.FAILED_TRANSCODE, judgement.WHO_MAY_DELETE])
def test_each_judgement_has_one_sound_option_and_explains_every_choice(question):
    sound = [key for key, option in question.options.items() if option.sound]
    holds = [key for key, reason in question.reasons.items() if reason.sound]
    assert len(sound) == 1 and holds and len(holds) < len(question.reasons)
    assert question.problems({"choice": sound[0], "reasons": holds}) == []
    for key, option in question.options.items():
        assert option.why in question.explain()
        if not option.sound:
            assert option.why in question.problems({"choice": key, "reasons": holds})[0]
    assert question.problems({"choice": sound[0], "reasons": "all"}) == [
        "'reasons' must be a list of reason keys, found 'all'"]


def test_wrong_answers_fail_fast_and_leave_the_other_exercises_gradable(tmp_path):
    """A transcode handler that records nothing is reported as soon as the local cloud is idle, not after a long
    poll; a template part that does not deploy is replaced by the reference's, so the stack is up for 2.8."""
    from lab_mutants import LAB02

    lab = "lab02-video-pipeline.ipynb"
    submission = nbformat.read(labgen.SOLUTIONS / lab, as_version=4)
    for mutant in LAB02:
        if (mutant.exercise, mutant.name) in {("2.1", "key not decoded"), ("2.4", "the queue's URL as endpoint")}:
            cell = _cell(submission, exercise=mutant.exercise)
            cell.source = mutant.apply(cell.source)
    nbformat.write(submission, tmp_path / lab)

    marked, notes = grading.grade(tmp_path / lab)
    results = marked.results

    verdicts = {r.exercise_id: r.passed for r in results}
    # 2.6 and 2.7 look at the upload 2.5 sent through the pipeline: 2.1's handler never submitted its job.
    assert verdicts == {"2.1": False, "2.2": True, "2.3": True, "2.4": False, "2.5": False, "2.6": False,
                        "2.7": False, "2.8": True, "2.9": True}
    assert "the local cloud has no work left that could change it" in {r.exercise_id: r.message for r in results}["2.5"]
    assert notes == []
