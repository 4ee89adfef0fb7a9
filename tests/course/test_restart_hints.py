"""After a kernel restart, a NameError says what to run first; `make lab` loads the hint into every kernel."""
import json

import pytest
from IPython.core.interactiveshell import InteractiveShell
from serverless_workbook.common.registry import ROOT



@pytest.fixture
def shell(monkeypatch, tmp_path):
    """An IPython shell whose shown tracebacks are kept in `shell.shown`, one list of lines per error."""
    monkeypatch.chdir(tmp_path)  # lab 3's extension makes its workspace in the current folder
    ipython = InteractiveShell.instance()
    ipython.shown = []
    monkeypatch.setattr(ipython, "_showtraceback", lambda etype, value, stb: ipython.shown.append(stb))
    yield ipython
    ipython.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_a_name_forgotten_by_a_restart_ends_with_what_to_run(shell):
    shell.run_line_magic("load_ext", "serverless_workbook.course.restart_hints")
    result = shell.run_cell('with exercise("1.1", "a title") as ex:\n    pass')
    assert isinstance(result.error_in_exec, NameError)  # the cell still fails, so "Run All" stops there
    assert any("name 'exercise' is not defined" in line for line in shell.shown[0])
    assert shell.shown[0][-1].startswith("Run the cells above this one first; after a kernel restart, start again")


def test_lab_3_names_the_cell_that_sets_a_name_it_knows(shell):
    """#12: lab 3's cells that use `api`, `URL` or `AUTH` once the kernel forgot them."""
    shell.run_line_magic("load_ext", "serverless_workbook.workspaces.api_lab")
    result = shell.run_cell("print(URL)")
    assert isinstance(result.error_in_exec, NameError)
    assert shell.shown == [["NameError: name 'URL' is not defined. It is set by the cell that deploys the API (\"Now "
                            "deploy the API\", before exercise 3.3). Run the cells above this one first; after a kernel "
                            "restart, start again from the notebook's first cell (a restart forgets every variable, "
                            "and on the local cloud every deployed stack)."]]
    # A name the lab does not set (a typo, say) keeps its traceback, which shows the line.
    shell.run_cell('requests_get(f"{URL}/videos")')
    assert any("requests_get" in line for line in shell.shown[1][:-1])
    assert shell.shown[1][-1].startswith("Run the cells above")


def test_make_lab_starts_kernels_with_the_hint():
    spec = json.loads((ROOT / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][:3] == ["python", "-m", "ipykernel_launcher"]
    assert "--ext=serverless_workbook.course.restart_hints" in spec["argv"]
    assert 'JUPYTER_PATH="$PWD/jupyter' in (ROOT / "scripts" / "lab.sh").read_text()
