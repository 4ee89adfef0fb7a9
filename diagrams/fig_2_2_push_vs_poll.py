"""Workbook figure 2.2 (the workbook's own, not one of the book's): polling
versus event-driven push. The poller pays for every question, most answered
"no", and still sees a new video only at its next tick; with push, S3 calls
the function once per upload, as soon as it lands."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.general import User
from diagrams.aws.integration import EventbridgeScheduler
from diagrams.aws.storage import S3

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 2.2  Polling versus event-driven push", out_path) as diagram:
        # dot stacks the cluster declared last on top; polling is read first.
        with Cluster("Event-driven push: one invocation per upload, at once"):
            pushed = S3("Upload bucket")
            handler = Lambda("transcode-video")
            User("User") >> Edge(label="upload at 10:02:10") >> pushed
            pushed >> Edge(label="S3 event at 10:02:10\n(once per upload)") >> handler

        with Cluster("Polling: an invocation per tick, found up to a tick late"):
            schedule = EventbridgeScheduler("Schedule\n(every minute)")
            poller = Lambda("poller")
            polled = S3("Upload bucket")
            User("User") >> Edge(label="upload at 10:02:10") >> polled
            schedule >> Edge(label="10:01, 10:02, 10:03, ...") >> poller
            # One arrow per question, so the waste is visible.
            poller >> Edge(label="10:01  anything new?  no") >> polled
            poller >> Edge(label="10:02  anything new?  no") >> polled
            poller >> Edge(label="10:03  anything new?  yes: 1 video") >> polled
    return diagram
