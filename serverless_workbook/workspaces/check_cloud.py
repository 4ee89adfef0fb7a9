"""The checks' scratch cloud: where a check tries a learner's handler on its own, beside throwaway buckets and
tables that it removes afterwards (and first, in case an interrupted check left them behind).

A check never creates anything in a real account: when the lab runs on AWS, its checks get a local cloud of
their own. Each lab names what its checks need (lab 2: upload and transcoded buckets and a videos table; lab 5:
a media bucket) and describes it in a small dataclass of its workspace.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from serverless_workbook.cloud.resources import empty_bucket
from serverless_workbook.cloud.target import connect


@contextlib.contextmanager
def scratch(target: Any, buckets: tuple[str, ...] = (), tables: tuple[str, ...] = (),
            concurrent: bool = False) -> Iterator[Any]:
    """The cloud to check on, holding empty `buckets` and `tables` (keyed by a string `id`), removed on exit.

    `concurrent` gives a lab running on AWS a local cloud that runs invocations side by side, as its checks need.
    """
    with _local_cloud(target, concurrent) as cloud:
        _remove(cloud, buckets, tables)
        for bucket in buckets:
            cloud.create_bucket(bucket)
        for table in tables:
            cloud.client("dynamodb").create_table(
                TableName=table, BillingMode="PAY_PER_REQUEST",
                AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])
        try:
            yield cloud
        finally:
            cloud.wait_for_jobs()
            _remove(cloud, buckets, tables)


@contextlib.contextmanager
def _local_cloud(target: Any, concurrent: bool) -> Iterator[Any]:
    if target.is_local:
        yield target
        return
    cloud = connect("local-server", concurrent_lambdas=True) if concurrent else connect("local")
    try:
        yield cloud
    finally:
        cloud.close()


def _remove(cloud: Any, buckets: tuple[str, ...], tables: tuple[str, ...]) -> None:
    s3, dynamodb = cloud.client("s3"), cloud.client("dynamodb")
    for bucket in buckets:
        with contextlib.suppress(s3.exceptions.NoSuchBucket):
            empty_bucket(cloud, bucket)
            s3.delete_bucket(Bucket=bucket)
    for table in tables:
        with contextlib.suppress(dynamodb.exceptions.ResourceNotFoundException):
            dynamodb.delete_table(TableName=table)
