"""Figure 1.2: a three-tier architecture. Each tier is a cluster; the
application tier is split into layers, and only the data tier keeps state."""
from diagrams import Cluster, Edge
from diagrams.aws.general import Client, GenericDatabase, SslPadlock, TraditionalServer

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Figure 1.2  Three-tier architecture", out_path) as diagram:
        with Cluster("Presentation tier"):
            client = Client("Web or mobile\nclient")

        with Cluster("Application tier"):
            api = TraditionalServer("API layer")
            logic = TraditionalServer("Business\nlogic layer")
            auth = SslPadlock("User\nauthentication\nlayer")

        with Cluster("Data tier"):
            database = GenericDatabase("Database layer")

        client >> Edge(label="HTTP request") >> api
        api >> Edge(label="call") >> logic
        api >> Edge(label="who is this?") >> auth
        logic >> Edge(label="read / write") >> database
    return diagram
