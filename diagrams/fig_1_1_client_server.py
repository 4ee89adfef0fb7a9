"""Figure 1.1: a client-server architecture. The client asks, the server
answers from its database; the server runs whether or not anyone asks."""
from diagrams import Edge
from diagrams.aws.general import Client, GenericDatabase, TraditionalServer

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Figure 1.1  Client-server", out_path) as diagram:
        client = Client("Client\n(browser)")
        server = TraditionalServer("Server")
        database = GenericDatabase("Database")

        client >> Edge(label="HTTP request") >> server
        server >> Edge(label="HTTP response", style="dashed") >> client
        server >> Edge(label="query") >> database
        database >> Edge(label="rows", style="dashed") >> server
    return diagram
