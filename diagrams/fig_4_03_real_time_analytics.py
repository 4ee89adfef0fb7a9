"""Workbook figure 4.3 (after the book's chapter 3 use cases): real-time
analytics. Many producers write to a stream; a function reads it in batches and
keeps running aggregates that a dashboard reads seconds later."""
from diagrams import Edge
from diagrams.aws.analytics import KinesisDataStreams
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Users

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.3  Real-time analytics", out_path) as diagram:
        stream = KinesisDataStreams("Kinesis Data Streams")
        aggregate = Lambda("aggregate")
        Users("Players' clicks,\nplays, sensors") >> Edge(label="events") >> stream
        stream >> Edge(label="batches, in order per shard") >> aggregate
        aggregate >> Edge(label="running totals") >> Dynamodb("Aggregates")
    return diagram
