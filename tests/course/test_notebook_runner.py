"""Labs run by the grader and the tests write into a stand-in folder, never into the real one, and within limits."""
import contextlib

import nbformat
import pytest

from serverless_workbook.course import notebook_runner


def test_the_stand_in_resolves_sibling_paths_and_keeps_writes_to_itself(tmp_path):
    real = tmp_path / "solutions"
    real.mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "video-pipeline.yaml").write_text("Resources: {}\n")
    with notebook_runner.folder_like(real) as stand_in:
        assert stand_in.name == "solutions" and stand_in != real
        assert (stand_in / ".." / "templates" / "video-pipeline.yaml").read_text() == "Resources: {}\n"
        (stand_in / "workspace").mkdir()
        (stand_in / "workspace" / "app.py").write_text("def handler(event, context): ...\n")
    assert not (real / "workspace").exists()
    assert not stand_in.parent.exists()


def test_a_hung_cell_is_interrupted_and_an_uninterruptible_one_stops_the_run_keeping_what_ran(tmp_path):
    cells = ["print('before')", "import time\ntime.sleep(60)", "print('after the interrupt')",
             "while True:\n    try:\n        time.sleep(1)\n    except KeyboardInterrupt:\n        pass",
             "print('never')"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    ran = []

    stopped = notebook_runner.execute(nb, tmp_path, notebook_runner.Limits(cell_seconds=2, notebook_seconds=8),
                                      lambda index, cell: ran.append(index))

    assert stopped == "stopped at the notebook's time limit (8 s)"
    assert ran == [0, 1, 2, 3]
    assert [[o.get("text") or o.get("ename") for o in cell.outputs] for cell in nb.cells] == [
        ["before\n"], ["KeyboardInterrupt"], ["after the interrupt\n"], [], []]


def test_a_dead_kernel_stops_the_run_keeping_what_ran(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in (
        "print('before')", "import os\nos._exit(1)", "print('never')")])
    stopped = notebook_runner.execute(nb, tmp_path)
    assert stopped.startswith("the kernel died") and "cell 2" in stopped
    assert nb.cells[0].outputs[0].text == "before\n" and nb.cells[2].outputs == []


class _StartingClient:
    """A stand-in for nbclient's client whose kernel fails to start `failures` times with `failure`."""

    def __init__(self, failure, failures):
        self.failure, self.failures, self.starts, self.running = failure, failures, 0, False

    @contextlib.contextmanager
    def setup_kernel(self):
        self.starts += 1
        if self.starts <= self.failures:
            raise RuntimeError(self.failure)
        self.running = True
        yield
        self.running = False


@pytest.mark.parametrize("failure, failures, starts, started", [
    (notebook_runner.KERNEL_DIED, 1, 2, True), (notebook_runner.KERNEL_DIED, 2, 2, False),
    ("Kernel didn't respond in 60 seconds", 1, 1, False)],
    ids=["died once: started once more", "died twice: fails", "another failure: not again"])
def test_a_kernel_that_dies_as_it_starts_is_started_once_more(failure, failures, starts, started):
    client = _StartingClient(failure, failures)
    try:
        with notebook_runner.kernel_of(client):
            assert client.running
        ran = True
    except RuntimeError as error:
        assert failure in str(error)
        ran = False
    assert (client.starts, ran, client.running) == (starts, started, False)
