"""Workbook figure 4.2 (after the book's chapter 3 use cases): data processing.
Data landing in storage triggers functions that transform it and store the
result; no server waits for work. Chapter 2's video pipeline is one."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.2  Data processing", out_path) as diagram:
        incoming = S3("Incoming bucket")
        transform = Lambda("transform")
        User("Uploads, exports,\nother systems") >> Edge(label="put object") >> incoming
        incoming >> Edge(label="ObjectCreated event") >> transform
        transform >> Edge(label="result") >> S3("Results bucket")
        transform >> Edge(label="what was done") >> Dynamodb("Catalogue")
    return diagram
