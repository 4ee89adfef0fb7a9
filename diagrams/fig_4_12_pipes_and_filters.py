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

from serverless_workbook.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.12  Pipes and filters: the video pipeline", out_path) as diagram:
        uploads = S3("pipe: upload bucket")
        transcode = Lambda("filter: transcode-video")
        mediaconvert = ElementalMediaconvert("filter: MediaConvert")
        renditions = S3("pipe: transcoded bucket")
        topic = SNS("pipe: video topic")
        extract = Lambda("filter: extract-metadata")
        User("Upload") >> uploads >> Edge(label="event") >> transcode >> Edge(label="job") >> mediaconvert
        mediaconvert >> Edge(label="MP4s") >> renditions >> Edge(label="event") >> topic
        topic >> extract >> Edge(label="description") >> Dynamodb("Videos")
    return diagram
