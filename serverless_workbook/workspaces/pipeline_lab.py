"""Lab 2's workspace: Lambda handlers and template parts written in notebook cells, then deployed for real.

    %load_ext serverless_workbook.workspaces.pipeline_lab

    %%handler transcode_video            the cell becomes workspace/transcode_video/app.py
    %%template_part bucket_trigger       the cell's YAML replaces that part of templates/video-pipeline.yaml

A part still holding the generated stub is replaced by the reference (functions/<name>/,
or the reference template's own resources), so a learner who skips one exercise can still
do the ones after it, and the invert test sees only the skipped exercise's check fail.
"""
from __future__ import annotations

import contextlib
import copy
import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote_plus

from serverless_workbook.common import waiting
from serverless_workbook.course.lab_format import STUB, NotSaved, without_markers
from serverless_workbook.common.templates import load_template, write_template
from serverless_workbook.workspaces import check_cloud, register_saving_magics
from serverless_workbook.common.registry import ROOT

FUNCTIONS = ROOT / "functions"
REFERENCE_TEMPLATE = ROOT / "templates" / "video-pipeline.yaml"
# s3_event's short polls for an object's event before it puts the object again, and the pause between them.
CAPTURE_POLLS, CAPTURE_POLL_SECONDS = 5, 0.05
# The line labgen writes in place of an answer.

# What each template exercise takes out of the reference template, for the learner to write back:
# paths of (resource, key, ...) to delete.
TEMPLATE_PARTS: dict[str, list[tuple[str, ...]]] = {
    "bucket_trigger": [
        ("UploadBucket", "DependsOn"),
        ("UploadBucket", "Properties", "NotificationConfiguration"),
        ("TranscodeInvokePermission",),
    ],
    "queue_subscription": [("NotificationQueue",), ("NotificationSubscription",)],
}


@dataclass
class Workspace:
    """The learner's handlers and template parts; git ignores the folder."""

    folder: Path
    done_handlers: set[str] = field(default_factory=set)
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Part name -> the stub's "Exercise N is not done yet", for parts whose cell still holds the stub.
    stubbed_parts: dict[str, str] = field(default_factory=dict)

    def save_handler(self, name: str, source: str) -> str:
        if not (FUNCTIONS / name).is_dir():
            raise ValueError(f"No function named {name!r}; choose one of {sorted(p.name for p in FUNCTIONS.iterdir())}")
        target = self.folder / name
        shutil.rmtree(target, ignore_errors=True)
        # Helper modules the reference ships (mp4info.py) come along; app.py is the learner's.
        shutil.copytree(FUNCTIONS / name, target, ignore=shutil.ignore_patterns("app.py", "__pycache__"))
        (target / "app.py").write_text(without_markers(source))
        stub = STUB.search(source)
        if stub:
            self.done_handlers.discard(name)
            return f"Saved {name}/app.py, still a stub: until you write it, deploys use functions/{name}/."
        self.done_handlers.add(name)
        return f"Saved {name}/app.py: the {name.replace('_', '-')} function deploys this code."

    def save_part(self, name: str, text: str) -> str:
        if name not in TEMPLATE_PARTS:
            raise ValueError(f"No template part named {name!r}; choose one of {sorted(TEMPLATE_PARTS)}")
        self.parts.pop(name, None)
        self.stubbed_parts.pop(name, None)
        stub = STUB.search(text)
        if stub:
            self.stubbed_parts[name] = stub.group(1)
            return (f"Saved the {name} part, still a stub: until you write it, deploys use the {name} part of "
                    "templates/video-pipeline.yaml.")
        fragment = load_template(text)
        if not isinstance(fragment, dict):
            raise ValueError(f"The {name} part must be a YAML mapping of logical ids to resources, got {fragment!r}")
        self.parts[name] = fragment
        return f"Saved the {name} part: {', '.join(fragment)}."

    def handler_folder(self, name: str) -> Path:
        """The learner's code for the function, or the reference while the exercise is not done."""
        return self.folder / name if name in self.done_handlers else FUNCTIONS / name

    def learner_handler(self, name: str) -> Path:
        """The learner's own code, for the checks: never the reference."""
        app = self.folder / name / "app.py"
        if not app.is_file():
            raise NotSaved(f"run the %%handler {name} cell first")
        stub = STUB.search(app.read_text())
        if stub:
            raise NotImplementedError(stub.group(1))
        return app.parent

    def template(self, only: str | None = None) -> dict[str, Any]:
        """The reference template with every part the learner wrote (or just `only`) put in its place."""
        if only in self.stubbed_parts:
            raise NotImplementedError(self.stubbed_parts[only])
        if only is not None and only not in self.parts:
            raise NotSaved(f"run the %%template_part {only} cell first")
        template = load_template(REFERENCE_TEMPLATE.read_text())
        for name, fragment in self.parts.items():
            if only in (None, name):
                for path in TEMPLATE_PARTS[name]:
                    _delete(template["Resources"], path)
                _merge(template["Resources"], copy.deepcopy(fragment))
        return template

    def write_template(self) -> Path:
        return write_template(self.template(), self.folder / "video-pipeline.yaml")

    def describe(self, handlers: list[str]) -> list[str]:
        """One line per handler and template part: the learner's, or the reference."""
        lines = [f"{name}: {'yours' if name in self.done_handlers else f'reference (functions/{name})'}"
                 for name in handlers]
        lines += [f"{name}: {'yours' if name in self.parts else 'reference (templates/video-pipeline.yaml)'}"
                  for name in TEMPLATE_PARTS]
        return lines


