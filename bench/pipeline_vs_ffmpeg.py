"""How much does the local cloud add on top of the encode itself?

Measures, in the same run and on the same generated clip:
1. the pipeline: upload to the upload bucket until the videos item is COMPLETE
   (Lambda, MediaConvert on ffmpeg, S3 notifications, SNS, extract-metadata, DynamoDB);
2. raw ffmpeg: one command encoding the same three renditions with the same settings.
Prints the best and median of each over --runs, after one untimed warm-up
round, and their ratios (target: at most 1.15).

    .venv/bin/python bench/pipeline_vs_ffmpeg.py [--runs 5] [--seconds 5] [--size 640x360]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from serverless_workbook.cloud import stacks  # noqa: E402
from serverless_workbook.common import media  # noqa: E402
from serverless_workbook.cloud.target import connect  # noqa: E402

# The book's renditions, encoded as the local MediaConvert encodes the transcode handler's job.
RENDITIONS = (("1080p", 1920, 1080, 6_000_000), ("720p", 1280, 720, 4_500_000), ("480p", 640, 480, 1_500_000))


def raw_ffmpeg_seconds(clip: Path, out_dir: Path) -> float:
    command = [media.FFMPEG, "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip)]
    for name, width, height, bitrate in RENDITIONS:
        command += [
            "-map", "0:v:0", "-map", "0:a:0",
            "-vf", f"scale={width}:{height}:force_original_aspect_ratio=decrease,"
                   f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1",
            "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast",
            "-b:v", str(bitrate), "-minrate", str(bitrate), "-maxrate", str(bitrate), "-bufsize", str(2 * bitrate),
            "-x264-params", "nal-hrd=cbr",
            "-c:a", "aac", "-b:a", "96000", "-ar", "48000", "-ac", "2",
            *media.BITEXACT, "-movflags", "+faststart", str(out_dir / f"clip-{name}.mp4"),
        ]
    started = time.perf_counter()
    subprocess.run(command, check=True)
    return time.perf_counter() - started


def pipeline_seconds(target, outputs: dict[str, str], clip: Path, run: int | str) -> float:
    video_id = f"bench-{run}"
    started = time.perf_counter()
    target.client("s3").upload_file(str(clip), outputs["UploadBucketName"], f"uploads/{video_id}.mp4")
    # extract-metadata runs inside the job's last S3 upload, so the item is final once the
    # local MediaConvert is idle; waiting on that costs no CPU, unlike polling DynamoDB.
    target.wait_for_jobs()
    elapsed = time.perf_counter() - started
    item = target.resource("dynamodb").Table(outputs["VideosTableName"]).get_item(Key={"id": video_id})["Item"]
    if item["status"] != "COMPLETE":
        raise RuntimeError(f"pipeline ended {item['status']}: {item.get('errorMessage')}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    width, height = map(int, args.size.split("x"))

    target = connect("local")
    try:
        outputs = stacks.deploy(
            target, "bench", ROOT / "templates" / "video-pipeline.yaml", progress=False,
            code={"TranscodeCodeKey": ROOT / "functions" / "transcode_video",
                  "ExtractCodeKey": ROOT / "functions" / "extract_metadata"},
        )
        with tempfile.TemporaryDirectory() as work:
            clip = media.generate_clip(Path(work) / "clip.mp4", seconds=args.seconds, width=width, height=height)
            # One untimed round first: the Lambda sandboxes import their code and moto's
            # services initialise once, as they would after the first upload of a session.
            pipeline_seconds(target, outputs, clip, "warm-up")
            raw_ffmpeg_seconds(clip, Path(work))
            pipeline, raw = [], []
            # Interleaved, so both see the same machine load.
            for run in range(args.runs):
                pipeline.append(pipeline_seconds(target, outputs, clip, run))
                raw.append(raw_ffmpeg_seconds(clip, Path(work)))
        stacks.teardown(target, "bench")
    finally:
        target.close()

    print(f"clip: {args.seconds:g} s at {width}x{height}; {args.runs} runs after a warm-up; "
          "three renditions 1080p/720p/480p")
    for label, times in (("pipeline, upload -> metadata item COMPLETE", pipeline),
                         ("raw ffmpeg, the same three renditions     ", raw)):
        print(f"{label}: best {min(times):.2f} s, median {statistics.median(times):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)})")
    # The best run is the one least disturbed by other work on the machine (timeit's rule);
    # the median ratio is printed too, so a noisy machine shows as a gap between the two.
    best = min(pipeline) / min(raw)
    print(f"ratio (best): {best:.3f}  ratio (median): {statistics.median(pipeline) / statistics.median(raw):.3f}  "
          f"target <= 1.15: {'met' if best <= 1.15 else 'NOT met'}")

if __name__ == "__main__":
    main()
