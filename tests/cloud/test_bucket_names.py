"""A pipeline's bucket names are new for each created stack, and kept by updates (S3 can refuse a name deleted hours
before: OperationAborted, 409)."""
import re

import pytest

from serverless_workbook.cloud import stacks
from serverless_workbook.cloud.target import connect
from serverless_workbook.workspaces import catalogue


@pytest.fixture
def server():
    target = connect("local-server")
    yield target
    target.close()


def deploy(target):
    return stacks.deploy(target, "names", catalogue.PIPELINE_TEMPLATE, code=catalogue.PIPELINE_CODE, progress=False)


def test_each_created_stack_names_its_buckets_anew_and_an_update_keeps_them(server):
    first = deploy(server)
    suffix = re.fullmatch(r"names-uploads-([0-9a-f]{12})", first["UploadBucketName"]).group(1)
    assert first["TranscodedBucketName"] == f"names-transcoded-{suffix}"
    assert server.account_id not in first["UploadBucketName"]
    assert deploy(server)["UploadBucketName"] == first["UploadBucketName"]  # an update: the same buckets
    stacks.teardown(server, "names")
    again = deploy(server)
    assert again["UploadBucketName"] != first["UploadBucketName"]  # re-created right after its deletion
    stacks.teardown(server, "names")


def test_a_stack_deployed_before_the_suffix_keeps_its_account_named_buckets(server, tmp_path):
    """Updating a stack whose template had no BucketSuffix must not replace (and so empty) its buckets."""
    old = catalogue.PIPELINE_TEMPLATE.read_text().replace("${BucketSuffix}", "${AWS::AccountId}")
    old_path = tmp_path / "video-pipeline.yaml"
    old_path.write_text(old.replace("  BucketSuffix:\n    Type: String\n", "  Unused:\n    Type: String\n    Default: x\n"))
    try:
        before = stacks.deploy(server, "names", old_path, code=catalogue.PIPELINE_CODE, progress=False)
        assert before["UploadBucketName"] == f"names-uploads-{server.account_id}"
        assert deploy(server)["UploadBucketName"] == before["UploadBucketName"]
    finally:
        stacks.teardown(server, "names")


def test_the_in_kernel_local_cloud_keeps_its_names_from_run_to_run():
    """It starts empty in each kernel, so nothing is re-created there; saved outputs print its bucket names."""
    target = connect("local")
    try:
        assert deploy(target)["UploadBucketName"] == "names-uploads-123456789012"
    finally:
        target.close()
