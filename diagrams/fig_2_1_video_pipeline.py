"""Workbook figure 2.1 (the workbook's own, not one of the book's): the 24-Hour
Video pipeline as this course builds it. Nothing polls: each stage starts
because the one before it wrote something, and the SNS topic lets any number
of consumers react to a finished video. The videos table is written twice (the
job submitted, then each rendition), and a failed job reaches extract-metadata
by its own path, through EventBridge."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.database import Dynamodb
from diagrams.aws.general import User
from diagrams.aws.integration import SNS, SQS, Eventbridge
from diagrams.aws.management import CloudwatchLogs
from diagrams.aws.media import ElementalMediaconvert
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 2.1  The 24-Hour Video pipeline", out_path) as diagram:
        # In one left-to-right row the pipeline is too wide for a notebook, so
        # stage 2 runs back right-to-left under stage 1. Declaring it first is
        # what makes dot put it below rather than above.
        with Cluster("Stage 2: fan out"):
            topic = SNS("SNS topic")
            queue = SQS("Notifications\nqueue")
            extract = Lambda("extract-metadata")
            table = Dynamodb("videos table")

        user = User("User")
        with Cluster("Stage 1: transcode"):
            uploads = S3("Upload bucket")
            transcode = Lambda("transcode-video")
            mediaconvert = ElementalMediaconvert("AWS Elemental\nMediaConvert")
            transcoded = S3("Transcoded bucket")

        with Cluster("When a job fails"):
            failed_rule = Eventbridge("EventBridge rule\n(status ERROR)")
            job_events = SQS("Job-events\nqueue")

        logs = CloudwatchLogs("CloudWatch Logs")

        user >> Edge(label="upload video") >> uploads
        uploads >> Edge(label="S3 event") >> transcode
        transcode >> Edge(label="CreateJob") >> mediaconvert
        mediaconvert >> Edge(label="1080p, 720p, 480p MP4s\ninto <basename>/") >> transcoded
        # minlen=0 keeps the topic in the transcoded bucket's column (the turn of
        # the snake); `<<` draws stage 2's arrows pointing left.
        transcoded >> Edge(xlabel="S3 event", minlen="0") >> topic
        queue << Edge(label="send message") << topic
        extract << Edge(label="invoke") << topic
        transcode >> Edge(label="put item\n(SUBMITTED)", constraint="false") >> table
        table << Edge(label="update item\n(renditions; COMPLETE or ERROR)") << extract
        mediaconvert >> Edge(label="job state change", style="dashed", color="firebrick") >> failed_rule
        failed_rule >> Edge(label="send message", style="dashed", color="firebrick") >> job_events
        job_events >> Edge(label="event source mapping", style="dashed", color="firebrick",
                           constraint="false") >> extract
        # Logging is a side channel, not a further step: dotted, and pinned
        # only by transcode-video so that it sits under the snake, not after it.
        transcode >> Edge(label="logs", style="dotted", minlen="0") >> logs
        extract >> Edge(label="logs", style="dotted", constraint="false") >> logs
    return diagram
