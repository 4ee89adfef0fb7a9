"""The rules the grader applies to a submission's answer cells before any runs: each one refuses what it names,
and none refuses a reference answer or a learner's honest mistake."""
import nbformat
import pytest
import lab_mutants

from serverless_workbook.common import registry
from serverless_workbook.course import labgen
from serverless_workbook.course.lab_format import exercise_of
from serverless_workbook.course.submission_rules import refusals

LAB1 = "lab01-serverless-or-not.ipynb"
SOLUTION = nbformat.read(labgen.SOLUTIONS / LAB1, as_version=4)
RELEASE = nbformat.read(labgen.LABS / LAB1, as_version=4)


def _with(answers: dict[str, str], solution=SOLUTION) -> nbformat.NotebookNode:
    nb = nbformat.from_dict(solution)
    for cell in nb.cells:
        if exercise_of(cell) in answers:
            cell.source = answers[exercise_of(cell)]
    return nb


def _answer(exercise_id: str) -> str:
    [source] = [c.source for c in SOLUTION.cells if exercise_of(c) == exercise_id]
    return source


COST = "def lambda_cost(requests, memory_mb, seconds):\n    return {}(requests, memory_mb, seconds)\n"


@pytest.mark.parametrize("elsewhere, answer, reason", [
    ("lc = costs.lambda_monthly_cost", COST.format("lc"), "reached through lc, which the answer to 1.1 makes"),
    ("def lc(*args):\n    return costs.lambda_monthly_cost(*args)", COST.format("lc"), "reached through lc"),
    ("from serverless_workbook.models import costs as cm", COST.format("cm.lambda_monthly_cost"),
     "reached through a module another answer cell imported"),
], ids=["an alias", "a wrapper", "a module alias"])
def test_a_shortcut_made_in_another_answer_cell_is_refused(elsewhere, answer, reason):
    submission = _with({"1.1": _answer("1.1") + "\n" + elsewhere, "1.2": answer})
    [refused] = refusals(submission, RELEASE)
    assert refused.exercise_id == "1.2" and "costs.lambda_monthly_cost is the answer" in refused.reason
    assert reason in refused.reason


@pytest.mark.parametrize("reach, named", [
    ("import importlib\nf = importlib.import_module('serverless_workbook.models.costs').lambda_monthly_cost",
     "import importlib"),
    ("import sys\nf = sys.modules['serverless_workbook.models.costs'].lambda_monthly_cost", ".modules"),
    ("f = vars(costs)['lambda_' + 'monthly_cost']", "vars"),
    ("f = getattr(costs, 'lambda_' + 'monthly_cost')", "getattr with a computed name"),
    ("exec(open(costs.__file__).read())", "exec"),
    ("from serverless_workbook.course import judgement", "from serverless_workbook.course import judgement"),
    ("import serverless_workbook.course.checks as c\nc._verdicts.clear()", "import serverless_workbook.course.checks"),
    ("get_ipython().events.register('post_run_cell', print)", "get_ipython"),
    ("import builtins\nbuiltins.print = lambda *a: None", "import builtins"),
    ("import gc\nf = [o for o in gc.get_objects() if callable(o)]", "import gc"),
    ("import inspect\nf = inspect.currentframe().f_back", "import inspect"),
], ids=["importlib", "sys.modules", "vars", "getattr", "exec", "the marking key", "the checks", "IPython's hooks",
        "builtins", "the garbage collector", "frames"])
def test_an_answer_reaching_into_the_grading_is_refused_for_its_exercise(reach, named):
    submission = _with({"1.3": _answer("1.3") + "\n" + reach})
    [refused] = refusals(submission, RELEASE)
    assert refused.exercise_id == "1.3" and refused.reason.startswith("the answer reaches into the grading")
    assert named in refused.reason


@pytest.mark.parametrize("lab", registry.labs(), ids=lambda lab: lab.path.stem)
def test_no_reference_answer_and_no_honest_mistake_is_refused(lab):
    solution, release = nbformat.read(lab.path, as_version=4), nbformat.read(lab.released, as_version=4)
    assert refusals(solution, release) == []
    for mutant in getattr(lab_mutants, lab.mutants):
        if mutant.kind == "mistake":
            answer = [c.source for c in solution.cells if exercise_of(c) == mutant.exercise][0]
            assert refusals(_with({mutant.exercise: mutant.apply(answer)}, solution), release) == [], mutant.name
