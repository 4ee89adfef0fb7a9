"""Workbook figure 3.1 (the workbook's own, not one of the book's): the video
catalogue's REST API. Every API call carries the Cognito JWT; the video bytes
never pass through API Gateway or Lambda: the function hands out presigned
URLs and the client talks to S3 directly."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client
from diagrams.aws.network import APIGateway
from diagrams.aws.security import Cognito
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure

# The routes that hand out presigned URLs say so, since that is the whole trick.
ROUTES = "\n".join([
    "GET /videos",
    "GET /videos/{id}  (presigned GETs)",
    "POST /uploads  (presigned POST)",
    "DELETE /videos/{id}",
])


def draw(out_path):
    with figure("Workbook figure 3.1  The video catalogue API", out_path) as diagram:
        client = Client("Browser")
        users = Cognito("Cognito\nuser pool")

        with Cluster("REST API"):
            api = APIGateway("API Gateway\n(Cognito authorizer)")
            function = Lambda("videos API")
            table = Dynamodb("videos table")

        with Cluster("Video storage"):
            uploads = S3("Upload bucket")
            transcoded = S3("Transcoded bucket")

        client >> Edge(label="sign in (returns a JWT);\nan admin creates users") >> users
        client >> Edge(label="HTTPS, JWT in the\nAuthorization header") >> api
        # Not a step of the flow, so it must not push Cognito rightwards.
        api >> Edge(xlabel="verify JWT", constraint="false") >> users
        api >> Edge(label=ROUTES) >> function
        function >> Edge(label="items") >> table
        # Dashed: direct access the presigned URL grants, outside the API.
        client >> Edge(label="presigned POST:\nupload bytes", style="dashed") >> uploads
        client >> Edge(label="presigned GET:\nplay renditions", style="dashed") >> transcoded
        uploads >> Edge(label="pipeline\n(figure 2.1)") >> transcoded
    return diagram
