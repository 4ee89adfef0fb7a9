"""The chapters' models and figures: what a chapter explains with numbers or pictures.

    costs            the cost model and its one dated, sourced price table
    cost_explorer    chapter 1's interactive cost chart
    parallel_model   chapter 5's parallel-encode model (Amdahl's law, limits, cost)
    parallel_charts  chapter 5's MapReduce figure, speed-up chart and explorer
    lambda_performance  chapter 6's model: memory buys CPU, an invocation's cost, percentiles, Little's law
    lambda_charts    chapter 6's and lab 6's charts: lifecycle, latency, memory curves, and the explorer
    timeline         one timeline for whatever ran from a start to an end (invocations, jobs, Step Functions tasks)
    figures          diagram-as-code rendering: diagrams/*.py -> the committed PNGs (make diagrams)

May import: common, and nothing else of the workbook's; no AWS calls.
"""
# The modules other packages, notebooks and commands may use.
__all__ = ["cost_explorer", "costs", "figures", "lambda_charts", "lambda_performance", "parallel_charts",
           "parallel_model", "timeline"]

