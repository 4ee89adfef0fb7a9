"""How long does the edit-deploy loop take on the local cloud?

Measures, in one run, on the video pipeline (templates/video-pipeline.yaml):
1. a full create (the first in the process pays moto's warm-up, so a second create is timed too);
2. a redeploy with nothing changed;
3. a handler edit: app.py changed, then deployed (the code-only path, like `sam sync --code`);
4. a template edit: a queue added, then deployed (a change set, then the update).
Each edit is timed from writing the file to deploy() returning, best and median over --runs
after one untimed round. The issue's target for (3) warm: well under a second.

    .venv/bin/python bench/redeploy.py [--runs 5] [--target local|local-server]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from serverless_workbook.cloud import stacks  # noqa: E402
from serverless_workbook.cloud.target import connect  # noqa: E402

TEMPLATE = ROOT / "templates" / "video-pipeline.yaml"
STACK = "bench-redeploy"


def deploy_seconds(target, template: Path, code: dict[str, Path], edit=lambda: None) -> float:
    start = time.perf_counter()
    edit()
    with contextlib.redirect_stdout(io.StringIO()):
        stacks.deploy(target, STACK, template, code=code, progress=False)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--target", default="local", choices=("local", "local-server"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work_dir:
        work = Path(work_dir)
        code = {}
        for parameter, name in (("TranscodeCodeKey", "transcode_video"), ("ExtractCodeKey", "extract_metadata")):
            code[parameter] = work / name
            shutil.copytree(ROOT / "functions" / name, code[parameter], ignore=shutil.ignore_patterns("__pycache__"))
        app = code["TranscodeCodeKey"] / "app.py"
        base = TEMPLATE.read_text()
        template = work / "template.yaml"
        template.write_text(base)
        target = connect(args.target)
        try:
            creates = []
            for _ in range(2):
                creates.append(deploy_seconds(target, template, code))
                stacks.teardown(target, STACK)
            deploy_seconds(target, template, code)
            times: dict[str, list[float]] = {"nothing changed": [], "handler edited": [], "template edited": []}
            for run in range(args.runs + 1):
                edits = {
                    "nothing changed": lambda: None,
                    "handler edited": lambda: app.write_text(app.read_text() + f"\n# edit {run}\n"),
                    "template edited": lambda: template.write_text(base.replace(
                        "Resources:\n", f"Resources:\n  Queue{run}:\n    Type: AWS::SQS::Queue\n", 1)),
                }
                for label, edit in edits.items():
                    seconds = deploy_seconds(target, template, code, edit)
                    if run:  # the first round is the warm-up
                        times[label].append(seconds)
            stacks.teardown(target, STACK)
        finally:
            target.close()
    print(f"{'deploy (' + args.target + ')':<32}{'best s':>8}{'median s':>10}")
    print(f"{'full create, first in process':<32}{creates[0]:>8.3f}{'':>10}")
    print(f"{'full create, warm':<32}{creates[1]:>8.3f}{'':>10}")
    for label, values in times.items():
        print(f"{'redeploy, ' + label:<32}{min(values):>8.3f}{statistics.median(values):>10.3f}")


if __name__ == "__main__":
    main()
