"""Chapter 6's and lab 6's charts: a function's lifecycle, latency percentiles, what memory buys, and an explorer.

Measured times appear in the charts (PNGs, which nbval does not compare) and never in printed text.
"""
from __future__ import annotations

from typing import Any, Sequence

import ipywidgets as widgets
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

# Chapter 1's figure class: shown once, as the PNG of the chart a cell returns, on any backend.
from serverless_workbook.models.cost_explorer import CostChart as Chart
from serverless_workbook.models.lambda_performance import (
    MB_PER_VCPU,
    concurrency,
    invocation_cost,
    modelled_duration_ms,
    nearest_rank,
)

COLD, WARM, MODEL = "#b8452e", "#2e73b8", "#7f7f7f"
# Plain numbers on a logarithmic axis, not powers of ten.
PLAIN = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")


def _plain_log_y(ax) -> None:
    ax.set_yscale("log")
    ax.yaxis.set_major_formatter(PLAIN)
    ax.yaxis.set_minor_formatter(NullFormatter())
PERCENTS = (50, 90, 99)


def plot_lifecycle(reports: Sequence[Any], gaps_ms: Sequence[float]) -> Figure:
    """One execution environment's life, drawn to scale from its invocations' reports (a cold start first):
    Init once, then each Invoke, with the environment frozen between them."""
    fig = Chart(figsize=(9, 2.1))
    ax = fig.subplots()
    at = 0.0
    for index, report in enumerate(reports):
        if report.init_ms is not None:
            ax.barh(0, report.init_ms, left=at, color=COLD, label="Init (cold start)")
            at += report.init_ms
        ax.barh(0, report.duration_ms, left=at, color=WARM, label="Invoke" if index == 0 else None)
        at += report.duration_ms
        if index < len(gaps_ms):
            ax.barh(0, gaps_ms[index], left=at, color="#dddddd", label="frozen" if index == 0 else None)
            at += gaps_ms[index]
    ax.set_yticks([])
    ax.set_xlabel("ms since the first request reached the environment")
    ax.set_title("One execution environment: Init once, then Invoke, frozen between requests, reused")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def plot_latency(reports: Sequence[Any], title: str) -> Figure:
    """Every request's latency as the caller saw it, sorted, cold starts marked; the percentiles drawn across."""
    fig = Chart(figsize=(8, 3.8))
    ax = fig.subplots()
    ordered = sorted(reports, key=lambda r: r.client_ms)
    xs = np.arange(1, len(ordered) + 1) / len(ordered) * 100
    colours = [COLD if r.cold else WARM for r in ordered]
    ax.scatter(xs, [r.client_ms for r in ordered], c=colours, s=14)
    latencies = [r.client_ms for r in ordered]
    ax.scatter([], [], c=COLD, s=14, label="cold start")
    ax.scatter([], [], c=WARM, s=14, label="warm")
    for percent, style in zip(PERCENTS, (":", "--", "-.")):
        value = nearest_rank(latencies, percent)
        ax.axhline(value, color=MODEL, linewidth=0.9, linestyle=style, label=f"p{percent} {value:,.0f} ms")
    _plain_log_y(ax)
    ax.set_xlabel("share of requests at or below (%)")
    ax.set_ylabel("latency seen by the caller (ms)")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.tight_layout()
    return fig


def plot_init(inits_ms: dict[str, Sequence[float]]) -> Figure:
    """The Init Duration of each variant's cold starts."""
    fig = Chart(figsize=(7, 3))
    ax = fig.subplots()
    names = list(inits_ms)
    ax.barh(names, [float(np.median(inits_ms[n])) for n in names], color=COLD)
    for row, name in enumerate(names):
        ax.scatter(inits_ms[name], [row] * len(inits_ms[name]), color="black", s=10, zorder=3)
    ax.invert_yaxis()
    ax.set_xlabel("Init Duration (ms): bars the median, dots each cold start")
    ax.set_title("What a cold start costs, by what the Init phase does")
    fig.tight_layout()
    return fig


