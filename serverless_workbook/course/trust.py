"""Sign the repository's own notebooks, as committed, so a learner's first open shows them as committed.

JupyterLab sanitises the HTML outputs of a notebook it does not trust: the
lab 2 player's ``data:`` video source is stripped and the player stays empty.
A notebook is trusted when its signature is in the learner's own signature
database, which a fresh machine does not have. ``make lab`` therefore signs the
notebooks in chapters/ and solutions/ whose content is exactly what git's HEAD
holds: outputs the project committed, never one a learner (or anyone) edited.

    python -m serverless_workbook.course.trust [ROOT]
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat.sign import NotebookNotary

FOLDERS = ("chapters", "solutions")


def _git(root: Path, *args: str) -> list[str]:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return [name for name in done.stdout.split("\0") if name]


def committed_notebooks(root: Path) -> list[Path]:
    """Notebooks of FOLDERS that git tracks and whose working copy is byte for byte HEAD's."""
    patterns = [f"{folder}/*.ipynb" for folder in FOLDERS]
    tracked = _git(root, "ls-files", "-z", "--", *patterns)
    changed = set(_git(root, "diff", "--name-only", "-z", "HEAD", "--", *patterns))
    return [root / name for name in tracked if name not in changed]


def sign(paths: list[Path], notary: NotebookNotary | None = None) -> None:
    notary = notary or NotebookNotary()
    for path in paths:
        with path.open(encoding="utf8") as file:
            notary.sign(nbformat.read(file, nbformat.NO_CONVERT))


def main(root: Path) -> str:
    if not (root / ".git").exists():
        return ("Not a git checkout, so no notebook could be checked against its committed version and none was "
                "signed; `jupyter trust <notebook>` signs one you trust.")
    paths = committed_notebooks(root)
    sign(paths)
    return f"Signed the {len(paths)} notebook(s) of {' and '.join(FOLDERS)} that are as committed."


if __name__ == "__main__":
    print(main(Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()))
