"""Workbook figure 4.15: choreography versus orchestration. In choreography each
service reacts to events and nobody holds the whole flow; in orchestration one
state machine calls each step and knows where every run stands (the next chapter)."""
from diagrams import Cluster, Edge
from diagrams.aws.compute import Lambda
from diagrams.aws.integration import Eventbridge, StepFunctions

from serverless_workbook.models.figures import figure


def draw(out_path):
    with figure("Workbook figure 4.15  Choreography versus orchestration", out_path) as diagram:
        with Cluster("Orchestration: one conductor"):
            machine = StepFunctions("State machine")
            # dot stacks nodes declared later above earlier ones; declared last to first, 1 reads on top.
            for step in ("3. merge", "2. encode parts", "1. split"):
                machine >> Edge(label="call, wait, retry") >> Lambda(step)
        with Cluster("Choreography: services react to events"):
            bus = Eventbridge("Event bus")
            upload, transcode, notify = Lambda("upload"), Lambda("transcode"), Lambda("notify")
            upload >> Edge(label="VideoUploaded") >> bus
            bus >> Edge(label="VideoUploaded") >> transcode
            transcode >> Edge(label="VideoTranscoded") >> bus
            bus >> Edge(label="VideoTranscoded") >> notify
    return diagram
