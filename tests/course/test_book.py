"""The website's build: what a page shows of a notebook, its order, and the workflow that publishes it (the site
itself is read in a browser by tests/ui/test_ui_book.py)."""
import json

import yaml

from serverless_workbook.common import registry
from serverless_workbook.common.registry import ROOT
from serverless_workbook.course import book

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"


def _notebook(*cells, widgets=None):
    metadata = {"widgets": widgets} if widgets else {}
    return json.dumps({"cells": list(cells), "metadata": metadata, "nbformat": 4, "nbformat_minor": 5})


def _code(*outputs):
    return {"cell_type": "code", "id": "c", "metadata": {}, "source": "x", "execution_count": 1, "outputs": list(outputs)}


def test_a_widget_shows_how_to_run_it_live_and_other_outputs_stay():
    widget = {"output_type": "execute_result", "execution_count": 1, "metadata": {},
              "data": {book.WIDGET_MIME: {"model_id": "m"}, "text/plain": "VBox(children=(...))"}}
    figure = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBOR", "text/plain": "<Figure>"}}
    page = json.loads(book.for_the_page("chapters/01-x", _notebook(_code(figure), _code(widget), widgets={"s": 1})))
    assert page["cells"][0]["outputs"] == [figure]
    assert page["cells"][1]["outputs"][0]["data"]["text/markdown"] == book.LIVE_ONLY
    assert "widgets" not in page["metadata"] and len(page["cells"]) == 2


def test_the_home_holds_the_sites_contents_in_course_order():
    page = json.loads(book.for_the_page(book.HOME, _notebook(_code())))
    contents = page["cells"][-1]["source"]
    assert ":hidden:" in contents
    listed = [line.lstrip("/") for line in contents.splitlines() if line.startswith("/")]
    assert listed == book.reading_order()
    labs = [page for page in listed if page.startswith("labs/")]
    assert labs == [f"labs/{lab.stem}" for lab in registry.labs()]  # as learners get them, never solutions/


def test_the_pages_workflow_publishes_what_make_book_builds():
    # Its validity for GitHub Actions: tests/project/test_workflows.py.
    steps = yaml.safe_load(WORKFLOW.read_text())["jobs"]["build"]["steps"]
    assert any(step.get("run") == "make book" for step in steps)
    [upload] = [step for step in steps if "upload-pages-artifact" in step.get("uses", "")]
    assert upload["with"]["path"] == book.OUTPUT.relative_to(ROOT).as_posix()
    assert "$(PY) -m serverless_workbook.course.book" in (ROOT / "Makefile").read_text()