def _delete(resources: dict[str, Any], path: tuple[str, ...]) -> None:
    node = resources
    for key in path[:-1]:
        node = node.get(key, {})
    node.pop(path[-1], None)


def _merge(into: dict[str, Any], extra: dict[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def lint(template: dict[str, Any]) -> list[str]:
    """cfn-lint's errors and warnings for a template (informational notes left out)."""
    from cfnlint.api import ManualArgs, lint as cfn_lint

    matches = cfn_lint(json.dumps(template), config=ManualArgs(regions=["us-east-1"]))
    return [f"{m.rule.id} {m.message}" for m in matches if m.rule.id[0] in "EW"]


def _capture_queue(cloud: Any, bucket: str) -> str:
    """The queue that receives a copy of every S3 event of `bucket`, set up the first time it is asked for."""
    sqs, name = cloud.client("sqs"), f"lab-capture-{bucket}"
    with contextlib.suppress(sqs.exceptions.QueueDoesNotExist):
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    queue_url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage",
                       "Resource": arn, "Condition": {"ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}],
    })})
    cloud.client("s3").put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    return queue_url


def s3_event(target: Any, bucket: str, key: str, body: bytes, *, timeout: float = 30) -> dict[str, Any]:
    """Put an object and return the real S3 event record it caused (copied to a queue of the bucket's own).

    S3 applies a new notification configuration after a delay, so the object is put again until its event
    comes (scratch() sets the copying up as it creates the buckets, so the delay passes while a check gets ready).
    """
    sqs, s3 = target.client("sqs"), target.client("s3")
    queue_url = _capture_queue(target, bucket)

    def event() -> dict[str, Any] | None:
        etag = s3.put_object(Bucket=bucket, Key=key, Body=body)["ETag"].strip('"')
        for _ in range(CAPTURE_POLLS):  # a short poll samples: several, before putting the object again
            for message in sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
                found = json.loads(message["Body"])
                objects = [record["s3"]["object"] for record in found.get("Records", [])]
                if any(unquote_plus(o["key"]) == key and o.get("eTag") == etag for o in objects):
                    return found
            time.sleep(CAPTURE_POLL_SECONDS)
        return None

    return waiting.until(event, f"the S3 event of s3://{bucket}/{key}", interval=0, timeout=timeout)


def sns_envelope(topic_arn: str, message: dict[str, Any]) -> dict[str, Any]:
    """The event SNS hands a subscribed function: the published message as a JSON string."""
    return {"Records": [{
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": f"{topic_arn}:check",
        "Sns": {"Type": "Notification", "TopicArn": topic_arn, "Subject": "Amazon S3 Notification",
                "Message": json.dumps(message), "MessageAttributes": {}},
    }]}


@dataclass(frozen=True)
class Scratch:
    """Throwaway buckets and videos table for trying one handler on its own."""

    cloud: Any
    uploads: str
    transcoded: str
    table: str
    role_arn: str

    def item(self, item_id: str) -> dict[str, Any] | None:
        table = self.cloud.resource("dynamodb").Table(self.table)
        return table.get_item(Key={"id": item_id}, ConsistentRead=True).get("Item")

    @property
    def environment(self) -> dict[str, str]:
        """What the pipeline's template gives both functions."""
        return {"TRANSCODED_BUCKET": self.transcoded, "MEDIACONVERT_ROLE_ARN": self.role_arn, "VIDEOS_TABLE": self.table}

    def grants(self, function: str) -> list[dict[str, Any]]:
        """What templates/video-pipeline.yaml's role for `function` allows (besides its logs), on these resources."""
        region, account = self.cloud.region, self.cloud.account_id
        table = f"arn:aws:dynamodb:{region}:{account}:table/{self.table}"
        if function == "transcode_video":
            return [{"Effect": "Allow", "Action": "mediaconvert:CreateJob", "Resource": f"arn:aws:mediaconvert:{region}:{account}:*"},
                    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": self.role_arn,
                     "Condition": {"StringEquals": {"iam:PassedToService": "mediaconvert.amazonaws.com"}}},
                    {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table}]
        if function == "extract_metadata":
            return [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{self.transcoded}/*"},
                    {"Effect": "Allow", "Action": "dynamodb:UpdateItem", "Resource": table}]
        raise ValueError(f"the pipeline has no function {function!r}")


@contextlib.contextmanager
def scratch(target: Any) -> Iterator[Scratch]:
    uploads, transcoded, table = "lab-check-uploads", "lab-check-transcoded", "lab-check-videos"
    with check_cloud.scratch(target, buckets=(uploads, transcoded), tables=(table,)) as cloud:
        captures = [_capture_queue(cloud, bucket) for bucket in (uploads, transcoded)]
        try:
            yield Scratch(cloud, uploads, transcoded, table,
                          f"arn:aws:iam::{cloud.account_id}:role/lab-check-mediaconvert")
        finally:
            for queue_url in captures:
                cloud.client("sqs").delete_queue(QueueUrl=queue_url)


workspace = Workspace(Path.cwd() / "workspace")


def load_ipython_extension(ipython: Any) -> None:
    global workspace
    workspace = Workspace(Path.cwd() / "workspace")
    register_saving_magics(ipython, handler=workspace.save_handler, template_part=workspace.save_part)
