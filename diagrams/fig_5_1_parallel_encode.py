"""Workbook figure 5.1 (after the book's chapter 8): serverless parallel encoding.

A state machine orchestrates what lab 2's pipeline choreographed with events:
split the upload at keyframes, encode the segments in parallel functions
(a Map state), merge the video with the concat demuxer, then put the audio
back. Every step reads and writes the one media bucket; the state machine
itself records each video's outcome on its item (ENCODED, or FAILED with the
error its catcher caught)."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client
from diagrams.aws.integration import StepFunctions
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure

SHOWN_SEGMENTS = 3


def draw(out_path):
    with figure("Workbook figure 5.1  Split, encode in parallel, merge", out_path) as diagram:
        client = Client("Uploader")
        media = S3("Media bucket")
        with Cluster("Step Functions state machine"):
            machine = StepFunctions("StartExecution\n{bucket, key, segments}")
            split = Lambda("split\n(stream copy,\nkeyframes)")
            with Cluster("Map state (MaxConcurrency 16)"):
                encoders = [Lambda(f"encode-segment\n#{index}") for index in range(1, SHOWN_SEGMENTS + 1)]
            merge = Lambda("merge\n(concat video,\nthen audio)")
            mark = StepFunctions("updateItem\n(SDK integration)")
        videos = Dynamodb("Videos table")
        client >> Edge(label="upload") >> media
        client >> Edge(label="start") >> machine
        machine >> split
        for encoder in encoders:
            split >> encoder >> merge
        merge >> mark
        # Retries exhausted in any step: its catcher goes straight to the item.
        split >> Edge(xlabel="Catch (split, map or merge failed)", style="dotted", tailport="n", headport="n") >> mark
        mark >> Edge(label="status ENCODED\nor FAILED + error") >> videos
        # The data path: every step reads and writes S3; the state carries only keys.
        merge >> Edge(label="encoded/<name>.mp4", style="dashed") >> media
    return diagram
