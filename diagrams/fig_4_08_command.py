"""Workbook figure 4.8 (after the book's chapter 3): the command pattern. One
entry point takes every catalogue command and dispatches it to its handler;
callers know one interface, and a new command is one more handler
(templates/pattern-command.yaml)."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.8  Command: one entry point, a handler per command", out_path) as diagram:
        entry = Lambda("video-commands\n(entry point)")
        table = Dynamodb("Videos")
        Client("Callers") >> Edge(label='{"command": ..., "video": ...}') >> entry
        with Cluster("Handlers (functions in the same code)"):
            handlers = [Lambda("publish"), Lambda("unpublish"), Lambda("describe")]
        for handler in handlers:
            entry >> Edge(label="dispatch", style="dashed") >> handler >> table
    return diagram
