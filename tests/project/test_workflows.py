"""Every GitHub Actions workflow the repository commits is valid for GitHub Actions (its published schema)."""
import subprocess
import sys
from pathlib import Path

import pytest

from serverless_workbook.common.registry import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_there_are_workflows():
    assert {path.name for path in WORKFLOWS} >= {"book.yml", "classroom.yml"}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda path: path.name)
def test_the_workflow_is_valid_for_github_actions(workflow):
    checker = Path(sys.executable).with_name("check-jsonschema")
    done = subprocess.run([str(checker), "--builtin-schema", "vendor.github-workflows", str(workflow)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
