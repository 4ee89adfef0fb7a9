"""Workbook figure 5.1 (after the book's chapter 8): serverless parallel encoding.

A state machine orchestrates what lab 2's pipeline choreographed with events:
split the upload at keyframes, encode the segments in parallel functions
(a Map state), merge the video with the concat demuxer, then put the audio
back. Every step reads and writes the one media bucket."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.general import Client
from diagrams.aws.integration import StepFunctions
from diagrams.aws.storage import S3

from serverless_workbook.figures import figure

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
        client >> Edge(label="upload") >> media
        client >> Edge(label="start") >> machine
        machine >> split
        for encoder in encoders:
            split >> encoder >> merge
        # The data path: every step reads and writes S3; the state carries only keys.
        merge >> Edge(label="encoded/<name>.mp4", style="dashed") >> media
    return diagram
