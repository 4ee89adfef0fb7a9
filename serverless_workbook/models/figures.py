"""The workbook's figures: one diagram-as-code source per figure in ``diagrams/``.

``python -m serverless_workbook.models.figures [--out DIR]`` re-renders every source.
``figure`` is the one place the figures' look is decided.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
from pathlib import Path

from diagrams import Diagram

from serverless_workbook.common.registry import ROOT

# The sources live beside the package in the repository (the workbook is
# installed editable), not inside it, so that learners find them at the top.
DIAGRAMS_DIR = ROOT / "diagrams"

# The committed PNGs were rendered with this `dot`; another Graphviz version
# lays out or rasterises differently, so byte identity is only promised here.
GRAPHVIZ_VERSION = "2.43.0"


def figure(title: str, out_path: str | Path) -> Diagram:
    """A left-to-right ``Diagram`` in the workbook's style that renders ``<out_path>.png`` on exit."""
    return Diagram(
        title,
        filename=str(out_path),
        outformat="png",
        show=False,  # headless machines have no image viewer to open
        graph_attr={
            # diagrams' default 2-inch pad leaves the figure adrift in white space.
            "pad": "0.3",
            "fontsize": "20",
            "labelloc": "t",
            # Orthogonal routing cannot place edge labels; splines can.
            "splines": "spline",
            "nodesep": "0.7",
            "ranksep": "1.1",
        },
        edge_attr={"penwidth": "1.5"},
    )


def sources() -> list[Path]:
    return sorted(DIAGRAMS_DIR.glob("*.py"))


def figure_path(name: str) -> Path:
    """The committed PNG of the figure whose source is ``diagrams/<name>.py``."""
    if not (DIAGRAMS_DIR / f"{name}.py").exists():
        known = ", ".join(p.stem for p in sources())
        raise ValueError(f"no figure source diagrams/{name}.py; the figures are: {known}")
    return DIAGRAMS_DIR / f"{name}.png"


def _load(source: Path):
    spec = importlib.util.spec_from_file_location(f"workbook_figure_{source.stem}", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def render_all(out_dir: str | Path = DIAGRAMS_DIR) -> list[Path]:
    """Render every source in ``diagrams/`` to ``<out_dir>/<source stem>.png``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rendered = []
    for source in sources():
        _load(source).draw(out_dir / source.stem)
        rendered.append(out_dir / f"{source.stem}.png")
    return rendered


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Re-render every figure in diagrams/.")
    parser.add_argument("--out", type=Path, default=DIAGRAMS_DIR,
                        help="folder for the PNGs (default: diagrams/ itself)")
    for path in render_all(parser.parse_args(argv).out):
        print(path)


if __name__ == "__main__":
    main()
