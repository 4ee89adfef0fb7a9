"""Figure 1.3: a hybrid on the way out of a monolith (the strangler pattern).
API Gateway sends the paths already rebuilt as functions to Lambda and
everything else to the legacy monolith, which shrinks route by route."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import Client, GenericDatabase, TraditionalServer
from diagrams.aws.network import APIGateway
from diagrams.aws.security import Cognito

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Figure 1.3  Hybrid: strangling the monolith", out_path) as diagram:
        client = Client("Client")
        api = APIGateway("API Gateway")

        with Cluster("Extracted: functions and services"):
            orders = Lambda("Orders function")
            catalogue = Lambda("Catalogue function")
            users = Cognito("Cognito\n(authentication)")
            table = Dynamodb("DynamoDB")

        with Cluster("Legacy monolith"):
            monolith = TraditionalServer("Monolith\n(everything else)")
            legacy_db = GenericDatabase("Monolith's\ndatabase")

        client >> Edge(label="HTTPS") >> api
        api >> Edge(label="/orders/*") >> orders
        api >> Edge(label="/catalogue/*") >> catalogue
        api >> Edge(label="verify token", style="dashed") >> users
        api >> Edge(label="/* (the rest)") >> monolith
        [orders, catalogue] >> table
        monolith >> legacy_db
    return diagram