def plot_memory(settings: Sequence[dict[str, float]], title: str, wait_ms: float = 0.0) -> Figure:
    """Duration and cost per invocation against memory, measured, with the model through the measured point
    nearest one vCPU: the handler's `wait_ms` of waiting as it is, the rest as compute in proportion to memory."""
    fig = Chart(figsize=(9, 3.6))
    left, right = fig.subplots(1, 2)
    memory = [s["memory_mb"] for s in settings]
    anchor = min(settings, key=lambda s: abs(s["memory_mb"] - MB_PER_VCPU))
    compute = max(0.0, anchor["duration_ms"] - wait_ms) / max(1.0, MB_PER_VCPU / anchor["memory_mb"])
    sizes = np.geomspace(min(memory), max(memory), 100)
    model = [modelled_duration_ms(m, compute, wait_ms) for m in sizes]
    left.plot(sizes, model, color=MODEL, linestyle="--",
              label="model: CPU in proportion to memory" + (f", plus {wait_ms:g} ms waiting" if wait_ms else ""))
    left.plot(memory, [s["duration_ms"] for s in settings], "o-", color=WARM, label="measured")
    left.set_xscale("log")
    _plain_log_y(left)
    left.set_xlabel("memory (MB)")
    left.set_ylabel("billed duration (ms)")
    left.axvline(MB_PER_VCPU, color="#cccccc", linewidth=0.8)
    left.legend(fontsize=8)
    right.plot(sizes, [invocation_cost(d, m) * 1e6 for d, m in zip(model, sizes)], color=MODEL, linestyle="--")
    right.plot(memory, [s["cost_usd"] * 1e6 for s in settings], "o-", color=COLD)
    right.set_xscale("log")
    right.set_xlabel("memory (MB)")
    right.set_ylabel("USD per million invocations")
    right.axvline(MB_PER_VCPU, color="#cccccc", linewidth=0.8)
    for ax in (left, right):
        ax.set_xticks(memory, [f"{m:,}" for m in memory], fontsize=7)
        ax.minorticks_off()
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_littles_law(rate: float, latency_s: float, callers: int) -> Figure:
    """A measured run's arrival rate times its mean latency, beside the environments its callers kept busy."""
    fig = Chart(figsize=(8, 2.4))
    ax = fig.subplots()
    ax.barh(["rate x latency (measured)", f"callers ({callers}), one environment each"],
            [rate * latency_s, callers], color=[WARM, MODEL])
    ax.text(rate * latency_s, 0, f" {rate:.1f}/s x {latency_s * 1000:.0f} ms = {rate * latency_s:.2f}", va="center",
            fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, callers * 1.8)
    ax.set_xlabel("environments busy at once")
    ax.set_title("Little's law: concurrency = arrival rate x latency")
    fig.tight_layout()
    return fig


def plot_explorer(compute_ms: float, wait_ms: float, requests_per_second: float, reserved: int) -> Figure:
    """The model at every memory size: duration and cost per million, and the concurrency Little's law asks."""
    sizes = np.geomspace(128, 10_240, 120)
    durations = [modelled_duration_ms(m, compute_ms, wait_ms) for m in sizes]
    fig = Chart(figsize=(9, 3.6))
    left, right = fig.subplots(1, 2)
    left.plot(sizes, durations, color=WARM)
    left.set_ylabel("duration (ms)", color=WARM)
    twin = left.twinx()
    twin.plot(sizes, [invocation_cost(d, m) * 1e6 for d, m in zip(durations, sizes)], color=COLD)
    twin.set_ylabel("USD per million invocations", color=COLD)
    left.set_xscale("log")
    left.set_xlabel("memory (MB)")
    left.axvline(MB_PER_VCPU, color="#cccccc", linewidth=0.8)
    needed = [concurrency(requests_per_second, d) for d in durations]
    right.plot(sizes, needed, color=WARM, label="concurrency needed (rate x duration)")
    right.axhline(reserved, color=COLD, linestyle="--", label=f"reserved concurrency {reserved}")
    right.fill_between(sizes, reserved, needed, where=[n > reserved for n in needed], color=COLD, alpha=0.2,
                       label="throttled")
    right.set_xscale("log")
    right.set_xlabel("memory (MB)")
    right.set_ylabel("environments busy at once")
    right.legend(fontsize=8)
    fig.suptitle(f"{compute_ms:g} ms of compute at one vCPU + {wait_ms:g} ms of waiting, "
                 f"{requests_per_second:g} requests/s")
    fig.tight_layout()
    return fig


def explorer() -> widgets.Widget:
    """Sliders over plot_explorer: how much of the handler computes, how much waits, the traffic, the limit."""
    controls = {
        "compute_ms": widgets.IntSlider(value=200, min=0, max=2000, step=10, description="compute ms"),
        "wait_ms": widgets.IntSlider(value=50, min=0, max=2000, step=10, description="waiting ms"),
        "requests_per_second": widgets.IntSlider(value=50, min=1, max=1000, description="requests/s"),
        "reserved": widgets.IntSlider(value=20, min=1, max=1000, description="reserved"),
    }
    chart = widgets.interactive_output(lambda **settings: display(plot_explorer(**settings)), controls)
    return widgets.VBox([widgets.HBox([widgets.VBox(list(controls.values())[:2]),
                                       widgets.VBox(list(controls.values())[2:])]), chart])
