"""Chapter 1 covers the book's chapter 1: its headings are the list kept beside this test,
and every numbered section shows its concept in code (a figure, a model or a worked example)."""
import re
from pathlib import Path

import nbformat
from serverless_workbook.common.registry import ROOT

CHAPTER = ROOT / "chapters" / "01-serverless-architectures.ipynb"
EXPECTED = Path(__file__).with_name("chapter01_headings.txt")


def expected_headings() -> list[str]:
    # The file's own comments start with "%".
    return [line for line in EXPECTED.read_text(encoding="utf-8").splitlines() if line and not line.startswith("%")]


def sections() -> list[tuple[str, list]]:
    """(heading, the cells up to the next heading) for every markdown heading, in order."""
    found = []
    for cell in nbformat.read(CHAPTER, as_version=4).cells:
        headings = [line for line in cell.source.splitlines() if re.match(r"#{1,6} ", line)] \
            if cell.cell_type == "markdown" else []
        for heading in headings:
            found.append((heading, []))
        if found and not headings:
            found[-1][1].append(cell)
    return found


def test_the_chapter_has_exactly_the_listed_headings_in_order():
    assert [heading for heading, _ in sections()] == expected_headings()


def test_every_numbered_section_shows_its_concept_in_code():
    without_code = []
    current = None
    cells_of = {}
    for heading, cells in sections():
        if re.match(r"## 1\.\d+ ", heading):
            current = heading
        elif heading.startswith("## "):
            current = None
        if current:
            cells_of.setdefault(current, []).extend(cells)
    for heading, cells in cells_of.items():
        if not any(cell.cell_type == "code" and cell.source.strip() for cell in cells):
            without_code.append(heading)
    assert len(cells_of) == 10 and not without_code, f"sections without a figure, model or example: {without_code}"
