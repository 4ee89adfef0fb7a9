"""Workbook figure 4.13 (after the book's chapter 3): compute as glue. A table's
stream drives a function that keeps a derived view up to date; the code that
writes videos does not know the view exists (templates/pattern-compute-as-glue.yaml)."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb, DynamodbStreams
from diagrams.aws.general import Client

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.13  Compute as glue", out_path) as diagram:
        videos = Dynamodb("Videos table")
        stream = DynamodbStreams("Its stream\n(old and new item)")
        glue = Lambda("owner-stats")
        Client("Any writer") >> Edge(label="put / update / delete") >> videos
        videos >> stream >> Edge(label="batches of changes") >> glue
        glue >> Edge(label="ADD videos, seconds") >> Dynamodb("Owner stats (view)")
    return diagram
