"""Workbook figure 4.5 (after the book's chapter 3 use cases): scheduled
services. A schedule invokes a function for periodic chores; nothing runs, or
costs, between the ticks."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.integration import EventbridgeScheduler
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.5  Scheduled services", out_path) as diagram:
        chore = Lambda("nightly-report")
        EventbridgeScheduler("Schedule\n(cron 0 2 * * ? *)") >> Edge(label="02:00 every night") >> chore
        chore >> Edge(label="query yesterday") >> Dynamodb("Catalogue")
        chore >> Edge(label="report") >> S3("Reports bucket")
    return diagram
