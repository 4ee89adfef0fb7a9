"""The lab machinery: labs/ is in sync with solutions/, every check can fail, and wrong answers are rejected.

The invert test is nbgrader's `validate --invert` idea: leave one exercise as the student gets
it, and its check must fail. The mutant tests go further: realistic wrong answers
(tests/labs/lab_mutants.py) must each be rejected by their exercise's check, for the reason the
mutant names. Both run in one warm kernel per lab (serverless_workbook.course.warm_lab): the solution
runs once, and each variant is swapped in, checked and swapped back out just before its check,
so after every trial the lab goes on, and its real checks must all still pass. First, in the
same kernel, the released lab runs untouched from top to bottom, with the instructor's hidden checks, and every
check must fail there.
"""
from pathlib import Path

import nbformat
import pytest
import lab_mutants

from serverless_workbook.common import registry
from serverless_workbook.course import grading, labgen, warm_lab
from serverless_workbook.course.lab_format import check_ids, is_hidden
from serverless_workbook.localcloud import delays

# The labs course.toml lists (tests/notebooks/test_registry.py: exactly the notebooks in solutions/).
LABS = registry.labs()
# The wrong answers are tried with the local cloud's delays off: a mutant must be rejected for its own mistake,
# not because AWS took its time (which only makes rejecting easier). The solution's own run, before each trial's
# check and in the nbval sessions, keeps the delays on.
TRIAL_ENVIRONMENT = {delays.SCALE: "0"}
SOLUTIONS = [lab.path for lab in LABS]


def test_there_are_labs():
    assert SOLUTIONS, "course.toml lists no lab"


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
    assert not [cell for cell in student.cells if is_hidden(cell)], "a hidden check reached the learner's lab"
    for before, after in zip([cell for cell in solved.cells if not is_hidden(cell)], student.cells, strict=True):
        if before.metadata.get("workbook", {}).get("exercise") and before.cell_type == "code":
            assert "NotImplementedError" in after.source


def _variants(solution: Path, mutants: list[lab_mutants.Mutant]) -> list[warm_lab.Variant]:
    nb = nbformat.read(solution, as_version=4)
    stubbed = labgen.stub_exercises(nb)
    variants = [warm_lab.Variant(i, "stub", warm_lab.answer_cells(stubbed, i)[0].source)
                for i in check_ids(nb, hidden=False)]
    for mutant in mutants:
        answer = warm_lab.answer_cells(nb, mutant.exercise)[0].source
        variants.append(warm_lab.Variant(mutant.exercise, mutant.name, mutant.apply(answer), mutant.settle))
    return variants


def _warm_lab_tests(lab: registry.Entry) -> type:
    """One class per lab: pytest-xdist's loadscope keeps a class on one worker, and its warm run runs once."""
    solution = lab.path
    # The exercises, by their visible checks; every check, hidden ones too, must fail untouched and pass solved.
    ids = check_ids(nbformat.read(solution, as_version=4), hidden=False)
    every_check = check_ids(nbformat.read(solution, as_version=4))
    mutants = getattr(lab_mutants, lab.mutants)

    class WarmLab:
        @pytest.fixture(scope="class")
        @classmethod
        def outcome(cls, tmp_path_factory) -> warm_lab.Outcome:
            # Untouched as the instructor's release has it: labs/'s lab, plus the hidden checks.
            untouched = tmp_path_factory.mktemp("release") / lab.path.name
            nbformat.write(labgen.student_version(nbformat.read(solution, as_version=4), keep_hidden=True), untouched)
            return warm_lab.run(solution, _variants(solution, mutants), untouched=untouched,
                                trial_environment=TRIAL_ENVIRONMENT)

        def test_the_untouched_lab_fails_every_check(self, outcome):
            assert {i: r.passed for i, r in outcome.untouched.items()} == {i: False for i in every_check}, (
                outcome.untouched)

        def test_every_check_passes_on_the_solution_after_its_trials(self, outcome):
            assert {i: r.passed for i, r in outcome.solution.items()} == {i: True for i in every_check}, (
                outcome.solution)

        @pytest.mark.parametrize("exercise_id", ids)
        def test_check_fails_when_its_exercise_is_left_undone(self, outcome, exercise_id):
            result = outcome.trials[(exercise_id, "stub")]
            assert not result.passed, f"the check of exercise {exercise_id} passes when it is left undone"
            assert "is not done yet" in result.message, result.message

        @pytest.mark.parametrize("exercise_id", ids)
        def test_exercise_has_a_mistake_and_a_shortcut_among_its_mutants(self, exercise_id):
            kinds = {m.kind for m in mutants if m.exercise == exercise_id}
            assert kinds == {"mistake", "shortcut"}, f"exercise {exercise_id} has mutants of kinds {kinds}"

        @pytest.mark.parametrize("mutant", mutants, ids=lambda m: f"{m.exercise}-{m.name.replace(' ', '-')}")
        def test_mutant_is_rejected_for_its_reason(self, outcome, mutant):
            result = outcome.trials[(mutant.exercise, mutant.name)]
            assert not result.passed, f"exercise {mutant.exercise} accepts the mutant {mutant.name!r}"
            assert mutant.rejected_with in result.message, result.message

        def test_wrong_answers_fail_fast(self, outcome):
            slow = {key: round(s) for key, s in outcome.seconds.items() if s > 30}
            assert not slow, f"checks that took over 30 s to reject a wrong answer: {slow}"

    WarmLab.__name__ = WarmLab.__qualname__ = f"TestWarm_{lab.stem.split('-')[0]}"
    return WarmLab


# One test class per lab of course.toml, named TestWarm_lab01 and so on, in this module's namespace for pytest.
for _lab in LABS:
    _class = _warm_lab_tests(_lab)
    globals()[_class.__name__] = _class


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
    table = grading.table(results, "Grade", ["1.2: check cell edited; the released check was run"])
    assert "1.1        2/2    passed  Exercise 1.1 passed: ok" in table
    assert "1.2        0/3    FAILED  Exercise 1.2: expected 1 but found 2" in table
    assert "total      2/5    1 of 2 exercises passed" in table
    assert table.endswith("The submission differs from the released lab:\n  1.2: check cell edited; the released check was run")
    xml = grading.junit_xml(results, "lab")
    assert b'tests="2" failures="1"' in xml and b'<failure message="Exercise 1.2: expected 1 but found 2"' in xml
