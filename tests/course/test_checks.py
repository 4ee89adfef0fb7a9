"""The checks in the learner's kernel: actionable failures, shortcuts through the library refused, verdicts recorded."""
import pytest
from IPython.core.interactiveshell import InteractiveShell

from serverless_workbook.course import checks
from serverless_workbook.course.lab_format import NotSaved


@pytest.mark.parametrize("source, found", [
    ("from serverless_workbook.workspaces.pipeline_run import upload_and_wait as go\ngo()",
     [("pipeline_run.upload_and_wait", 1), ("serverless_workbook", 1)]),
    ("import serverless_workbook.workspaces.pipeline_run as p\np.upload_and_wait()",
     [("serverless_workbook", 1), ("pipeline_run.upload_and_wait", 2)]),
    ("f = getattr(pipeline_run, 'upload_and_wait')", [("pipeline_run.upload_and_wait", 1)]),
    ("def upload_and_wait():\n    return upload_and_wait()", []),
    ("idp.sign_up(ClientId='x')", []),
    ("catalogue.sign_up(target, api, 'a', 'b')", [("catalogue.sign_up", 1)]),
    ("from serverless_workbook.workspaces.pipeline_run import BOOK_RENDITIONS", [("serverless_workbook", 1)]),
])
def test_shortcuts_find_every_way_to_reach_a_helper(source, found):
    assert checks.shortcuts(source, ("pipeline_run.upload_and_wait", "catalogue.sign_up", "serverless_workbook")) == found


def test_a_library_function_given_as_the_answer_is_refused():
    from serverless_workbook.models.costs import lambda_monthly_cost

    with pytest.raises(checks.ExerciseFailed, match="write this yourself: serverless_workbook.models.costs.lambda_monthly_cost"):
        checks.Expectations("1.2").expect_own_work(lambda_monthly_cost, "costs.lambda_monthly_cost")


def test_a_failed_check_shows_its_message_and_the_learners_error_not_the_checks_machinery():
    with pytest.raises(checks.ExerciseFailed) as undone:
        with checks.exercise("9.9", "a title"):
            raise NotImplementedError("Exercise 9.9 is not done yet")
    assert undone.value._render_traceback_() == [f"ExerciseFailed: {undone.value}"]

    def learners_code():
        return {}["missing"]

    with pytest.raises(checks.ExerciseFailed) as raised:
        with checks.exercise("9.9", "a title"):
            learners_code()
    shown = raised.value._render_traceback_()
    assert shown[0] == "Traceback (most recent call last):" and "KeyError: 'missing'" in shown
    assert any("learners_code" in line for line in shown), shown
    assert shown[-1] == "ExerciseFailed: Exercise 9.9: your code raised KeyError: 'missing'"
    assert not any("contextlib" in line or checks.__file__ in line for line in shown), shown


def test_a_check_run_before_its_cell_says_which_cell_to_run():
    with pytest.raises(checks.ExerciseFailed) as early:
        with checks.exercise("9.9", "a title"):
            raise NotSaved("run the %%handler_part video_commands cell first")
    assert str(early.value) == ("Exercise 9.9: run the %%handler_part video_commands cell first, "
                                "then run this check again.")
    assert early.value._render_traceback_() == [f"ExerciseFailed: {early.value}"]


def test_in_a_notebook_the_learners_frames_are_named_by_their_cells():
    shell = InteractiveShell.instance()
    try:
        shell.run_cell("from serverless_workbook.course import checks\ndef learners_code():\n    return {}['missing']",
                       store_history=True)
        failed = shell.run_cell("with checks.exercise('9.9', 'a title'):\n    learners_code()", store_history=True)
        shown = failed.error_in_exec._render_traceback_()
    finally:
        InteractiveShell.clear_instance()
    cells = [line.split(",")[0] for line in shown if line.startswith("  Cell ")]
    assert cells == ["  Cell In[2]", "  Cell In[1]"], shown


def test_exercise_turns_a_stub_into_an_actionable_failure():
    with pytest.raises(checks.ExerciseFailed, match=r"Exercise 3.1 is not done yet.*NotImplementedError"):
        with checks.exercise("3.1", "title"):
            raise NotImplementedError("Exercise 3.1 is not done yet")


def test_each_check_records_its_verdict_and_a_rerun_replaces_it(capsys):
    with checks.exercise("9.8", "a title"):
        pass
    assert capsys.readouterr().out == "Exercise 9.8 passed: a title\n"
    assert checks._verdicts["9.8"] == {"passed": True, "message": "Exercise 9.8 passed: a title"}
    with pytest.raises(checks.ExerciseFailed):
        with checks.exercise("9.8", "a title") as ex:
            ex.expect_equal("the answer", 1, 2)
    assert checks._verdicts["9.8"] == {"passed": False, "message": "Exercise 9.8: expected the answer to be 2 but found 1"}
    with pytest.raises(KeyboardInterrupt):
        with checks.exercise("9.8", "a title"):
            raise KeyboardInterrupt  # what a cell timeout raises in the kernel
    assert "9.8" not in checks._verdicts, "an interrupted check must not keep an earlier verdict"
