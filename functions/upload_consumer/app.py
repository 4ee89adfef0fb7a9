"""One consumer of the upload fan-out; CONSUMER names which (thumbnails, metadata or notify).

Each consumer records its own piece of work. When the service it depends on is
down (SERVICE_UP is not "true") it raises, and only its own queue retries.
"""
import json
import os

import boto3

RESULTS = boto3.resource("dynamodb").Table(os.environ["RESULTS_TABLE"])


def handler(event, context):
    consumer = os.environ["CONSUMER"]
    for record in event["Records"]:
        key = json.loads(record["body"])["key"]
        attempt = int(record["attributes"]["ApproximateReceiveCount"])
        if os.environ["SERVICE_UP"] != "true":
            print(json.dumps({"consumer": consumer, "key": key, "attempt": attempt, "outcome": "service down"}))
            raise ConnectionError(f"{consumer}: the service it calls is unreachable; {key} not handled")
        RESULTS.put_item(Item={"id": f"{key}#{consumer}", "key": key, "consumer": consumer})
        print(json.dumps({"consumer": consumer, "key": key, "attempt": attempt, "outcome": "done"}))
