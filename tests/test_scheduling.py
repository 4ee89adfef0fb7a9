"""`make test` runs on several workers: each notebook, and each test that executes a lab, stays with its unit."""
import conftest


def test_a_notebooks_cells_form_one_unit_whatever_pytest_calls_them():
    assert conftest.unit_of("solutions/lab02-video-pipeline.ipynb::Cell 3") == "lab02-video-pipeline"
    assert conftest.unit_of("chapters/01-serverless-architectures::ipynb::Cell 0") == "01-serverless-architectures"


def test_a_test_parametrized_by_a_lab_runs_beside_that_labs_notebook():
    nodeid = "tests/test_labs.py::test_invert_only_the_undone_exercise_fails[lab02-video-pipeline-2.1]"
    assert conftest.unit_of(nodeid) == conftest.unit_of("solutions/lab02-video-pipeline.ipynb::Cell 0")


def test_other_tests_are_grouped_by_module():
    assert conftest.unit_of("tests/test_costs.py::test_impossible_workloads_are_refused[bad3]") == "tests/test_costs.py"
    assert conftest.unit_of("tests/test_costs.py::test_unknown_instance_type") == "tests/test_costs.py"
