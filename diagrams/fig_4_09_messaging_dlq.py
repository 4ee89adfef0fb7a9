"""Workbook figure 4.9 (after the book's chapter 3): messaging with a dead-letter
queue. Producers and the worker are decoupled by a queue; a message that fails
maxReceiveCount times is parked, then replayed once the worker is fixed
(templates/pattern-messaging-dlq.yaml)."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.integration import SQS

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.9  Messaging with a dead-letter queue", out_path) as diagram:
        jobs = SQS("Jobs queue")
        worker = Lambda("catalogue-worker")
        parked = SQS("Dead-letter queue")
        User("Uploads") >> Edge(label="send") >> jobs
        jobs >> Edge(label="poll, invoke;\nfailure: visible again") >> worker
        worker >> Edge(label="recorded") >> Dynamodb("Results")
        jobs >> Edge(label="received maxReceiveCount times", color="firebrick") >> parked
        parked >> Edge(label="replay after the fix", style="dashed") >> jobs
    return diagram
