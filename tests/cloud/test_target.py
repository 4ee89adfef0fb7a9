"""connect(): local by default, a real account only on explicit opt-in checked against STS."""
import os
import threading

import pytest
from moto import mock_aws

from serverless_workbook.cloud import load_runs, stacks
from serverless_workbook.cloud.target import ACCOUNT_VARIABLE, TARGET_VARIABLE, TargetError, connect
from serverless_workbook.common.registry import ROOT
from processes import pids_whose_cmdline_mentions


@pytest.fixture(autouse=True)
def no_opt_in(monkeypatch):
    monkeypatch.delenv(TARGET_VARIABLE, raising=False)
    monkeypatch.delenv(ACCOUNT_VARIABLE, raising=False)


def test_default_is_the_local_cloud_and_prints_one_line(capsys):
    target = connect()
    try:
        assert capsys.readouterr().out == (
            "Target: local cloud (moto, in this kernel) | account 123456789012 | region us-east-1\n"
        )
        assert target.is_local and target.region == "us-east-1"
        assert target.client("s3").list_buckets()["Buckets"] == []
    finally:
        target.close()


def test_close_forgets_the_fake_credentials():
    before = os.environ.get("AWS_ACCESS_KEY_ID")
    connect().close()
    assert os.environ.get("AWS_ACCESS_KEY_ID") == before


@pytest.mark.parametrize("name", ["local", "local-server"])
def test_a_closed_local_cloud_refuses_every_request_instead_of_calling_aws(name):
    target = connect(name)
    s3 = target.client("s3")
    target.close()
    # Made before the close or after it: once moto stops, the in-process cloud's would call AWS's real endpoints.
    for call in (s3.list_buckets, lambda: list(target.resource("dynamodb").tables.all())):
        with pytest.raises(TargetError, match=r"This local cloud was closed \(target.close\(\)\)"):
            call()


def invoke_a_function(target, stack):
    """Chapter 6's bare function deployed as `stack` and invoked once: its REPORT line."""
    outputs = stacks.deploy(target, stack, ROOT / "templates" / "lambda-performance.yaml", progress=False,
                            code={"DemoCodeKey": ROOT / "functions" / "tuning_demo"})
    return load_runs.invoke(target.client("lambda"), outputs["BareFunctionName"], {"rounds": 10})


def test_closing_one_local_cloud_leaves_another_still_open_working():
    first, second = connect("local"), connect("local")  # the connect cell run twice, say
    try:
        first.close()
        # Run by the local runtime, as before the first closed (moto alone would need Docker).
        assert invoke_a_function(second, "two-targets").duration_ms > 0
        assert "sqs-pollers" in [thread.name for thread in threading.enumerate()]
    finally:
        second.close()
    assert "sqs-pollers" not in [thread.name for thread in threading.enumerate()], "the last close left the gap fillers"


def sandbox_processes():
    """This process's Lambda sandbox processes."""
    return pids_whose_cmdline_mentions("lambda_sandbox", parent=os.getpid())


def test_connecting_again_ends_the_sandboxes_of_the_first_connection():
    first = connect("local-server", concurrent_lambdas=True)
    try:
        invoke_a_function(first, "reconnect")
        assert len(sandbox_processes()) == 1
        second = connect("local-server", concurrent_lambdas=True)  # the connect cell run again
        assert sandbox_processes() == []
        second.close()
    finally:
        first.close()
    assert sandbox_processes() == []


def test_aws_without_the_environment_variable_explains_how_to_opt_in():
    with pytest.raises(TargetError, match=f"set {TARGET_VARIABLE}=aws and {ACCOUNT_VARIABLE}="):
        connect("aws")


def test_aws_without_the_account_id_is_refused(monkeypatch):
    monkeypatch.setenv(TARGET_VARIABLE, "aws")
    with pytest.raises(TargetError, match=f"{ACCOUNT_VARIABLE} is not set"):
        connect()


def test_unknown_target_is_refused(monkeypatch):
    monkeypatch.setenv(TARGET_VARIABLE, "staging")
    with pytest.raises(TargetError, match="Unknown target 'staging'"):
        connect()


# moto's STS stands in for the real one: it answers get_caller_identity with 123456789012.
@mock_aws
def test_aws_with_a_different_account_is_refused_before_anything_is_created(monkeypatch):
    monkeypatch.setenv(TARGET_VARIABLE, "aws")
    monkeypatch.setenv(ACCOUNT_VARIABLE, "999999999999")
    with pytest.raises(TargetError, match=r"belong to account \*{8}9012, but WORKBOOK_AWS_ACCOUNT_ID names \*{8}9999"):
        connect()


