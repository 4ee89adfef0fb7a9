"""The course as a website: the committed notebooks rendered, never run, into a static site (make book).

Sphinx with MyST-NB reads the repository itself, with book/conf.py: the start page is the home, then every chapter
and every lab as learners get it (labs/: exercises and checks, no answers), in course.toml's order, and the README.
Everything a page loads is in the built folder (theme, search index, figures, the stored videos as data), so the
site works offline and publishes as it is (.github/workflows/book.yml).

An interactive widget cannot run without a kernel: on a page its cell shows a line saying how to run it live, after
the static chart of the same model that each chapter draws just before its explorer.

    python -m serverless_workbook.course.book [OUTPUT]      default build/book; then open OUTPUT/index.html
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from serverless_workbook.common import registry
from serverless_workbook.common.registry import ROOT

CONFIGURATION = ROOT / "book"
OUTPUT = ROOT / "build" / "book"
HOME = "chapters/00-start-here"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
LIVE_ONLY = ("*This explorer's sliders need a running kernel: open this notebook in JupyterLab (`make lab`) to move "
             "them. The chart above draws the same model.*")


def reading_order() -> list[str]:
    """The site's pages after the home, as Sphinx names documents: chapters and labs in course order, the README."""
    pages = []
    for entry in registry.entries():
        path = entry.released if entry.kind == "lab" else entry.path
        document = path.relative_to(ROOT).with_suffix("").as_posix()
        if document != HOME:
            pages.append(document)
    return [*pages, "README"]


def for_the_page(document: str, source: str) -> str:
    """A notebook's JSON as the site shows it: a widget's output replaced by how to run it live, and the home given
    the site's table of contents (hidden: the page's own course map is what a reader sees)."""
    notebook = json.loads(source)
    notebook.get("metadata", {}).pop("widgets", None)
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and any(WIDGET_MIME in output.get("data", {}) for output in cell["outputs"]):
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"text/markdown": LIVE_ONLY, "text/plain": LIVE_ONLY}}]
    if document == HOME:
        entries = "\n".join(f"/{page}" for page in reading_order())
        notebook["cells"].append({"cell_type": "markdown", "id": "site-contents", "metadata": {}, "source":
                                  f"```{{toctree}}\n:hidden:\n:maxdepth: 1\n\n{entries}\n```"})
    return json.dumps(notebook)


def build(output: Path = OUTPUT) -> Path:
    """Build the site into `output` (what was there is replaced); its index.html."""
    subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-q", "-E", "-c", str(CONFIGURATION), str(ROOT),
                    str(output)], check=True)
    return output / "index.html"


if __name__ == "__main__":
    print(f"The course's website: {build(Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT)}")
