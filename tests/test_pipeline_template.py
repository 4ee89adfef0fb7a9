"""The pipeline template: cfn-lint clean, least-privilege IAM, private encrypted buckets."""
from pathlib import Path

import cfnlint.api
import pytest

from serverless_workbook.localcloud.cloudformation import load_template

TEMPLATE = Path(__file__).resolve().parents[1] / "templates" / "video-pipeline.yaml"


@pytest.fixture(scope="module")
def resources():
    return load_template(TEMPLATE.read_text())["Resources"]


def statements(resources):
    for name, resource in resources.items():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                for statement in policy["PolicyDocument"]["Statement"]:
                    yield name, statement


def as_list(value):
    return value if isinstance(value, list) else [value]


def test_cfn_lint_passes():
    assert cfnlint.api.lint_file(TEMPLATE) == []


def test_no_wildcard_actions(resources):
    for role, statement in statements(resources):
        for action in as_list(statement["Action"]):
            assert "*" not in action, f"{role} allows {action}"


def test_no_wildcard_resources(resources):
    for role, statement in statements(resources):
        for resource in as_list(statement["Resource"]):
            assert resource != "*", f"{role} grants {statement['Action']} on every resource"


def test_buckets_are_private_and_encrypted(resources):
    buckets = {n: r["Properties"] for n, r in resources.items() if r["Type"] == "AWS::S3::Bucket"}
    assert buckets
    for name, props in buckets.items():
        assert all(props["PublicAccessBlockConfiguration"].values()), name
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"], name
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}], name
