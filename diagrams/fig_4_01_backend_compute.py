"""Workbook figure 4.1 (the workbook's own, after the book's chapter 3 use cases):
back-end compute. A web or mobile client calls an API whose routes are
functions; data lives in managed services, files go straight to storage."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import MobileClient
from diagrams.aws.network import APIGateway
from diagrams.aws.security import Cognito
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.1  Back-end compute", out_path) as diagram:
        client = MobileClient("Web or mobile app")
        api = APIGateway("API Gateway")
        functions = Lambda("A function per route")
        client >> Edge(label="HTTPS + token") >> api >> functions
        api >> Edge(label="verify token", style="dashed") >> Cognito("Cognito")
        functions >> Edge(label="read / write") >> Dynamodb("DynamoDB")
        functions >> Edge(label="presigned URL") >> S3("S3 (files)")
    return diagram
