"""video-api: the 24-Hour Video catalogue behind API Gateway's Lambda proxy integration.

API Gateway's Cognito authorizer rejects callers without a valid ID token
before this code runs, so every route here serves a signed-in user. That is
authentication; authorization, what that user may touch, is decided here:

* a video uploaded through POST /uploads belongs to the user who asked for the
  upload (the owners table maps its id to the ID token's ``sub``): only they see it,
  in the list and by id, and only they may delete it;
* a video that reached the upload bucket some other way (an operator's upload, as
  in lab 2) has no owner: every signed-in user sees it, nobody deletes it here (403).

Another user's video answers 404, exactly as a missing one, so ids reveal nothing.

    GET    /videos?rendition=720p&limit=20&nextToken=...   list, filtered and paginated
    GET    /videos/{id}                                    one video, presigned GET URL per rendition
    POST   /uploads                                        presigned POST into the upload bucket
    DELETE /videos/{id}                                    the item, its renditions and its upload
"""
from __future__ import annotations

import base64
import binascii
import json
import os
import re
import uuid
from decimal import Decimal
from typing import Any

import boto3
from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError, ServiceError
from aws_lambda_powertools.logging import correlation_paths
from botocore.config import Config

RENDITIONS = ("1080p", "720p", "480p")
# Upload content types the pipeline accepts, and the extension each upload key gets.
CONTENT_TYPES = {"video/mp4": ".mp4", "video/quicktime": ".mov"}
# 50 MiB: the labs' clips are well under 1 MiB, and a small cap keeps what a signed-in user can make the account
# pay for small (MediaConvert bills per output minute, and a longer video is a bigger file).
MAX_UPLOAD_BYTES = 52_428_800
UPLOAD_URL_SECONDS = 900
PLAYBACK_URL_SECONDS = 3600
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_ID_LENGTH = 200
UPLOAD_FIELDS = {"filename", "contentType", "size"}
# Renditions are stored by file name, "<id>-720p.mp4"; the API names them by their label.
RENDITION_NAME = re.compile(r"-(\d+p)\.mp4$")

logger = Logger()
app = APIGatewayRestResolver()
# SigV4 URLs carry their lifetime (X-Amz-Expires), so a client can see when they expire. New buckets refuse
# SigV2, and the global host redirects outside us-east-1 (the signature then no longer matches): sign with SigV4
# for the regional virtual-hosted endpoint, us-east-1's too (the region is the function's own, from AWS_REGION).
s3 = boto3.client("s3", config=Config(signature_version="s3v4",
                                      s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}))
dynamodb = boto3.resource("dynamodb")
videos = dynamodb.Table(os.environ["VIDEOS_TABLE"])
# The pipeline writes the videos table and knows nothing of users, so who owns a video lives in the API's own table.
owners = dynamodb.Table(os.environ["OWNERS_TABLE"])
UPLOAD_BUCKET = os.environ["UPLOAD_BUCKET"]
TRANSCODED_BUCKET = os.environ["TRANSCODED_BUCKET"]


def plain(value: Any) -> Any:
    """DynamoDB numbers arrive as Decimal; JSON clients want ints and floats."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value


def rendition_label(name: str) -> str | None:
    match = RENDITION_NAME.search(name)
    return match.group(1) if match else None


def summary(item: dict[str, Any]) -> dict[str, Any]:
    labels = [rendition_label(name) for name in item.get("renditions", {})]
    return {"id": item["id"], "status": item["status"],
            "renditions": [label for label in RENDITIONS if label in labels]}


def encode_token(last_key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(last_key).encode()).decode()


def decode_token(token: str) -> dict[str, str]:
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode()))
    except (binascii.Error, ValueError):
        key = None
    if not (isinstance(key, dict) and set(key) == {"id"} and isinstance(key["id"], str)):
        raise BadRequestError("nextToken is not a token this API returned; pass the nextToken of the previous page")
    return key


def caller() -> str:
    """The signed-in user: the ``sub`` claim of the ID token that API Gateway's authorizer checked."""
    return app.current_event.request_context.authorizer.claims["sub"]


