"""The parity ledger is one source, shown where a learner looks, and each behaviour it calls reproduced is tested."""
import ast
import json

import pytest

from serverless_workbook.common.registry import ROOT
from serverless_workbook.localcloud import parity


def test_the_start_page_and_the_readme_show_the_ledger_the_code_renders():
    stored = "".join(parity.start_page_cell(json.loads(parity.START_PAGE.read_text()))["source"])
    assert stored == parity.render(), "the start page's ledger is out of date: run `make course-map`"
    assert parity.in_readme(parity.README.read_text()) == parity.for_readme(), (
        "the README's ledger is out of date: run `make course-map`")


@pytest.mark.parametrize("behaviour", parity.LEDGER, ids=lambda b: b.aws[:60])
def test_each_entry_is_sourced_and_each_reproduced_one_names_its_test(behaviour):
    assert behaviour.status in (parity.REPRODUCED, parity.SCALED, parity.MISSING)
    assert behaviour.doc.startswith("https://docs.aws.amazon.com/")
    if behaviour.status == parity.MISSING:
        assert not behaviour.test
        return
    path, name = behaviour.test.split("::")
    tree = ast.parse((ROOT / path).read_text())
    assert name in {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef)}, behaviour.test
