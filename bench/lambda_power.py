"""How memory buys CPU on the local cloud, against Lambda's proportional model, measured side by side.

Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB (AWS Lambda Developer Guide,
"Memory and computing power"). So a CPU-bound, single-threaded handler at m MB below that takes 1,769 / m times
as long as at 1,769 MB, and no less above it (one thread uses one vCPU). This runs one such handler (a fixed
number of SHA-256 rounds) in sandbox processes (connect(..., concurrent_lambdas=True)) at each memory size,
reads each invocation's Duration from its REPORT line, and prints, per size, the best of --runs warm
invocations, the model's duration (the measured 1,769 MB best times 1,769 / m, at least 1), and their ratio.
The best counts: other work on a shared machine only ever slows a run down.
Goal: every point within 15% of the model on an idle machine.

    .venv/bin/python bench/lambda_power.py [--runs 3] [--rounds 1000000] [--sizes 128 256 512 1024 1769 2048 3008]
"""
from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from serverless_workbook.cloud import load_runs, trial_functions  # noqa: E402
from serverless_workbook.cloud.target import connect  # noqa: E402

MB_PER_VCPU = 1769
HANDLER = """import hashlib


def handler(event, context):
    digest = b"lambda"
    for _ in range(event["rounds"]):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()
"""


def duration_ms(invoke, rounds: int) -> float:
    """The Duration of the REPORT line of one invocation."""
    run = invoke({"rounds": rounds})
    if run.error:
        raise RuntimeError(f"the handler failed: {run.error}")
    return load_runs.report_of(run.log).duration_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512, 1024, 1769, 2048, 3008])
    args = parser.parse_args()
    sizes = sorted(set(args.sizes) | {MB_PER_VCPU})
    target = connect("local-server", concurrent_lambdas=True)
    try:
        with tempfile.TemporaryDirectory() as work, contextlib.ExitStack() as functions:
            invokers = {}
            for size in sizes:  # a folder per size: trial_functions names the function after it
                folder = Path(work) / f"bench-power-{size}"
                folder.mkdir()
                (folder / "app.py").write_text(HANDLER)
                invokers[size] = functions.enter_context(
                    trial_functions.trial_function(target, folder, {}, timeout=900, memory_mb=size))
            for invoke in invokers.values():
                duration_ms(invoke, 1)  # the cold start, untimed
            best = {size: float("inf") for size in sizes}
            for _ in range(args.runs):  # rounds of every size, so a busy moment slows all sizes alike
                for size, invoke in invokers.items():
                    best[size] = min(best[size], duration_ms(invoke, args.rounds))
        full = best[MB_PER_VCPU]
        print(f"{'memory MB':>10}{'measured ms':>13}{'model ms':>10}{'measured/model':>16}")
        worst = 0.0
        for size in sizes:
            model = full * max(1.0, MB_PER_VCPU / size)
            worst = max(worst, abs(best[size] / model - 1))
            print(f"{size:>10}{best[size]:>13.0f}{model:>10.0f}{best[size] / model:>16.2f}")
        print(f"largest gap to the model: {worst:.0%} (goal: within 15%)")
    finally:
        target.close()


if __name__ == "__main__":
    main()
