"""Lab 3's workspace: route handlers written in notebook cells, spliced into the catalogue API and called over HTTP.

    %load_ext serverless_workbook.workspaces.api_lab

    %%api_part routes        the cell's get_video and delete_video replace the reference's in functions/video_api/app.py

The learner writes plain functions; the reference module keeps its imports, helpers and
Powertools route decorators, so a part is only the code the exercise is about. A part
still holding the generated stub leaves the reference in place, so the API always
deploys and the exercises after a skipped one still work.
"""
from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any, Iterator

import requests
from botocore.client import BaseClient

from serverless_workbook.cloud import stacks
from serverless_workbook.course import restart_hints
from serverless_workbook.workspaces import catalogue, pipeline_run
from serverless_workbook.workspaces import register_saving_magics
from serverless_workbook.course.lab_format import STUB, NotSaved, top_level_functions, without_markers
from serverless_workbook.localcloud.cloudformation import physical_ids

REFERENCE = catalogue.ROOT / "functions" / "video_api"
# Part name -> the reference functions the learner's cell replaces.
PARTS: dict[str, tuple[str, ...]] = {
    "routes": ("get_video", "delete_video"),
    "validation": ("upload_request",),
}
CHECK_STACK = "lab03-check"
CHECK_USER = ("checker@example.com", "Check-Password-42")
# A second user of the checks' API: what one user may do to another's video.
OTHER_USER = ("someone-else@example.com", "Other-Password-42")


class ApiWorkspace:
    """The learner's parts of the API function; git ignores the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts: dict[str, str] = {}
        # Part name -> the stub's "Exercise N is not done yet", for parts whose cell still holds the stub.
        self.stubbed: dict[str, str] = {}

    def save(self, name: str, source: str) -> str:
        if name not in PARTS:
            raise ValueError(f"No API part named {name!r}; choose one of {sorted(PARTS)}")
        source = without_markers(source)
        missing = [f for f in PARTS[name] if f not in top_level_functions(source)]
        if missing:
            raise ValueError(f"The {name} part must define {', '.join(PARTS[name])}; missing {', '.join(missing)}")
        self.parts.pop(name, None)
        self.stubbed.pop(name, None)
        stub = STUB.search(source)
        if stub:
            self.stubbed[name] = stub.group(1)
            return f"Saved the {name} part, still a stub: until you write it, the API uses the reference's."
        self.parts[name] = source
        return f"Saved the {name} part: the video-api function now runs your {', '.join(PARTS[name])}."

    def folder_for(self, only: str | None = None) -> Path:
        """The function's code with the learner's parts (or just `only`) in place of the reference's."""
        if only in self.stubbed:
            raise NotImplementedError(self.stubbed[only])
        if only is not None and only not in self.parts:
            raise NotSaved(f"run the %%api_part {only} cell first")
        reference = (REFERENCE / "app.py").read_text()
        lines = reference.splitlines()
        originals = top_level_functions(reference)
        replacements = []
        for name, source in self.parts.items():
            if only in (None, name):
                learner, learner_lines = top_level_functions(source), source.splitlines()
                for function in PARTS[name]:
                    mine = learner[function]
                    # From the def line on: the reference's decorators stay, and route the learner's function.
                    replacements.append((originals[function], learner_lines[mine.lineno - 1:mine.end_lineno]))
        for original, new in sorted(replacements, key=lambda r: r[0].lineno, reverse=True):
            lines[original.lineno - 1:original.end_lineno] = new
        target = self.folder / f"video_api-{only or 'all'}"
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(REFERENCE, target, ignore=shutil.ignore_patterns("__pycache__"))
        (target / "app.py").write_text("\n".join(lines) + "\n")
        return target

    def describe(self) -> list[str]:
        return [f"{name} ({', '.join(functions)}): {'yours' if name in self.parts else 'reference'}"
                for name, functions in PARTS.items()]


def deploy_api(target: Any, stack_name: str, pipeline: dict[str, str], code: Path) -> dict[str, str]:
    """catalogue.deploy with the function's code taken from `code` instead of functions/video_api."""
    return catalogue.deploy(target, stack_name, pipeline, progress=False, code=code)


