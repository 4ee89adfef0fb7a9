"""Workbook figure 3.2 (the workbook's own, not one of the book's): one video's
journey from upload to playback, step by step. The API only ever moves small
JSON; the bytes go straight between the browser and S3 on presigned URLs
(dashed, as in workbook figure 3.1), and the pipeline runs without being
asked."""
from diagrams import Edge
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client
from diagrams.aws.network import APIGateway
from diagrams.aws.security import Cognito
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def step(number, text, **attrs):
    """An edge labelled with its step number in bold, so the order reads at a glance."""
    lines = "<br/>".join(text.splitlines())
    return Edge(label=f"<<b>{number}</b>  {lines}>", **attrs)


def draw(out_path):
    with figure("Workbook figure 3.2  From upload to playback", out_path) as diagram:
        browser = Client("Browser")
        users = Cognito("Cognito\nuser pool")
        api = APIGateway("Video API\n(API Gateway + Lambda)")
        uploads = S3("Upload bucket")
        transcoded = S3("Transcoded bucket")
        table = Dynamodb("videos table")

        browser >> step(1, "sign in, get a JWT") >> users
        browser >> step(2, "POST /uploads") >> api
        # `<<` draws the replies pointing back at the browser without moving it.
        browser << step(3, "presigned POST") << api
        browser >> step(4, "upload straight to S3", style="dashed") >> uploads
        # The pipeline's inside is figure 2.1; here it is just steps 5 and 6.
        uploads >> step(5, "pipeline transcodes\n(figure 2.1)") >> transcoded
        transcoded >> step(6, "extract-metadata\nwrites the item") >> table
        browser >> step(7, "GET /videos/{id}") >> api
        api >> Edge(label="read item", style="dotted") >> table
        browser << step(8, "presigned GETs") << api
        browser >> step(9, "play", style="dashed") >> transcoded
    return diagram
