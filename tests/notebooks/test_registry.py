"""course.toml is the one registry of the course: it names every notebook, and what reads it agrees with it."""
import importlib
import subprocess
import sys

import nbformat
import pytest

import lab_mutants
from serverless_workbook.common import registry
from serverless_workbook.course import course_map


def test_every_chapter_and_solution_is_registered_once_and_every_entry_exists():
    on_disk = {p.relative_to(registry.ROOT).as_posix()
               for folder in ("chapters", "solutions") for p in (registry.ROOT / folder).glob("*.ipynb")}
    listed = [e.notebook for e in registry.entries()]
    assert len(listed) == len(set(listed))
    assert set(listed) == on_disk


def test_each_lab_names_its_workspace_and_its_mutants():
    for lab in registry.labs():
        assert lab.notebook.startswith("solutions/") and lab.released.is_file()
        if lab.workspace:
            importlib.import_module(f"serverless_workbook.workspaces.{lab.workspace}")
        assert getattr(lab_mutants, lab.mutants), f"{lab.name}: no mutants named {lab.mutants} in lab_mutants.py"


def test_the_start_pages_course_map_is_what_the_registry_renders():
    stored = course_map.map_cell(nbformat.read(course_map.START_PAGE, as_version=4)).source
    assert stored == course_map.render(), "the course map is out of date: run `make course-map`"


def test_a_session_lists_its_notebooks_longest_first():
    printed = subprocess.run([sys.executable, "-m", "serverless_workbook.common.registry", "notebooks", "server"],
                             capture_output=True, text=True, check=True).stdout.split()
    assert printed == [e.notebook for e in registry.compared_in("server")]
    seconds = [e.nbval_seconds for e in registry.compared_in("server")]
    assert seconds == sorted(seconds, reverse=True) and printed


def test_a_wrong_session_is_refused_with_the_sessions_named():
    with pytest.raises(registry.RegistryError, match="the sessions are"):
        registry.compared_in("aws")