@mock_aws
def test_aws_with_the_matching_account_is_accepted(monkeypatch, capsys):
    monkeypatch.setenv(TARGET_VARIABLE, "aws")
    monkeypatch.setenv(ACCOUNT_VARIABLE, "123456789012")
    monkeypatch.setenv("WORKBOOK_AWS_REGION", "eu-west-1")
    target = connect()
    assert not target.is_local and target.endpoint_url is None
    assert capsys.readouterr().out == "Target: AWS | account ********9012 | region eu-west-1\n"


def test_the_local_server_takes_the_region_and_account_it_is_given(monkeypatch, capsys):
    # The AWS-shaped rehearsal: what assumes us-east-1 or moto's default account fails here, not on AWS.
    monkeypatch.setenv(TARGET_VARIABLE, "local-server")
    monkeypatch.setenv("WORKBOOK_AWS_REGION", "eu-west-1")
    monkeypatch.setenv("MOTO_ACCOUNT_ID", "210987654321")
    target = connect()
    try:
        assert capsys.readouterr().out == (
            "Target: local cloud (moto server over HTTP) | account 210987654321 | region eu-west-1\n")
        target.create_bucket("rehearsal")
        assert target.client("s3").get_bucket_location(Bucket="rehearsal")["LocationConstraint"] == "eu-west-1"
        url = target.client("s3").generate_presigned_url("get_object", Params={"Bucket": "rehearsal", "Key": "a"})
        assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in url and "%2Feu-west-1%2Fs3%2F" in url
    finally:
        target.close()


def test_a_region_without_mediaconvert_is_refused_with_the_regions_that_have_it(monkeypatch):
    monkeypatch.setenv(TARGET_VARIABLE, "local-server")
    monkeypatch.setenv("WORKBOOK_AWS_REGION", "il-central-1")
    with pytest.raises(TargetError, match=r"not offered in il-central-1\. Set WORKBOOK_AWS_REGION to one of: "
                                          r"af-south-1, .*eu-west-1, .*us-west-2\. Nothing was created"):
        connect()


@mock_aws
def test_aws_in_a_region_without_mediaconvert_is_refused(monkeypatch):
    monkeypatch.setenv(TARGET_VARIABLE, "aws")
    monkeypatch.setenv(ACCOUNT_VARIABLE, "123456789012")
    monkeypatch.setenv("WORKBOOK_AWS_REGION", "il-central-1")
    with pytest.raises(TargetError, match="MediaConvert, which labs 2 and 3 use, is not offered in il-central-1"):
        connect()


def test_a_real_accounts_id_is_masked_in_what_a_notebook_prints_and_displays(monkeypatch):
    """A learner who commits an executed notebook must not publish the account id: stdout, stderr and
    displayed values (an ARN in a dict, a bucket name) show only its last four digits."""
    import io
    import sys
    from types import SimpleNamespace

    from serverless_workbook.cloud.target import mask_outputs

    out, err = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    errors = []
    shell = SimpleNamespace(display_formatter=SimpleNamespace(
        format=lambda obj, include=None, exclude=None: ({"text/plain": repr(obj), "image/png": b"123456789012"}, {})),
        _showtraceback=lambda etype, evalue, stb: errors.append((etype, str(evalue), stb)))
    mask_outputs(shell, "123456789012")
    mask_outputs(shell, "123456789012")  # a second connect() in the same kernel wraps nothing twice
    print("arn:aws:s3:::lab03-pipeline-uploads-123456789012")
    print("account 123456789012", file=sys.stderr)
    data, _ = shell.display_formatter.format({"queue": "https://sqs.eu-west-1.amazonaws.com/123456789012/q"})
    assert out.getvalue() == "arn:aws:s3:::lab03-pipeline-uploads-********9012\n"
    assert err.getvalue() == "account ********9012\n"
    assert data == {"text/plain": "{'queue': 'https://sqs.eu-west-1.amazonaws.com/********9012/q'}",
                    "image/png": b"123456789012"}
    shell._showtraceback(RuntimeError, RuntimeError("arn:aws:iam::123456789012:role/x failed"),
                         ["RuntimeError: arn:aws:iam::123456789012:role/x failed"])
    assert errors == [(RuntimeError, "arn:aws:iam::********9012:role/x failed",
                       ["RuntimeError: arn:aws:iam::********9012:role/x failed"])]
