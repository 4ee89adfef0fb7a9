"""Chapter 5's charts: MapReduce drawn, and the speed-up model beside measured points (an execution's timeline
is drawn by models.timeline).

Every chart is a matplotlib figure: a notebook stores it as a PNG, which nbval
does not compare, so measured times may appear in it and nowhere in the text.
"""
from __future__ import annotations

import math

import ipywidgets as widgets
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# Chapter 1's figure class: shown once, as the PNG of the chart a cell returns, on any backend.
from serverless_workbook.models.cost_explorer import CostChart as Chart
from serverless_workbook.models.parallel_model import ParallelEncode, amdahl_speedup

SEGMENT_RANGE = range(1, 65)
_COLOURS = ("#e7821a", "#2e73b8", "#3a9e5a", "#b8452e", "#7a4fb0", "#8c6d1f")


def _box(ax, x: float, y: float, text: str, colour: str, width: float = 1.6, height: float = 0.7) -> None:
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, boxstyle="round,pad=0.05",
                                facecolor=colour, edgecolor="none", alpha=0.85))
    ax.text(x, y, text, ha="center", va="center", color="white", fontsize=9)


def _arrow(ax, start: tuple[float, float], end: tuple[float, float]) -> None:
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=12, color="grey"))


def plot_mapreduce(pieces: int = 4) -> Figure:
    """MapReduce as this chapter uses it: split the input, map each piece on its own worker, reduce."""
    fig = Chart(figsize=(9, 3.6))
    ax = fig.subplots()
    middle = (pieces - 1) / 2
    _box(ax, 0, middle, "input\n(one video)", "#555555")
    _box(ax, 2.2, middle, "split", "#555555", width=1.0)
    _arrow(ax, (0.85, middle), (1.65, middle))
    for index in range(pieces):
        colour = _COLOURS[index % len(_COLOURS)]
        _box(ax, 4.4, index, f"map: encode\nsegment {index + 1}", colour)
        _arrow(ax, (2.75, middle), (3.55, index))
        _arrow(ax, (5.25, index), (6.25, middle))
    _box(ax, 6.9, middle, "reduce:\nmerge", "#555555", width=1.2)
    _box(ax, 9.0, middle, "output\n(one video)", "#555555")
    _arrow(ax, (7.55, middle), (8.15, middle))
    ax.text(4.4, pieces - 0.35, "in parallel, one function each", ha="center", fontsize=9, style="italic")
    ax.set_xlim(-1, 10)
    ax.set_ylim(-0.7, pieces - 0.1)
    ax.axis("off")
    ax.set_title("Split, map in parallel, reduce")
    fig.tight_layout()
    return fig


def plot_speedup(model: ParallelEncode, measured: dict[int, float] | None = None) -> Figure:
    """The model's speed-up against the number of segments, Amdahl's bound, and measured speed-ups."""
    fig = Chart(figsize=(8, 4.2))
    ax = fig.subplots()
    segments = list(SEGMENT_RANGE)
    modelled = [model.speedup(n) for n in segments]
    ax.plot(segments, modelled, color="#e7821a", lw=2,
            label=f"model (concurrency {model.concurrency}, cold start {model.cold_start_seconds:g} s)")
    serial = model.serial_fraction
    amdahl = [amdahl_speedup(serial, n) * (1 - serial) for n in segments]
    ax.plot(segments, amdahl, color="#2e73b8", ls="--", label=f"Amdahl, serial part {serial:.0%} of the parallel run")
    if measured:
        ax.plot(list(measured), list(measured.values()), "o", color="black", label="measured here")
    # The axis follows the curves: a limit far above them would flatten them onto the x axis.
    top = 1.15 * max([*modelled, *amdahl, *(measured or {}).values()])
    limit = (1 - serial) / serial if serial else math.inf
    if limit <= top:
        ax.axhline(limit, color="grey", ls=":", label="limit: work / serial part")
    else:
        ax.plot([], [], color="grey", ls=":", label=f"limit: work / serial part = {limit:,.0f}, above the chart")
    ax.set_xscale("log", base=2)
    ax.set_xticks([1, 2, 4, 8, 16, 32, 64], labels=["1", "2", "4", "8", "16", "32", "64"])
    ax.set_xlabel("segments")
    ax.set_ylabel("speed-up against the single job")
    ax.set_ylim(0, top)
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    return fig


def explorer(model: ParallelEncode, measured: dict[int, float] | None = None) -> widgets.Widget:
    """Sliders over the model's inputs; the chart redraws as they move, with the measured points kept."""
    controls = {
        # Fine steps, so the sliders start on the model's own values and the first chart is the one above.
        "encode_seconds": widgets.FloatLogSlider(value=model.encode_seconds, base=10, min=0, max=4, step=0.001,
                                                 readout_format=".3g", description="single-job encode s"),
        "split_seconds": widgets.FloatSlider(value=model.split_seconds, min=0, max=60, step=0.01,
                                             description="split s"),
        "merge_seconds": widgets.FloatSlider(value=model.merge_seconds, min=0, max=60, step=0.01,
                                             description="merge s"),
        "concurrency": widgets.IntSlider(value=min(model.concurrency, 64), min=1, max=64,
                                         description="concurrency limit"),
        "cold_start_seconds": widgets.FloatSlider(value=model.cold_start_seconds, min=0, max=10, step=0.01,
                                                  description="cold start s"),
    }
    for control in controls.values():
        control.style.description_width = "initial"

    def show(**settings: float) -> None:
        display(plot_speedup(ParallelEncode(**settings), measured))

    return widgets.VBox([widgets.HBox([widgets.VBox(list(controls.values())[:3]),
                                       widgets.VBox(list(controls.values())[3:])]),
                         widgets.interactive_output(show, controls)])
