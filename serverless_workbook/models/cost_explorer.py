"""The interactive face of the cost model: a chart and the widgets that drive it."""
from __future__ import annotations

import io

import ipywidgets as widgets
import numpy as np
from IPython.display import display
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from serverless_workbook.models.costs import (
    PRICES,
    Workload,
    break_even_requests,
    ec2_monthly_cost,
    fargate_monthly_cost,
    load_balancer_monthly_cost,
    serverless_monthly_cost,
)

REQUEST_RANGE = (1e4, 1e9)


class CostChart(Figure):
    """A figure that shows itself as a PNG wherever IPython displays it.

    It is not registered with pyplot, so a notebook shows exactly the chart a
    cell returns, whatever matplotlib backend the kernel happens to run.
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


API_LABELS = {None: "no API in front", "rest": "API Gateway REST API", "http": "API Gateway HTTP API"}


def plot_costs(duration_ms: float = 100, memory_mb: int = 128, free_tier: bool = True,
               instance_type: str = "t3.small", fargate_vcpu: float = 0.25, fargate_memory_gb: float = 0.5,
               api: str | None = None, load_balancer: bool = False):
    """Monthly cost against monthly requests, with Lambda's break-even against EC2 marked.

    A web API pays for its front door on both sides: `api` puts API Gateway in
    front of Lambda, `load_balancer` an Application Load Balancer in front of
    the instance and the task.
    """
    requests = np.logspace(np.log10(REQUEST_RANGE[0]), np.log10(REQUEST_RANGE[1]), 200)
    lambda_cost = [serverless_monthly_cost(Workload(r, duration_ms, memory_mb), api, free_tier) for r in requests]
    front = load_balancer_monthly_cost() if load_balancer else 0.0
    ec2 = ec2_monthly_cost(instance_type) + front
    fargate = fargate_monthly_cost(fargate_vcpu, fargate_memory_gb) + front
    crossing = break_even_requests(ec2, duration_ms, memory_mb, free_tier, api=api)
    with_alb = " + load balancer" if load_balancer else ""

    fig = CostChart(figsize=(8, 4.5))
    ax = fig.subplots()
    ax.plot(requests, lambda_cost, label=f"Lambda ({memory_mb} MB, {duration_ms:g} ms)"
            + (f" + {API_LABELS[api]}" if api else ""), color="#e7821a", lw=2)
    ax.axhline(ec2, label=f"EC2 {instance_type}{with_alb}, always on", color="#2e73b8", lw=2)
    ax.axhline(fargate, label=f"Fargate {fargate_vcpu:g} vCPU / {fargate_memory_gb:g} GB{with_alb}, always on",
               color="#3a9e5a", lw=2, ls="--")
    if REQUEST_RANGE[0] <= crossing <= REQUEST_RANGE[1]:
        ax.axvline(crossing, color="grey", ls=":")
        ax.plot([crossing], [ec2], "o", color="black")
        ax.annotate(f"break-even vs EC2\n{crossing:,.0f} requests/month", (crossing, ec2),
                    xytext=(12, -45), textcoords="offset points")
    ax.set_xscale("log")
    # symlog keeps $0 (the free tier) on the chart, which a log scale cannot.
    ax.set_yscale("symlog", linthresh=1)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda usd, _: f"${usd:,.0f}"))
    ax.set_xlabel("requests per month")
    ax.set_ylabel("USD per month")
    ax.set_title(f"Monthly cost, prices of {PRICES.as_of} ({PRICES.region.split(',')[0]})")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    return fig


def explorer() -> widgets.Widget:
    """Sliders and switches over plot_costs; the chart redraws as they move."""
    controls = {
        "duration_ms": widgets.IntSlider(value=100, min=1, max=3000, step=1, description="duration ms"),
        "memory_mb": widgets.SelectionSlider(options=[128, 256, 512, 1024, 2048, 4096, 10240], value=128,
                                             description="memory MB"),
        "free_tier": widgets.Checkbox(value=True, description="free tier"),
        "api": widgets.Dropdown(options=[(label, kind) for kind, label in API_LABELS.items()], value="rest",
                                description="in front of Lambda"),
        "instance_type": widgets.Dropdown(options=sorted(PRICES.ec2_hourly), value="t3.small",
                                          description="EC2 type"),
        "fargate_vcpu": widgets.SelectionSlider(options=[0.25, 0.5, 1, 2, 4], value=0.25,
                                                description="Fargate vCPU"),
        "fargate_memory_gb": widgets.SelectionSlider(options=[0.5, 1, 2, 4, 8], value=0.5,
                                                     description="Fargate GB"),
        "load_balancer": widgets.Checkbox(value=True, description="load balancer in front of EC2 / Fargate"),
    }
    for control in controls.values():
        control.style.description_width = "initial"  # the default width cuts "Fargate vCPU" short
    chart = widgets.interactive_output(_show_plot, controls)
    return widgets.VBox([widgets.HBox([widgets.VBox(list(controls.values())[:4]),
                                       widgets.VBox(list(controls.values())[4:])]), chart])


def _show_plot(**settings) -> None:
    display(plot_costs(**settings))
