"""Encoder stand-in: takes WORK_SECONDS per upload and records the order uploads finish in.

The finishing position comes from an atomic counter per batch, so it is right even
when many copies of the function run at once.
"""
import json
import os
import time

import boto3

RESULTS = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    for record in event["Records"]:
        upload = json.loads(record["body"])
        time.sleep(float(os.environ["WORK_SECONDS"]))
        counter = RESULTS.update_item(
            Key={"id": f"counter#{upload['batch']}"},
            UpdateExpression="ADD finished :one",
            ExpressionAttributeValues={":one": 1},
            ReturnValues="UPDATED_NEW",
        )
        RESULTS.put_item(Item={
            "id": f"{upload['batch']}#{upload['key']}",
            "batch": upload["batch"],
            "key": upload["key"],
            "tier": upload["tier"],
            "position": counter["Attributes"]["finished"],
        })
