"""Workbook figure 4.11 (after the book's chapter 3): fan-out. One upload event
published once reaches every consumer through its own queue; a failing consumer
retries and parks its own copy while the others finish
(templates/pattern-fan-out.yaml)."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.integration import SNS, SQS

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.11  Fan-out", out_path) as diagram:
        topic = SNS("Upload topic")
        results = Dynamodb("Results")
        parked = SQS("Parked messages")
        User("Upload") >> Edge(label="publish once") >> topic
        for name in ("thumbnails", "metadata", "notify"):
            queue = SQS(f"{name} queue")
            consumer = Lambda(name)
            topic >> queue >> consumer >> results
            if name == "notify":
                queue >> Edge(label="its own retries, then parked", color="firebrick") >> parked
    return diagram
