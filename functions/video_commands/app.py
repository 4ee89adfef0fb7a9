"""The catalogue's command entry point: {"command": name, "video": id} runs that command's handler."""
import os

import boto3

VIDEOS = boto3.resource("dynamodb").Table(os.environ["VIDEOS_TABLE"])


def publish(video):
    VIDEOS.update_item(Key={"id": video}, UpdateExpression="SET visibility = :v",
                       ExpressionAttributeValues={":v": "public"})
    return {"video": video, "visibility": "public"}


def unpublish(video):
    VIDEOS.update_item(Key={"id": video}, UpdateExpression="SET visibility = :v",
                       ExpressionAttributeValues={":v": "private"})
    return {"video": video, "visibility": "private"}


def describe(video):
    item = VIDEOS.get_item(Key={"id": video}).get("Item")
    if item is None:
        raise LookupError(f"no video {video!r}")
    return {"video": video, "visibility": item.get("visibility", "private")}


COMMANDS = {"publish": publish, "unpublish": unpublish, "describe": describe}


def handler(event, context):
    name = event.get("command")
    if name not in COMMANDS:
        raise ValueError(f"unknown command {name!r}; the commands are {', '.join(sorted(COMMANDS))}")
    if not isinstance(event.get("video"), str):
        raise ValueError(f"command {name!r} needs a \"video\" id")
    return COMMANDS[name](event["video"])
