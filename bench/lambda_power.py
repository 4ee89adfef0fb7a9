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
import base64
import io
import json
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from serverless_workbook.cloud import trial_functions  # noqa: E402
from serverless_workbook.cloud.target import connect  # noqa: E402

MB_PER_VCPU = 1769
HANDLER = """import hashlib


def handler(event, context):
    digest = b"lambda"
    for _ in range(event["rounds"]):
        digest = hashlib.sha256(digest).digest()
    return digest.hex()
"""
REPORT_DURATION = re.compile(r"^REPORT RequestId: \S+\s+Duration: ([\d.]+) ms", re.MULTILINE)


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def function_at(target, memory_mb: int) -> str:
    name = f"bench-power-{memory_mb}"
    iam = target.client("iam")
    role = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]}))
    trial_functions.create_function(target.client("lambda"), FunctionName=name, Runtime="python3.12", Role=role,
                                    Handler="app.handler", Code={"ZipFile": zipped(HANDLER)}, Timeout=900,
                                    MemorySize=memory_mb)
    return name


def duration_ms(target, name: str, rounds: int) -> float:
    reply = target.client("lambda").invoke(FunctionName=name, LogType="Tail", Payload=json.dumps({"rounds": rounds}))
    if "FunctionError" in reply:
        raise RuntimeError(f"{name} failed: {reply['Payload'].read()!r}")
    return float(REPORT_DURATION.search(base64.b64decode(reply["LogResult"]).decode()).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=1_000_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512, 1024, 1769, 2048, 3008])
    args = parser.parse_args()
    sizes = sorted(set(args.sizes) | {MB_PER_VCPU})
    target = connect("local-server", concurrent_lambdas=True)
    try:
        names = {size: function_at(target, size) for size in sizes}
        for name in names.values():
            duration_ms(target, name, 1)  # the cold start, untimed
        best = {size: float("inf") for size in sizes}
        for _ in range(args.runs):  # rounds of every size, so a busy moment slows all sizes alike
            for size, name in names.items():
                best[size] = min(best[size], duration_ms(target, name, args.rounds))
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