def owners_of(ids: list[str]) -> dict[str, str]:
    """Video id -> owner, for those of `ids` uploaded through this API (at most 100 ids: one BatchGetItem)."""
    found: dict[str, str] = {}
    request = {owners.name: {"Keys": [{"id": id_} for id_ in dict.fromkeys(ids)]}} if ids else {}
    while request:
        answer = dynamodb.batch_get_item(RequestItems=request)
        found |= {item["id"]: item["owner"] for item in answer["Responses"].get(owners.name, [])}
        request = answer.get("UnprocessedKeys") or {}
    return found


def visible(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The items the caller may see: their own videos and the ownerless ones."""
    owned = owners_of([item["id"] for item in items])
    me = caller()
    return [item for item in items if owned.get(item["id"], me) == me]


def page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not re.fullmatch(r"[0-9]{1,3}", value) or not 1 <= int(value) <= MAX_PAGE_SIZE:
        raise BadRequestError(f"limit must be a whole number from 1 to {MAX_PAGE_SIZE}, not {value!r}")
    return int(value)


@app.get("/videos")
def list_videos() -> dict[str, Any]:
    query = app.current_event.query_string_parameters or {}
    rendition = query.get("rendition")
    if rendition is not None and rendition not in RENDITIONS:
        raise BadRequestError(f"rendition must be one of {', '.join(RENDITIONS)}, not {rendition!r}")
    limit = page_size(query.get("limit"))
    start = decode_token(query["nextToken"]) if "nextToken" in query else None
    found: list[dict[str, Any]] = []
    # Scan's Limit counts items read, not items kept, so read only as many as the page still
    # needs: the last key read is then exactly where the next page starts.
    while True:
        scan = {"Limit": limit - len(found), **({"ExclusiveStartKey": start} if start else {})}
        page = videos.scan(**scan)
        found += [summary(item) for item in visible(page["Items"])]
        if rendition is not None:
            found = [video for video in found if rendition in video["renditions"]]
        start = page.get("LastEvaluatedKey")
        if start is None or len(found) == limit:
            break
    return {"videos": found, "nextToken": encode_token(start) if start else None}


def get_item() -> dict[str, Any]:
    # The route argument is the raw path segment; API Gateway's pathParameters are URL-decoded.
    id_ = app.current_event.path_parameters["id"]
    if len(id_) > MAX_ID_LENGTH:
        raise BadRequestError(f"id is at most {MAX_ID_LENGTH} characters long")
    item = videos.get_item(Key={"id": id_}).get("Item")
    if item is None:
        raise NotFoundError(f"No video with id {id_!r}")
    return item


def visible_item() -> tuple[dict[str, Any], str | None]:
    """The requested video and its owner (None: ownerless); another user's video is a 404 like a missing one."""
    item = get_item()
    owner = owners_of([item["id"]]).get(item["id"])
    if owner not in (None, caller()):
        raise NotFoundError(f"No video with id {item['id']!r}")
    return item, owner


@app.get("/videos/<id>")
def get_video(id: str) -> dict[str, Any]:  # noqa: A002 - Powertools passes the path parameter by name
    item = plain(visible_item()[0])
    renditions = {}
    for name, rendition in item.get("renditions", {}).items():
        url = s3.generate_presigned_url("get_object", Params={"Bucket": TRANSCODED_BUCKET, "Key": rendition["key"]},
                                        ExpiresIn=PLAYBACK_URL_SECONDS)
        renditions[rendition_label(name)] = {**rendition, "url": url}
    video = {"id": item["id"], "status": item["status"], "renditions": renditions, "urlExpiresIn": PLAYBACK_URL_SECONDS}
    if item["status"] == "ERROR":
        video["error"] = item.get("errorMessage", "")
    return video


@app.delete("/videos/<id>")
def delete_video(id: str) -> Response:  # noqa: A002
    item, owner = visible_item()
    if owner is None:
        raise ServiceError(403, f"Video {item['id']!r} was not uploaded through this API, so it has no owner "
                                "and nobody may delete it here; you may delete the videos you upload with POST /uploads")
    if item["status"] == "SUBMITTED":
        raise ServiceError(409, f"Video {item['id']!r} is still being transcoded; delete it once its status is COMPLETE or ERROR")
    for rendition in item.get("renditions", {}).values():
        s3.delete_object(Bucket=TRANSCODED_BUCKET, Key=rendition["key"])
    if item.get("sourceBucket") == UPLOAD_BUCKET:
        s3.delete_object(Bucket=UPLOAD_BUCKET, Key=item["sourceKey"])
    videos.delete_item(Key={"id": item["id"]})
    owners.delete_item(Key={"id": item["id"]})
    logger.info("Deleted video", extra={"video_id": item["id"]})
    return Response(status_code=204)


def upload_request(body: str | None) -> tuple[str, str, int]:
    """(filename, contentType, size) from the request body, or a 400 saying what is wrong."""
    try:
        request = json.loads(body or "")
    except json.JSONDecodeError as error:
        raise BadRequestError(f"The request body is not valid JSON: {error}") from None
    if not isinstance(request, dict):
        raise BadRequestError("The request body must be a JSON object with filename, contentType and size")
    missing, unknown = UPLOAD_FIELDS - set(request), set(request) - UPLOAD_FIELDS
    if missing:
        raise BadRequestError(f"Missing field(s): {', '.join(sorted(missing))}")
    if unknown:
        raise BadRequestError(f"Unknown field(s): {', '.join(sorted(unknown))}")
    filename, content_type, size = request["filename"], request["contentType"], request["size"]
    if not isinstance(filename, str) or not 1 <= len(filename) <= MAX_ID_LENGTH:
        raise BadRequestError(f"filename must be a string of 1 to {MAX_ID_LENGTH} characters")
    if not isinstance(content_type, str) or content_type.lower() not in CONTENT_TYPES:
        raise BadRequestError(f"contentType must be one of {', '.join(CONTENT_TYPES)}, not {content_type!r}")
    content_type = content_type.lower()  # media types ignore case (RFC 6838): a client's Video/MP4 is video/mp4
    # bool is an int in Python, but true is not a size.
    if type(size) is not int or size < 1:
        raise BadRequestError("size must be the file's size in bytes, a whole number of at least 1")
    if size > MAX_UPLOAD_BYTES:
        raise BadRequestError(f"size {size} is over the upload limit of {MAX_UPLOAD_BYTES} bytes")
    return filename, content_type, size


@app.post("/uploads")
def create_upload() -> Response:
    filename, content_type, size = upload_request(app.current_event.body)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", os.path.splitext(filename)[0]).strip("-")[:64] or "video"
    # The pipeline names a video after its upload's basename; the suffix keeps two uploads apart.
    new_id = f"{stem}-{uuid.uuid4().hex[:8]}"
    key = f"{new_id}{CONTENT_TYPES[content_type]}"
    post = s3.generate_presigned_post(
        UPLOAD_BUCKET, key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, size]],
        ExpiresIn=UPLOAD_URL_SECONDS,
    )
    # Recorded before the client can upload, so the video has its owner from the first moment it exists.
    owners.put_item(Item={"id": new_id, "owner": caller()})
    logger.info("Upload granted", extra={"video_id": new_id, "size": size})
    body = {"videoId": new_id, "key": key, "url": post["url"], "fields": post["fields"],
            "maxBytes": size, "expiresIn": UPLOAD_URL_SECONDS}
    return Response(status_code=201, content_type="application/json", body=json.dumps(body))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return app.resolve(event, context)
