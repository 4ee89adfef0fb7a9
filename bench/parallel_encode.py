"""Single-job encode against split / encode in parallel / merge, on the local cloud.

Measures, in one run and on one generated clip (default 60 s of 720p):
1. single job: the encode-segment function invoked once on the whole clip (the same
   x264 settings, one thread, as one Lambda function with one vCPU would), timed from
   the invoke call to its answer;
2. the state machine of templates/parallel-encode.yaml with 2, 4 and 8 segments:
   split (stream copy at keyframes), Map of encode-segment, merge (concat, audio added),
   timed as Step Functions records an execution: from its start date to its stop date.
Handlers run in sandbox processes (connect(..., concurrent_lambdas=True)), each held to
the CPUs its memory buys (one vCPU at the template's 1,769 MB), so the Map's encoders
share the machine's cores as Lambda functions would each have their own vCPU, and the
single job gets one CPU, as it would on Lambda. Executions are polled every second:
the moto server answering the polls shares the same cores (polling every 0.05 s took
0.4 s of CPU from a 5 s run), and the start and stop dates time the run, not the poll.
3. the physical ceiling, in the same rounds: plain ffmpeg, without Lambda, S3 or Step Functions,
   running the functions' own commands (split.cut, encode_segment.X264, merge.join) on the same
   clip, each step on one CPU as a function with one vCPU gets it: the whole clip encoded on one CPU
   (at the same time as the single job, on another), and the split on one, the pieces encoded at once
   on CPUs taken in turn, the merge on one.
The pipeline's efficiency at N segments is its speed-up over the single job divided by the
ceiling's speed-up over plain ffmpeg's single encode: what the orchestration, the transfers and
the sandboxes cost, on this machine, whatever its cores. Goal: at least 0.95 at every count.
One untimed warm-up (a short clip with the largest segment count) starts the sandboxes
first, so every measured run has warm functions. The variants are measured in --runs
rounds, each variant once per round, and the best run counts (other work on a shared
machine only ever slows a run down). Prints each best time and the median, the speed-up
of the best against the single job's best, and the shares of the total spent in split,
encode (the Map state), merge, and between states.

    .venv/bin/python bench/parallel_encode.py [--runs 5] [--seconds 60] [--size 1280x720] [--segments 2 4 8]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, TypeVar

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "functions" / "parallel_encode"))

import encode_segment  # noqa: E402  (the functions' own commands, run here without Lambda)
import ffmpeg_tools  # noqa: E402
import merge  # noqa: E402
import split  # noqa: E402

from serverless_workbook.cloud import executions, stacks  # noqa: E402
from serverless_workbook.common import media  # noqa: E402
from serverless_workbook.cloud.target import connect  # noqa: E402

STACK = "bench-parallel"
T = TypeVar("T")
SINGLE_JOB_KEY = "work/single/clip.mp4"


def single_job_seconds(target, outputs: dict[str, str], key: str) -> float:
    bucket = outputs["MediaBucketName"]
    event = {"bucket": bucket, "key": key, "output_key": f"work/single/{uuid.uuid4().hex}.mp4"}
    started = time.perf_counter()
    executions.invoke(target, outputs["EncodeSegmentFunctionName"], event)
    return time.perf_counter() - started


def parallel_run(target, outputs: dict[str, str], key: str, segments: int) -> tuple[float, dict[str, float]]:
    """The execution's duration (start date to stop date) and the seconds spent in each state."""
    event = {"bucket": outputs["MediaBucketName"], "key": key, "segments": segments}
    description, history = executions.run(target, outputs["StateMachineArn"], event, timeout=1800, poll_seconds=1)
    elapsed = executions.seconds(description)
    if description["status"] != "SUCCEEDED":
        raise RuntimeError(f"{segments} segments: {description['status']} {description.get('cause')}")
    produced = json.loads(description["output"])["segments"]
    if produced != segments:
        raise RuntimeError(f"asked for {segments} segments, the split made {produced} (keyframes too sparse?)")
    return elapsed, {state: executions.state_seconds(history, state) for state in ("Split", "EncodeSegments", "Merge")}


CPUS = sorted(os.sched_getaffinity(0))


def _pinned(cpu: int, work: Callable[..., T], *arguments: Any) -> T:
    """work(*arguments) with the calling thread held to one CPU, as a function with one vCPU runs (what the thread
    starts, ffmpeg included, keeps its affinity); call it on a thread of its own. The threads of ffmpeg 6 and later
    could otherwise use every core."""
    os.sched_setaffinity(0, {cpu})
    return work(*arguments)


def _on_cpu(cpu: int, work: Callable[..., T], *arguments: Any) -> T:
    """work(*arguments) on a thread of its own held to one CPU; its answer."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_pinned, cpu, work, *arguments).result()


def _encode(source: str, encoded: str) -> None:
    """One encode, as encode-segment runs it."""
    ffmpeg_tools.run("-i", source, "-map", "0:v:0", *encode_segment.X264, encoded)


def _split(clip: Path, folder: str, segments: int, audio: str) -> list[tuple[str, float, float]]:
    """The split function's commands: the clip's duration, then the cut (the audio copied out in the same read)."""
    return split.cut(str(clip), folder, ffmpeg_tools.streams(str(clip)).duration, segments, audio)


def plain_single_seconds(clip: Path) -> float:
    """Plain ffmpeg encoding the whole clip on one CPU: the single job without Lambda."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        _on_cpu(CPUS[-1], _encode, str(clip), os.path.join(folder, "encoded.mp4"))
        return time.perf_counter() - started


