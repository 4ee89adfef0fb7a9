"""Catalogue worker: records each queued upload; refuses a format it was not configured for.

A refusal raises, so Lambda leaves the message on the queue to be received again,
until the queue's redrive policy parks it in the dead-letter queue.
"""
import json
import os

import boto3

RESULTS = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


class UnsupportedFormat(ValueError):
    pass


def handler(event, context):
    # Read per invocation: a configuration change is the fix this pattern replays after.
    accepted = os.environ["ACCEPTED_FORMATS"].split(",")
    for record in event["Records"]:
        key = json.loads(record["body"])["key"]
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        extension = key.rsplit(".", 1)[-1].lower()
        if extension not in accepted:
            print(json.dumps({"key": key, "attempt": attempt, "outcome": "refused"}))
            raise UnsupportedFormat(f"{key}: {extension!r} is not one of {accepted}")
        RESULTS.put_item(Item={"id": key, "attempt": attempt})
        print(json.dumps({"key": key, "attempt": attempt, "outcome": "recorded"}))
