"""Decides what must share one worker when `make test` runs on several (pytest-xdist).

A notebook's cells run in order in one kernel, so a notebook is one unit; a
test module's fixtures are set up once, so a module is one unit too. A test
parametrized by a lab (its id names the lab's notebook, e.g.
`[lab02-video-pipeline-2.1]`) executes that lab, whose cells save handlers into
the lab's workspace/ folder, as the lab's own nbval run does: it joins the
lab's unit, so the two never write there at the same time.

xdist's `--dist loadgroup` would need marks, and with pytest 9 it ignores them
(it renames node ids, which pytest 9 no longer reads); hence a scheduler of our own.
"""
import re
from pathlib import Path

import pytest

LAB_STEMS = sorted((p.stem for p in (Path(__file__).parent / "solutions").glob("*.ipynb")), key=len, reverse=True)
_NOTEBOOK = re.compile(r"^(?P<path>.+?)(?:\.|::)ipynb::")


def unit_of(nodeid: str) -> str:
    """The scheduling unit of a test: its notebook, its lab, or its module."""
    notebook = _NOTEBOOK.match(nodeid)
    if notebook:
        return Path(notebook["path"]).name
    module, _, test = nodeid.partition("::")
    parameters = test.partition("[")[2]
    return next((stem for stem in LAB_STEMS if parameters.startswith(stem)), module)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of(nodeid)

    return ByUnit(config, log)
