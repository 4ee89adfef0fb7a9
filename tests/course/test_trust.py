"""make lab signs the committed chapters and lab sources, and never a notebook someone edited."""
import subprocess

import nbformat
import pytest
from nbformat.sign import MemorySignatureStore, NotebookNotary

from serverless_workbook.course import trust


def _notebook(path, text):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("show()", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": text})])])
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)


@pytest.fixture
def repo(tmp_path):
    for name in ("chapters/01.ipynb", "chapters/02.ipynb", "solutions/lab.ipynb", "labs/lab.ipynb"):
        _notebook(tmp_path / name, f"<video src='data:{name}'></video>")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "notebooks"], check=True)
    _notebook(tmp_path / "chapters/02.ipynb", "<script>edited by a learner</script>")
    _notebook(tmp_path / "chapters/03.ipynb", "<b>never committed</b>")
    return tmp_path


def test_only_committed_unedited_chapters_and_solutions_are_chosen(repo):
    chosen = sorted(path.relative_to(repo).as_posix() for path in trust.committed_notebooks(repo))
    assert chosen == ["chapters/01.ipynb", "solutions/lab.ipynb"]


def test_signed_notebooks_are_trusted_and_the_rest_are_not(repo):
    notary = NotebookNotary(store_factory=MemorySignatureStore, secret=b"test")

    def trusted(name):
        return notary.check_signature(nbformat.read(repo / name, nbformat.NO_CONVERT))

    trust.sign(trust.committed_notebooks(repo), notary)
    assert [trusted(name) for name in ("chapters/01.ipynb", "solutions/lab.ipynb")] == [True, True]
    assert [trusted(name) for name in ("chapters/02.ipynb", "chapters/03.ipynb", "labs/lab.ipynb")] == [False] * 3


def test_outside_a_git_checkout_nothing_is_signed(tmp_path):
    _notebook(tmp_path / "chapters/01.ipynb", "<i>x</i>")
    assert "none was signed" in trust.main(tmp_path)
