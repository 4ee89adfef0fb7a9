"""Workbook figure 4.7 (after the book's chapter 3 use cases): hybrids. Existing
servers keep their job; functions take the event-driven edges around them (here
thumbnails for files the server stores). Figure 1.3 shows the same idea as a migration."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.general import Client, TraditionalServer
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.7  Hybrids", out_path) as diagram:
        with Cluster("Servers (unchanged)"):
            app = TraditionalServer("Web application")
        with Cluster("Serverless edges"):
            files = S3("Files bucket")
            thumbs = Lambda("make-thumbnail")
        Client("Users") >> Edge(label="HTTPS") >> app
        app >> Edge(label="store upload") >> files
        files >> Edge(label="ObjectCreated") >> thumbs
        # Into another bucket: writing back into the trigger bucket would invoke the function again.
        thumbs >> Edge(label="thumbnail") >> S3("Thumbnails bucket")
    return diagram
