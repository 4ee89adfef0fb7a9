"""The committed figures are what their sources draw, byte for byte."""
import subprocess

import pytest

from serverless_workbook.models import figures


def _graphviz_version() -> str:
    done = subprocess.run(["dot", "-V"], capture_output=True, text=True)
    return (done.stderr or done.stdout).strip()


def test_every_source_has_its_committed_png_and_nothing_else():
    sources = {path.stem for path in figures.sources()}
    pngs = {path.stem for path in figures.DIAGRAMS_DIR.glob("*.png")}
    assert sources, "no figure sources in diagrams/"
    assert pngs == sources, (
        f"sources without a PNG: {sorted(sources - pngs)}; PNGs without a source: {sorted(pngs - sources)}. "
        "Run `make diagrams` and commit the PNGs.")


def test_committed_pngs_are_what_the_sources_render(tmp_path):
    changed = [
        path.name for path in figures.render_all(tmp_path)
        if not (committed := figures.figure_path(path.stem)).exists()
        or path.read_bytes() != committed.read_bytes()
    ]
    assert not changed, (
        f"{changed} differ from what diagrams/ renders now. If you edited a source, run `make diagrams` "
        "and commit the PNGs. Byte identity only holds on the same Graphviz (and fonts): the committed "
        f"PNGs were rendered with Graphviz {figures.GRAPHVIZ_VERSION}; this machine has: {_graphviz_version()}")


def test_rendering_twice_gives_the_same_bytes(tmp_path):
    first = figures.render_all(tmp_path / "first")
    second = figures.render_all(tmp_path / "second")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_figure_path_names_the_committed_png_and_rejects_unknown_figures():
    assert figures.figure_path("fig_serverless") == figures.DIAGRAMS_DIR / "fig_serverless.png"
    with pytest.raises(ValueError, match="fig_1_1_client_server"):
        figures.figure_path("fig_9_9")
