"""What the repository stores of executed notebooks is the same wherever and whenever they ran."""
import json

import pytest
from serverless_workbook.common.registry import ROOT

NOTEBOOKS = sorted((ROOT / "chapters").glob("*.ipynb")) + sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_no_timing_metadata_and_no_machine_paths(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    timed = [n for n, cell in enumerate(cells) if "execution" in cell.get("metadata", {})]
    assert not timed, (f"cells {timed} of {notebook.name} carry execution dates: "
                       f"run `make execute NB={notebook.relative_to(ROOT)}` (or --strip-only)")
    outputs = json.dumps([cell.get("outputs", []) for cell in cells])
    assert str(ROOT) not in outputs and "/root/" not in outputs