def signed_in(target: Any, api: dict[str, str], email: str, password: str) -> str:
    """The user's ID token, creating the user first if the pool does not know them yet."""
    idp = target.client("cognito-idp")
    with contextlib.suppress(idp.exceptions.UsernameExistsException):
        catalogue.create_user(target, api, email, password)
    return catalogue.sign_in(target, api, email, password)


@contextlib.contextmanager
def trial_api(target: Any, pipeline: dict[str, str], part: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Deploy the API with only the learner's `part` in it, serve it; yield (url, auth headers)."""
    code = workspace.folder_for(only=part)
    api = deploy_api(target, CHECK_STACK, pipeline, code)
    try:
        endpoint = catalogue.serve(target, api)
        try:
            yield endpoint.url, as_user(target, CHECK_USER)
        finally:
            endpoint.stop()
    finally:
        stacks.teardown(target, CHECK_STACK)


def as_user(target: Any, user: tuple[str, str]) -> dict[str, str]:
    """Auth headers of `user` (email, password) on the checks' API, creating them if needed."""
    return {"Authorization": signed_in(target, stacks.outputs(target, CHECK_STACK), *user)}


def _owners(target: Any) -> Any:
    return target.resource("dynamodb").Table(physical_ids(target, CHECK_STACK)["OwnersTable"])


def owned_by(target: Any, video_id: str, user: tuple[str, str]) -> None:
    """Record `video_id` as uploaded by `user` through the checks' API, as POST /uploads does."""
    api = stacks.outputs(target, CHECK_STACK)
    as_user(target, user)
    attributes = target.client("cognito-idp").admin_get_user(UserPoolId=api["UserPoolId"], Username=user[0])
    sub = next(a["Value"] for a in attributes["UserAttributes"] if a["Name"] == "sub")
    _owners(target).put_item(Item={"id": video_id, "owner": sub})


def has_owner(target: Any, video_id: str) -> bool:
    """Whether the checks' API still records an owner for `video_id`."""
    return "Item" in _owners(target).get_item(Key={"id": video_id}, ConsistentRead=True)


def seed_video(target: Any, pipeline: dict[str, str], video_id: str, renditions: dict[str, bytes]) -> None:
    """A finished video as the pipeline leaves it: rendition files (label -> bytes) and the item describing them."""
    s3 = target.client("s3")
    described = {}
    for label, body in renditions.items():
        key = f"{video_id}/{video_id}-{label}.mp4"
        s3.put_object(Bucket=pipeline["TranscodedBucketName"], Key=key, Body=body, ContentType="video/mp4")
        described[f"{video_id}-{label}.mp4"] = {"key": key, "size": len(body)}
    target.resource("dynamodb").Table(pipeline["VideosTableName"]).put_item(Item={
        "id": video_id, "status": "COMPLETE", "sourceBucket": pipeline["UploadBucketName"],
        "sourceKey": f"{video_id}.mp4", "expectedRenditions": len(renditions), "renditions": described})


def seed_upload(target: Any, pipeline: dict[str, str], video_id: str, body: bytes) -> None:
    """The upload a seeded video's item points at, put before the item is seeded.

    The bucket's trigger starts the pipeline for every upload, and switching it off around the upload would not
    help: S3 applies a changed trigger only after a delay. So the pipeline is let finish with the upload (a file
    that is no video ends as an ERROR item) before seed_video writes the item it must not overwrite. When the
    trigger is not in effect yet, nothing is recorded, and nothing will be.
    """
    target.client("s3").put_object(Bucket=pipeline["UploadBucketName"], Key=f"{video_id}.mp4", Body=body)
    try:
        pipeline_run.wait_for_item(target, pipeline["VideosTableName"], video_id,
                                   lambda item: item.get("status") in pipeline_run.FINAL_ITEM_STATES,
                                   timeout=None if target.is_local else pipeline_run.TRIGGER_RETRY_S)
    except TimeoutError as error:
        if pipeline_run.NO_ITEM not in str(error):
            raise


def unseed_video(target: Any, pipeline: dict[str, str], video_id: str) -> None:
    """Remove what seed_video put: the rendition files and the item."""
    s3 = target.client("s3")
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=pipeline["TranscodedBucketName"], Prefix=f"{video_id}/"):
        for found in page.get("Contents", []):
            s3.delete_object(Bucket=pipeline["TranscodedBucketName"], Key=found["Key"])
    target.resource("dynamodb").Table(pipeline["VideosTableName"]).delete_item(Key={"id": video_id})