def singles_seconds(target, outputs: dict[str, str], clip: Path) -> tuple[float, float]:
    """The single job and plain ffmpeg's single encode, side by side: the job's sandbox takes the least busy CPU,
    the first, and plain ffmpeg the last, so both meet the same conditions of a shared machine. Measured on 2 cores,
    one encode alone took 10.3-10.7 s from run to run, two side by side 10.7-10.8 s, within 0.05 s of each other."""
    with ThreadPoolExecutor(2) as pool:
        job = pool.submit(single_job_seconds, target, outputs, SINGLE_JOB_KEY)
        plain = pool.submit(plain_single_seconds, clip)
        return job.result(), plain.result()


def plain_parallel_seconds(clip: Path, segments: int) -> float:
    """Plain ffmpeg splitting on one CPU, encoding the pieces at once (one CPU each, taken in turn) and merging on
    one CPU: the CPUs the split, encode-segment and merge functions each get."""
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        audio = os.path.join(folder, "audio.m4a")
        pieces = _on_cpu(CPUS[0], _split, clip, folder, segments, audio)
        encoded = [os.path.join(folder, f"encoded-{index:03d}.mp4") for index in range(len(pieces))]
        with ThreadPoolExecutor(len(pieces)) as pool:
            for done in [pool.submit(_pinned, CPUS[index % len(CPUS)], _encode, os.path.join(folder, name),
                                     encoded[index]) for index, (name, _, _) in enumerate(pieces)]:
                done.result()
        _on_cpu(CPUS[0], merge.join, encoded, audio, folder)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--segments", type=int, nargs="+", default=[2, 4, 8])
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))

    target = connect("local-server", concurrent_lambdas=True)
    work = tempfile.TemporaryDirectory()  # the clip, which the plain ffmpeg runs read too
    try:
        outputs = stacks.deploy(target, STACK, ROOT / "templates" / "parallel-encode.yaml", progress=False,
                                code={"ParallelEncodeCodeKey": ROOT / "functions" / "parallel_encode"})
        s3 = target.client("s3")
        # A keyframe every second: where the stream-copy split can cut.
        clip = media.generate_clip(Path(work.name) / "clip.mp4", seconds=args.seconds, width=width, height=height,
                                   keyframe_seconds=1)
        warm_up = media.generate_clip(Path(work.name) / "warm-up.mp4", seconds=max(args.segments) / 2,
                                      width=width, height=height, keyframe_seconds=0.25)
        s3.upload_file(str(clip), outputs["MediaBucketName"], "uploads/clip.mp4")
        # The encoder's role may read and write the bucket's work/ folder only, as on AWS: the single job
        # encodes a copy there.
        s3.upload_file(str(clip), outputs["MediaBucketName"], SINGLE_JOB_KEY)
        s3.upload_file(str(warm_up), outputs["MediaBucketName"], "uploads/warm-up.mp4")
        parallel_run(target, outputs, "uploads/warm-up.mp4", max(args.segments))

        print(f"{args.seconds:g} s of {width}x{height}, {os.cpu_count()} CPUs, load average "
              f"{os.getloadavg()[0]:.2f} at the start (timings on a shared machine are inflated by other work)")
        # Round by round, every variant once per round: other work on the machine then weighs on all of
        # them alike, instead of on whichever variant ran while it lasted.
        singles, parallel = [], {segments: [] for segments in args.segments}
        plain_singles, plain = [], {segments: [] for segments in args.segments}
        # A round takes about a minute on 2 cores: the bar says how far the rounds are (on stderr, gone at the end).
        with tqdm(total=args.runs * (1 + len(args.segments)), desc="rounds of every variant", unit="variant",
                  leave=False) as progress:
            for _ in range(args.runs):
                job, plain_job = singles_seconds(target, outputs, clip)
                singles.append(job)
                plain_singles.append(plain_job)
                progress.update()
                for segments in args.segments:
                    parallel[segments].append(parallel_run(target, outputs, "uploads/clip.mp4", segments))
                    plain[segments].append(plain_parallel_seconds(clip, segments))
                    progress.update()
        single, plain_single = min(singles), min(plain_singles)
        print(f"best of {args.runs} rounds (median in brackets); shares of the best run; the ceiling is plain "
              f"ffmpeg's speed-up (single encode {plain_single:.1f} s)")
        print(f"{'run':<14}{'seconds':>16}{'speed-up':>10}{'split':>8}{'encode':>8}{'merge':>8}{'other':>8}"
              f"{'ceiling':>9}{'efficiency':>12}")
        print(f"{'single job':<14}{single:>7.1f} ({statistics.median(singles):>5.1f}){1:>9.2f}x")
        for segments, runs in parallel.items():
            elapsed, states = min(runs, key=lambda run: run[0])
            states["other"] = elapsed - sum(states.values())  # between states: orchestration
            shares = "".join(f"{100 * seconds / elapsed:>7.0f}%" for seconds in states.values())
            median = statistics.median(run[0] for run in runs)
            ceiling = plain_single / min(plain[segments])
            print(f"{f'{segments} segments':<14}{elapsed:>7.1f} ({median:>5.1f}){single / elapsed:>9.2f}x{shares}"
                  f"{ceiling:>8.2f}x{single / elapsed / ceiling:>12.2f}")
        print(f"load average {os.getloadavg()[0]:.2f} at the end")
        stacks.teardown(target, STACK)
    finally:
        target.close()
        work.cleanup()


if __name__ == "__main__":
    main()
