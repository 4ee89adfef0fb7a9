"""The start page: its course map names every chapter and lab, and every link in it leads somewhere real."""
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat
from serverless_workbook.common.registry import ROOT

START = ROOT / "chapters" / "00-start-here.ipynb"
# Markdown links [text](target) and HTML href/src attributes.
LINK = re.compile(r"\]\(([^)\s]+)\)|(?:href|src)=[\"']([^\"']+)[\"']")
FURTHER_READING = {"www.manning.com", "docs.aws.amazon.com", "martinfowler.com"}


def links() -> list[str]:
    text = "\n".join(cell.source for cell in nbformat.read(START, as_version=4).cells)
    return [a or b for a, b in LINK.findall(text)]


def test_every_relative_link_resolves_to_a_file_in_the_repository():
    relative = [link for link in links() if not urlsplit(link).scheme]
    assert relative
    broken = [link for link in relative
              if not (target := (START.parent / unquote(urlsplit(link).path)).resolve()).is_file()
              or ROOT not in target.parents]
    assert not broken, f"links on the start page that lead to no file of the repository: {broken}"


def test_outside_links_are_the_further_reading_only():
    outside = {urlsplit(link).netloc for link in links() if urlsplit(link).scheme}
    assert all(link.startswith("https://") for link in links() if urlsplit(link).scheme)
    assert outside == FURTHER_READING


def test_the_course_map_links_every_chapter_and_every_lab():
    linked = {Path(urlsplit(link).path).name for link in links()}
    chapters = {p.name for p in (ROOT / "chapters").glob("*.ipynb")} - {START.name}
    labs = {p.name for p in (ROOT / "labs").glob("*.ipynb")}
    assert chapters and labs
    assert chapters | labs <= linked, f"not on the course map: {sorted((chapters | labs) - linked)}"
