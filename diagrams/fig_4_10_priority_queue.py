"""Workbook figure 4.10 (after the book's chapter 3): the priority queue.
Premium uploads have a queue of their own, polled independently, so they never
wait behind the free backlog (templates/pattern-priority-queue.yaml)."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.integration import SQS

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.10  Priority queue", out_path) as diagram:
        free = SQS("Free queue\n(long backlog)")
        premium = SQS("Premium queue\n(short)")
        encoder = Lambda("encoder")
        User("Free users") >> Edge(label="send") >> free
        User("Premium users") >> Edge(label="send") >> premium
        free >> Edge(label="mapping 1") >> encoder
        premium >> Edge(label="mapping 2 (its own poller)", color="darkgreen") >> encoder
        encoder >> Edge(label="finishing order") >> Dynamodb("Results")
    return diagram
