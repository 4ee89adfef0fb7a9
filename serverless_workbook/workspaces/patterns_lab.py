"""Lab 4's workspace: the chapter 4 patterns deployed over the lab 2 uploads, and handlers written in cells.

    %load_ext serverless_workbook.workspaces.patterns_lab

    %%handler_part video_commands     the cell's handler replaces the reference's in functions/video_commands/app.py

A part keeps the reference module's imports and helpers (the command table, the view's
table), so the learner writes only the function the pattern is about. Each check deploys
a stack of its own (`trial`) and tears it down, so it depends on no other exercise and
can run again.
"""
from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any, Iterator

from serverless_workbook.cloud import function_logs, stacks
from serverless_workbook.common import waiting
from serverless_workbook.workspaces import register_saving_magics
from serverless_workbook.course.lab_format import STUB, NotSaved, top_level_functions, without_markers
from serverless_workbook.workspaces.pipeline_lab import FUNCTIONS

TEMPLATES = FUNCTIONS.parent / "templates"
# Pattern -> (code parameter of its template, the reference handler folder).
PATTERNS: dict[str, tuple[str, str]] = {
    "command": ("CommandsCodeKey", "video_commands"),
    "messaging-dlq": ("WorkerCodeKey", "catalogue_worker"),
    "priority-queue": ("EncoderCodeKey", "priority_encoder"),
    "fan-out": ("ConsumerCodeKey", "upload_consumer"),
    "compute-as-glue": ("GlueCodeKey", "owner_stats"),
}
# Handler folders whose `handler` a learner's cell may replace.
PARTS = ("video_commands", "owner_stats")


def deploy(target: Any, stack_name: str, pattern: str, code: Path | None = None, **parameters: str) -> dict[str, str]:
    """Deploy templates/pattern-<pattern>.yaml with the reference handler (or `code`); its outputs."""
    if pattern not in PATTERNS:
        raise ValueError(f"No pattern template named {pattern!r}; choose one of {sorted(PATTERNS)}")
    parameter, folder = PATTERNS[pattern]
    return stacks.deploy(target, stack_name, TEMPLATES / f"pattern-{pattern}.yaml", parameters=parameters,
                         code={parameter: code or FUNCTIONS / folder}, progress=False)


@contextlib.contextmanager
def trial(target: Any, stack_name: str, pattern: str, code: Path | None = None,
          **parameters: str) -> Iterator[dict[str, str]]:
    """A check's own stack of the pattern, torn down afterwards whatever happened."""
    try:
        yield deploy(target, stack_name, pattern, code, **parameters)
    finally:
        stacks.teardown(target, stack_name)


def wait_until(target: Any, condition: Any, what: str, timeout: float = 20) -> None:
    """Poll until condition() holds; `timeout` is the local cloud's, a real account gets ten times as long."""
    if not target.is_local:
        timeout *= 10
    waiting.until(condition, what, timeout=timeout, interval=0.05 if target.is_local else 2)


def queue_counts(target: Any, url: str) -> tuple[int, int]:
    """(visible, in flight) messages of a queue."""
    attributes = target.client("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return (int(attributes["Attributes"]["ApproximateNumberOfMessages"]),
            int(attributes["Attributes"]["ApproximateNumberOfMessagesNotVisible"]))


def printed(target: Any, function: str) -> list[dict[str, Any]]:
    """The JSON lines a function printed, in the order of key and receive count (log streams interleave), read
    once its log has settled."""
    lines = [json.loads(line) for event in function_logs.events(target, function)
             for line in event["message"].splitlines() if line.startswith("{")]
    return sorted(lines, key=lambda line: (line["key"], line["attempt"]))


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def topic_may_send(policy: dict[str, Any], queue_arn: str, topic_arn: str) -> bool:
    """Whether a queue policy lets SNS deliver to the queue from that topic, as the SNS guide's queue policy does.

    https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html: allow the sns.amazonaws.com
    principal sqs:SendMessage on the queue, on the condition that aws:SourceArn is the topic's ARN.
    """
    for statement in _listed(policy.get("Statement", [])):
        principal = statement.get("Principal", {})
        services = _listed(principal.get("Service", [])) if isinstance(principal, dict) else []
        condition = statement.get("Condition", {})
        sources = [_listed(condition.get(test, {}).get("aws:SourceArn", [])) for test in ("ArnEquals", "ArnLike")]
        if (statement.get("Effect") == "Allow" and "sns.amazonaws.com" in services
                and "sqs:SendMessage" in _listed(statement.get("Action", []))
                and queue_arn in _listed(statement.get("Resource", []))
                and any(topic_arn in found for found in sources)):
            return True
    return False


class HandlerWorkspace:
    """The learner's handler cells; each handler replaces the reference's in a copy of its folder (git ignores it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.cells: dict[str, str] = {}

    def save(self, name: str, source: str) -> str:
        if name not in PARTS:
            raise ValueError(f"No handler part named {name!r}; choose one of {', '.join(PARTS)}")
        source = without_markers(source)
        if "handler" not in top_level_functions(source):
            raise ValueError(f"The {name} part must define handler(event, context)")
        self.cells[name] = source
        if STUB.search(source):
            return f"Saved the {name} handler, still a stub."
        return f"Saved the {name} handler: checks deploy functions/{name}/ with your handler in it."

    def source(self, name: str) -> str:
        """The learner's cell; a cell still holding the stub raises the stub's NotImplementedError."""
        if name not in self.cells:
            raise NotSaved(f"run the %%handler_part {name} cell first")
        stub = STUB.search(self.cells[name])
        if stub:
            raise NotImplementedError(stub.group(1))
        return self.cells[name]

    def folder_for(self, name: str) -> Path:
        """A copy of functions/<name>/ whose app.py has the learner's handler in place of the reference's."""
        cell = self.source(name)
        reference = (FUNCTIONS / name / "app.py").read_text()
        original = top_level_functions(reference)["handler"]
        lines = reference.splitlines()
        # The whole cell (the handler and any helper or import beside it) takes the reference handler's place.
        lines[original.lineno - 1:original.end_lineno] = cell.splitlines()
        target = self.folder / name
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(FUNCTIONS / name, target, ignore=shutil.ignore_patterns("__pycache__"))
        (target / "app.py").write_text("\n".join(lines) + "\n")
        return target


workspace = HandlerWorkspace(Path.cwd() / "workspace")


def load_ipython_extension(ipython: Any) -> None:
    global workspace
    workspace = HandlerWorkspace(Path.cwd() / "workspace")
    register_saving_magics(ipython, handler_part=workspace.save)
