"""Workbook figure 4.12 (after the book's chapter 3): pipes and filters, as chapter 2's
pipeline already is. Each filter does one job; the pipes are buckets and a topic,
so a filter can be replaced without touching its neighbours."""
from diagrams import Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.integration import SNS
from diagrams.aws.media import ElementalMediaconvert
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.12  Pipes and filters: the video pipeline", out_path) as diagram:
        # Two rows instead of one long one, so the figure is shown near its size. Nodes made first sit
        # higher, and the edge joining the rows does not push the second one rightwards.
        upload = User("Upload")
        uploads = S3("pipe:\nupload bucket")
        transcode = Lambda("filter:\ntranscode-video")
        mediaconvert = ElementalMediaconvert("filter:\nMediaConvert")
        renditions = S3("pipe:\ntranscoded bucket")
        topic = SNS("pipe:\nvideo topic")
        extract = Lambda("filter:\nextract-metadata")
        videos = Dynamodb("Videos")
        upload >> uploads >> Edge(label="event") >> transcode >> Edge(label="job") >> mediaconvert
        mediaconvert >> Edge(label="MP4s", constraint="false", tailport="s", headport="n") >> renditions
        renditions >> Edge(label="event") >> topic >> extract >> Edge(label="description") >> videos
    return diagram
