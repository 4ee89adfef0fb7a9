"""The Resource Groups Tagging API lists a resource for a while after it was deleted, as on AWS.

GetResources answers from an index of "tagged or previously tagged" resources
(https://docs.aws.amazon.com/resourcegroupstagging/latest/APIReference/API_GetResources.html) that catches up with a
deletion only after a while, minutes on a real account. moto's listing is exact, so a clean-up that takes an empty
listing right after a teardown for proof passes here and fails there. Here each deleting call below remembers the
tagged resources it removed, and GetResources goes on listing them, with their tags and under the same filters,
for delays.TAGGING_LISTING after the deletion. Code that checks each listed ARN with its own service, or scans
again until the listing settles, passes here as there.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Iterator

from moto.core.resource_tagging import (
    TaggedResource,
    iter_taggable_backends,
    make_tag_matcher,
    match_resource_type,
)
from moto.core.responses import BaseResponse
from moto.resourcegroupstaggingapi.models import ResourceGroupsTaggingAPIBackend
from moto.s3.responses import S3Response

from serverless_workbook.localcloud.delays import TAGGING_LISTING
from serverless_workbook.localcloud.patching import Replacements

# The API calls that delete taggable resources the labs create (CloudFormation's delete removes a stack's).
DELETIONS = frozenset({
    "DeleteStack", "DeleteFunction", "DeleteQueue", "DeleteTopic", "DeleteTable", "DeleteStateMachine",
    "DeleteLogGroup", "DeleteRole", "DeletePolicy", "DeleteRestApi", "DeleteUserPool", "DeleteRule",
    "DeleteEventBus", "DeleteLayerVersion", "DeleteBucket",
})

# The services whose tagged resources the labs create and delete. SSM is not one: listing its resources means
# reading the thousands of public parameters the local cloud holds, on every deleting call.
SERVICES = frozenset({"cloudformation", "dynamodb", "events", "lambda", "logs", "s3", "sns", "sqs", "states"})

_original = {"call": BaseResponse.call_action, "s3": S3Response.delete_bucket,
             "listing": ResourceGroupsTaggingAPIBackend._get_resources_generator}
# (account, region) -> ARN -> (the resource as it was last listed, the monotonic time it stops being listed)
_deleted: dict[tuple[str, str], dict[str, tuple[TaggedResource, float]]] = {}
_lock = threading.Lock()


def _tagged(account: str, region: str) -> dict[str, TaggedResource]:
    return {resource.arn: resource for backend in iter_taggable_backends(account, region)
            if backend.SERVICE_NAMESPACE in SERVICES for resource in backend.iter_tagged_resources() if resource.tags}


def _deleting(response: BaseResponse, call: Any) -> Any:
    """Run a deleting call, remembering the tagged resources it removed."""
    account, region = response.current_account, response.region
    before = _tagged(account, region)
    try:
        return call()
    finally:
        gone = before.keys() - _tagged(account, region).keys()
        if gone:
            until = time.monotonic() + TAGGING_LISTING.seconds()
            with _lock:
                _deleted.setdefault((account, region), {}).update({arn: (before[arn], until) for arn in gone})


def _call_action(self: BaseResponse) -> Any:
    try:
        action = self._get_action()
    except Exception:  # a request moto itself cannot name is moto's to answer
        return _original["call"](self)
    if action not in DELETIONS:
        return _original["call"](self)
    return _deleting(self, lambda: _original["call"](self))


def _delete_bucket(self: S3Response) -> Any:
    return _deleting(self, lambda: _original["s3"](self))


def _listing(self: ResourceGroupsTaggingAPIBackend, tag_filters: list[dict[str, Any]] | None = None,
             resource_type_filters: list[str] | None = None,
             resource_arn_list: list[str] | None = None) -> Iterator[TaggedResource]:
    listed = set()
    for resource in _original["listing"](self, tag_filters=tag_filters, resource_type_filters=resource_type_filters,
                                         resource_arn_list=resource_arn_list):
        listed.add(resource.arn)
        yield resource
    now, matches = time.monotonic(), make_tag_matcher(tag_filters)
    with _lock:
        recent = _deleted.get((self.account_id, self.region_name), {})
        for arn in [arn for arn, (_, until) in recent.items() if until <= now]:
            del recent[arn]
        lagging = [resource for resource, _ in recent.values()]
    for resource in lagging:
        if (resource.arn not in listed and match_resource_type(resource.resource_type, resource_type_filters)
                and matches(resource.tags) and (not resource_arn_list or resource.arn in resource_arn_list)):
            yield resource


_replacements = Replacements((BaseResponse, "call_action", _call_action), (S3Response, "delete_bucket", _delete_bucket),
                             (ResourceGroupsTaggingAPIBackend, "_get_resources_generator", _listing))
install = _replacements.install


def uninstall() -> None:
    _replacements.uninstall()
    with _lock:
        _deleted.clear()