def request_upload(url: str, auth: dict[str, str], clip: Path, filename: str) -> dict[str, Any]:
    """POST /uploads, then send the clip straight to S3 with the presigned POST; return the grant."""
    grant = requests.post(f"{url}/uploads", headers=auth, timeout=10,
                          json={"filename": filename, "contentType": "video/mp4", "size": clip.stat().st_size})
    grant.raise_for_status()
    grant = grant.json()
    with clip.open("rb") as file:
        requests.post(grant["url"], data=grant["fields"], timeout=30,
                      files={"file": (filename, file, "video/mp4")}).raise_for_status()
    return grant


def uploaded_video(target: Any, pipeline: dict[str, str], url: str, auth: dict[str, str],
                   clip: Path, filename: str) -> str:
    """The id of the clip uploaded under `filename` through the API, uploading it first if that was not done."""
    stem = Path(filename).stem.replace(" ", "-")
    uploads = target.client("s3").list_objects_v2(Bucket=pipeline["UploadBucketName"]).get("Contents", [])
    for upload in uploads:
        if upload["Key"].startswith(f"{stem}-"):
            return Path(upload["Key"]).stem
    return request_upload(url, auth, clip, filename)["videoId"]


@contextlib.contextmanager
def requests_to(service: str) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The requests any boto3 client sends to `service` while open: operation name -> each call's parameters.

    Recorded before they are sent, so a request AWS refuses counts too; the check reads what the learner
    asked for (MessageAction, Permanent), which the local cloud would accept either way.
    """
    sent: dict[str, list[dict[str, Any]]] = {}
    original = BaseClient._make_api_call

    def recording(client: BaseClient, operation: str, parameters: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == service:
            sent.setdefault(operation, []).append(dict(parameters))
        return original(client, operation, parameters)

    BaseClient._make_api_call = recording
    try:
        yield sent
    finally:
        BaseClient._make_api_call = original


def error_message(response: requests.Response) -> str:
    """What an error response says: Powertools puts it in "message". A 502 also says what it means, since
    the learner's route code, not the request, is then what failed."""
    try:
        message = str(response.json().get("message", ""))
    except (ValueError, AttributeError):
        message = response.text
    if response.status_code == 502:
        message += (" (API Gateway's answer when the function raises or returns no valid response: your route "
                    "code failed on this request instead of answering it)")
    return message


workspace = ApiWorkspace(Path.cwd() / "workspace")

# The lab's names that cells after the one defining them use, and that one: a kernel restart forgets them all,
# and a cell run then should say where to start again rather than end in a NameError traceback.
DEFINED_BY = {
    **dict.fromkeys(("target", "pipeline", "CLIP", "WORK", "PIPELINE_STACK", "API_STACK"), "the lab's first cell"),
    **dict.fromkeys(("api", "endpoint", "URL"), "the cell that deploys the API (\"Now deploy the API\", before "
                                                 "exercise 3.3)"),
    **dict.fromkeys(("EMAIL", "PASSWORD", "sign_in"), "exercise 3.3's code cell"),
    "AUTH": "the cell after exercise 3.3's check (it signs you in)",
    **dict.fromkeys(("FILENAME", "upload"), "exercise 3.4's code cell"),
    "VIDEO_ID": "the cell after exercise 3.4's check (it waits for the pipeline)",
}


def load_ipython_extension(ipython: Any) -> None:
    global workspace
    workspace = ApiWorkspace(Path.cwd() / "workspace")
    register_saving_magics(ipython, api_part=workspace.save)
    restart_hints.show_missing_names(ipython, DEFINED_BY)

