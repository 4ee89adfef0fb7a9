"""After a kernel restart, a NameError says what to run first; `make lab` loads the hint into every kernel."""
import json
from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

ROOT = Path(__file__).resolve().parents[1]


def test_a_name_forgotten_by_a_restart_ends_with_what_to_run(monkeypatch):
    shell = InteractiveShell.instance()
    shown = []
    monkeypatch.setattr(shell, "_showtraceback", lambda etype, value, stb: shown.append(stb))
    try:
        shell.run_line_magic("load_ext", "serverless_workbook.restart_hints")
        result = shell.run_cell('with exercise("1.1", "a title") as ex:\n    pass')
        assert isinstance(result.error_in_exec, NameError)  # the cell still fails, so "Run All" stops there
        assert any("name 'exercise' is not defined" in line for line in shown[0])
        assert shown[0][-1].startswith("Run the cells above this one first; after a kernel restart, start again")
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def test_make_lab_starts_kernels_with_the_hint():
    spec = json.loads((ROOT / "jupyter" / "kernels" / "python3" / "kernel.json").read_text())
    assert spec["argv"][:3] == ["python", "-m", "ipykernel_launcher"]
    assert "--ext=serverless_workbook.restart_hints" in spec["argv"]
    assert 'JUPYTER_PATH="$PWD/jupyter' in (ROOT / "scripts" / "lab.sh").read_text()
