"""Workbook figure 4.14 (after the book's chapter 3): GraphQL. One endpoint; the
client asks for exactly the fields it needs, and AppSync resolves each field
from its own source in one round trip. Runs on AWS only: the local cloud has no AppSync."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import MobileClient
from diagrams.aws.integration import Appsync
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.14  GraphQL with AppSync", out_path) as diagram:
        api = Appsync("AppSync\n(one GraphQL endpoint)")
        MobileClient("App") >> Edge(label="query { video(id) { title renditions { url } owner { name } } }") >> api
        api >> Edge(label="video, owner") >> Dynamodb("Videos, users")
        presign = Lambda("presign")
        api >> Edge(label="renditions.url") >> presign
        presign >> Edge(label="signs URLs for", style="dashed") >> S3("Transcoded bucket")
    return diagram
