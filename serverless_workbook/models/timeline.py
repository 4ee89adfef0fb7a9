"""One timeline for everything the workbook draws as time: a Lambda invocation read from its log group,
a MediaConvert job's wait and work, a Step Functions task read from the execution's history.

Lab 2 draws its upload's reactions with it, chapter 5 and lab 5 an execution's tasks.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from matplotlib.figure import Figure

# Chapter 1's figure class: shown once, as the PNG of the chart a cell returns, on any backend.
from serverless_workbook.models.cost_explorer import CostChart as Chart

_COLOURS = ["#e7821a", "#2e73b8", "#3f9c35", "#b8322e", "#7a4fb0", "#888888"]


@dataclass(frozen=True)
class Span:
    """Something that ran from start to end: one bar of a timeline.

    label: what the bar is named after (a component, a state); start, end: seconds since the epoch, or
    datetimes; succeeded: False draws the bar hatched; detail: what ran, where the label does not say
    (the function a state invoked).
    """

    label: str
    start: float | datetime
    end: float | datetime
    succeeded: bool = True
    detail: str = ""

    @property
    def seconds(self) -> float:
        return _seconds(self.end) - _seconds(self.start)


def _seconds(moment: float | datetime) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else moment


def overlapping(spans: list[Span]) -> bool:
    """Whether all the spans ran at one moment together (the latest start is before the earliest end)."""
    return len(spans) > 1 and max(_seconds(s.start) for s in spans) < min(_seconds(s.end) for s in spans)


def plot_timeline(spans: list[Span], title: str) -> Figure:
    """Each span as a bar from its start to its end, one row each in the order they started, in seconds
    after the first started; bars of one label share a colour."""
    ordered = sorted(spans, key=lambda s: _seconds(s.start))
    origin = _seconds(ordered[0].start)
    end = max(_seconds(s.end) for s in ordered) - origin
    labels = list(dict.fromkeys(s.label for s in ordered))
    fig = Chart(figsize=(9, 0.45 * len(ordered) + 1.2))
    ax = fig.subplots()
    for row, span in enumerate(ordered):
        start = _seconds(span.start) - origin
        # A span of a few milliseconds in a run of seconds would be invisible.
        length = max(span.seconds, end / 250)
        ax.barh(row, length, left=start, color=_COLOURS[labels.index(span.label) % len(_COLOURS)],
                hatch=None if span.succeeded else "//")
        # A few points after the bar's end, however long the run: a gap in seconds grows or vanishes with it.
        ax.annotate(span.label, (start + length, row), xytext=(3, 0), textcoords="offset points", va="center",
                    fontsize=8)
    ax.set_xlim(0, end * 1.25)  # room for the last bar's label inside the frame
    ax.invert_yaxis()
    ax.set_yticks([])
    ax.set_xlabel("seconds since the first started")
    ax.set_title(title)
    ax.grid(True, axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
