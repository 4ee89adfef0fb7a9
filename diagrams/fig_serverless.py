"""The application of figure 1.2 rebuilt from managed services: the same
tiers, but no server to run. The client loads the site from S3, signs in with
Cognito, and sends its token with every API call."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client
from diagrams.aws.network import APIGateway
from diagrams.aws.security import Cognito
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("The same application, serverless", out_path) as diagram:
        with Cluster("Presentation tier"):
            client = Client("Browser")
            site = S3("Static website\n(S3)")

        with Cluster("Application tier"):
            api = APIGateway("API Gateway")
            function = Lambda("Business logic\n(Lambda)")
            users = Cognito("Cognito\nuser pool")

        with Cluster("Data tier"):
            table = Dynamodb("DynamoDB")

        site >> Edge(label="HTML, JS") >> client
        client >> Edge(label="HTTPS + token") >> api
        api >> Edge(label="invoke") >> function
        function >> Edge(label="read / write") >> table
        client >> Edge(label="sign in") >> users
        api >> Edge(label="verify token", style="dashed") >> users
    return diagram
