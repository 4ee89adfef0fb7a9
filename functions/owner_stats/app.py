"""Keeps the owner-stats view in step with the videos table, from its stream.

Each record carries the item before and after the change, so the same code handles
inserts, updates (a video changing owner or length) and deletes: take the old
image away, add the new one.
"""
import os

import boto3

STATS = boto3.resource("dynamodb").Table(os.environ["OWNER_STATS_TABLE"])


def _contribution(image):
    """(owner, seconds) of a stream image, or None for a side of the change that does not exist."""
    if not image:
        return None
    return image["owner"]["S"], int(image.get("seconds", {"N": "0"})["N"])


def handler(event, context):
    deltas = {}
    for record in event["Records"]:
        change = record["dynamodb"]
        for image, sign in ((change.get("OldImage"), -1), (change.get("NewImage"), 1)):
            side = _contribution(image)
            if side:
                videos, seconds = deltas.get(side[0], (0, 0))
                deltas[side[0]] = (videos + sign, seconds + sign * side[1])
    for owner, (videos, seconds) in sorted(deltas.items()):
        if (videos, seconds) != (0, 0):
            STATS.update_item(Key={"owner": owner}, UpdateExpression="ADD videos :v, seconds :s",
                              ExpressionAttributeValues={":v": videos, ":s": seconds})
