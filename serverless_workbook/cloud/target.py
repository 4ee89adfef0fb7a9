"""Where the labs deploy: the local cloud (default) or a real AWS account (explicit opt-in).

    target = connect()          # local: moto in this kernel, with the gap fillers
    s3 = target.client("s3")

A real account is used only when WORKBOOK_TARGET=aws is set AND
WORKBOOK_AWS_ACCOUNT_ID names the account the credentials belong to.

WORKBOOK_TARGET=local-server is the AWS-shaped rehearsal: moto over HTTP, in the
region WORKBOOK_AWS_REGION names and the account MOTO_ACCOUNT_ID names, so code
that assumes us-east-1 or moto's default account fails here rather than on AWS.
"""
from __future__ import annotations

import atexit
import os
import sys
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from serverless_workbook import localcloud
from serverless_workbook.common import aws_sessions, process_environment
from serverless_workbook.models import costs
from serverless_workbook.localcloud.mediaconvert import JobStore
from serverless_workbook.localcloud.server import LocalServer

TARGET_VARIABLE = "WORKBOOK_TARGET"
ACCOUNT_VARIABLE = "WORKBOOK_AWS_ACCOUNT_ID"
REGION_VARIABLE = "WORKBOOK_AWS_REGION"
LOCAL_REGION = "us-east-1"
TARGETS = ("local", "local-server", "aws")
# moto accepts any credentials; these keep boto3 from looking for real ones.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": LOCAL_REGION,
}
# Presigned URLs must work in every region: new buckets refuse SigV2, and the global host
# (bucket.s3.amazonaws.com) redirects outside us-east-1, after which the signature no longer matches.
# SigV4 for the regional virtual-hosted host, us-east-1's too (s3.us-east-1.amazonaws.com, not the global
# host); an IP endpoint (the local server) stays path-style.
S3_CONFIG = Config(signature_version="s3v4",
                   s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"})
# AWS lists the regions of each service in public SSM parameters (Systems Manager User Guide, "Querying for AWS
# Regions, endpoints, and more using Parameter Store": https://docs.aws.amazon.com/systems-manager/latest/userguide/
# parameter-store-public-parameters-global-infrastructure.html); moto carries a copy of them.
MEDIACONVERT_REGIONS = "/aws/service/global-infrastructure/services/mediaconvert/regions"
OPT_IN_HELP = (
    f"To use a real AWS account, set {TARGET_VARIABLE}=aws and {ACCOUNT_VARIABLE}=<your 12-digit account id> "
    f"(optionally {REGION_VARIABLE}), with credentials for that account, then call connect() again."
)


class TargetError(RuntimeError):
    pass


@dataclass
class Target:
    name: str
    account_id: str
    region: str
    session: boto3.session.Session
    endpoint_url: str | None = None
    jobs: JobStore | None = None
    closed: bool = False
    _stop: list[Any] = field(default_factory=list, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_local(self) -> bool:
        return self.name != "aws"

    # botocore copies os.environ while it makes a client, key by key; on the local cloud a handler may be
    # changing it on another thread (an SQS poller's delivery) and a key it removes fails the copy (KeyError).
    # Making a client takes about 20 ms (it loads and builds the service model), and labs ask for thousands:
    # one client per service is shared, as boto3's clients may be across threads. A client with options of
    # its own (a config, another region) is made anew each time.
    def client(self, service: str, **kwargs: Any) -> Any:
        if not kwargs and service in self._clients:
            return self._clients[service]
        with process_environment.lock:
            client = self.session.client(service, endpoint_url=self.endpoint_url, **_configured(service, kwargs))
        if not kwargs:
            self._clients[service] = client
        return client

    def resource(self, service: str, **kwargs: Any) -> Any:
        with process_environment.lock:
            return self.session.resource(service, endpoint_url=self.endpoint_url, **_configured(service, kwargs))

    def create_bucket(self, name: str) -> None:
        """Create a bucket in this target's region: S3 refuses a request to a regional endpoint without the
        matching LocationConstraint, and refuses us-east-1 as a constraint."""
        # A bucket made outside a stack (a chapter's experiment) is also a first deploy that the cost confirmation guards.
        costs.require_confirmation(self, name)
        location = {} if self.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": self.region}}
        self.client("s3").create_bucket(Bucket=name, **location)

    def wait_for_jobs(self, timeout: float = 120) -> None:
        """Wait until the local MediaConvert has no job left to run and the local SQS pollers have delivered
        what those jobs' events queued (no-op on AWS)."""
        if self.jobs is not None and not self.jobs.wait_idle(timeout):
            raise TimeoutError(f"MediaConvert jobs still running after {timeout} s")
        if self.is_local:
            localcloud.sqs_poller.wait_delivered(timeout)

    def is_idle(self) -> bool:
        """The local cloud has nothing left running that could change what it holds: no MediaConvert job, no SQS
        message waiting for its poller, no asynchronous invocation waiting for room under its function's reserved
        concurrency (Lambda, S3, SNS and EventBridge otherwise deliver synchronously). Never on AWS."""
        return (self.jobs is not None and self.jobs.idle.is_set() and localcloud.sqs_poller.delivered()
                and localcloud.lambda_concurrency.waiting_events() == 0)

    def close(self) -> None:
        """Stop the local cloud and forget everything in it; its clients refuse every request from then on."""
        try:
            while self._stop:
                self._stop.pop()()
        finally:
            self.closed = True

    def _refuse_when_closed(self, **_: Any) -> None:
        # Once moto stops patching botocore, a closed in-process cloud's clients would call AWS's real endpoints.
        if self.closed:
            raise TargetError("This local cloud was closed (target.close()), and everything in it is gone. Run the "
                              "notebook again from its first cell to connect to a new one.")

    def __str__(self) -> str:
        where = {"local": "local cloud (moto, in this kernel)", "local-server": "local cloud (moto server over HTTP)",
                 "aws": "AWS"}[self.name]
        account = self.account_id if self.is_local else masked(self.account_id)
        return f"Target: {where} | account {account} | region {self.region}"


def masked(account_id: str) -> str:
    """The account id as notebooks print it on AWS: enough to recognise, not enough to publish."""
    return "*" * 8 + account_id[-4:]


class _MaskingStream:
    """A kernel's stdout or stderr with the account id masked in everything written to it."""

    def __init__(self, stream: Any, account_id: str) -> None:
        self._stream, self._account_id = stream, account_id

    def write(self, text: str) -> int:
        return self._stream.write(text.replace(self._account_id, masked(self._account_id)))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def mask_outputs(shell: Any, account_id: str) -> None:
    """Mask the real account's id in what the notebook prints, displays and reports as an error.

    A learner who commits an executed notebook would otherwise publish it: in ARNs, bucket names, queue
    URLs, the target line, a failed deploy's reasons. Printed text (stdout, stderr), displayed values
    (text/plain, text/html) and errors (their message and traceback) are masked; the id stays usable in
    the kernel itself.
    """
    def mask(text: str) -> str:
        return text.replace(account_id, masked(account_id))

    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, _MaskingStream):
            setattr(sys, name, _MaskingStream(stream, account_id))
    formatter = shell.display_formatter
    if getattr(formatter.format, "masks_account", None) == account_id:
        return
    original_format, original_traceback = formatter.format, shell._showtraceback

    def format(obj: Any, include: Any = None, exclude: Any = None) -> tuple[dict[str, Any], dict[str, Any]]:
        data, metadata = original_format(obj, include=include, exclude=exclude)
        return {kind: mask(value) if isinstance(value, str) else value for kind, value in data.items()}, metadata

    def show_traceback(etype: type, evalue: BaseException, stb: list[str]) -> Any:
        # The kernel sends str(evalue) as the error's message: hand it the masked text instead.
        return original_traceback(etype, _MaskedText(mask(str(evalue))), [mask(line) for line in stb])

    format.masks_account = account_id  # type: ignore[attr-defined]
    formatter.format = format
    shell._showtraceback = show_traceback


@dataclass(frozen=True)
class _MaskedText:
    text: str

    def __str__(self) -> str:
        return self.text


def _configured(service: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    """S3 clients sign as S3_CONFIG says, unless the caller's own config says otherwise."""
    if service != "s3":
        return kwargs
    config = kwargs.get("config")
    return {**kwargs, "config": S3_CONFIG.merge(config) if config else S3_CONFIG}


def connect(name: str | None = None, *, concurrent_lambdas: bool = False) -> Target:
    """Return the target named by the argument or WORKBOOK_TARGET (default "local") and print it.

    concurrent_lambdas (local-server only) runs independent invocations at the same time, each in a
    process of its own, as Lambda does; by default the local cloud runs one handler at a time.
    """
    name = name or os.environ.get(TARGET_VARIABLE, "local")
    if name not in TARGETS:
        raise TargetError(f"Unknown target {name!r}; choose one of {', '.join(TARGETS)}. {OPT_IN_HELP}")
    if concurrent_lambdas and name == "local":
        raise TargetError("concurrent_lambdas runs handlers in processes of their own, which reach the local cloud "
                          "over HTTP: use connect('local-server', concurrent_lambdas=True)")
    target = _connect_aws() if name == "aws" else _connect_local(server=name == "local-server",
                                                                  concurrent_lambdas=concurrent_lambdas)
    print(target)
    return target


def connect_concurrent() -> Target:
    """A target whose Lambda invocations run side by side, each in an environment of its own with the CPU its
    memory buys: the local cloud in concurrent mode, or a real account when WORKBOOK_TARGET=aws opts in."""
    if os.environ.get(TARGET_VARIABLE, "local") == "aws":
        return connect("aws")
    return connect("local-server", concurrent_lambdas=True)


def _connect_local(server: bool, concurrent_lambdas: bool = False) -> Target:
    region = (os.environ.get(REGION_VARIABLE) or LOCAL_REGION) if server else LOCAL_REGION
    saved = {key: os.environ.get(key) for key in FAKE_CREDENTIALS}
    os.environ.update(FAKE_CREDENTIALS, AWS_DEFAULT_REGION=region)
    stop = [lambda: _restore_environment(saved)]
    endpoint_url = None
    if server:
        local_server = LocalServer()
        endpoint_url = local_server.start()
        stop.append(local_server.stop)
    else:
        from moto import mock_aws

        mock = mock_aws()
        mock.start()
        stop.append(mock.stop)
    jobs = localcloud.install(endpoint_url, concurrent_lambdas=concurrent_lambdas)
    stop.append(lambda: _uninstall(jobs))
    stop.append(jobs.wait_idle)
    session = aws_sessions.session(region_name=region)
    account = session.client("sts", endpoint_url=endpoint_url).get_caller_identity()["Account"]
    target = Target("local-server" if server else "local", account, region, session, endpoint_url, jobs, _stop=stop)
    # Every client made from the session from now on (each copies its handlers) asks first.
    session.events.register("before-send", target._refuse_when_closed)
    if server:
        try:
            _check_mediaconvert_region(target)
        except TargetError:
            target.close()
            raise
    # A notebook kernel rarely calls close(); this still removes the unzipped code folders when it exits.
    atexit.register(target.close)
    return target


def _uninstall(jobs: JobStore) -> None:
    # The gap fillers and MediaConvert's job store belong to the process, shared by the local targets open in it:
    # the last one to close removes them.
    if localcloud.uninstall():
        jobs.clear()


def _restore_environment(saved: dict[str, str | None]) -> None:
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _connect_aws() -> Target:
    if os.environ.get(TARGET_VARIABLE) != "aws":
        raise TargetError(f"The real AWS account is only used when you opt in. {OPT_IN_HELP}")
    expected = os.environ.get(ACCOUNT_VARIABLE, "").strip()
    if not expected:
        raise TargetError(f"{ACCOUNT_VARIABLE} is not set. {OPT_IN_HELP}")
    session = aws_sessions.session(region_name=os.environ.get(REGION_VARIABLE) or None)
    region = session.region_name or LOCAL_REGION
    session = aws_sessions.session(region_name=region)
    actual = session.client("sts").get_caller_identity()["Account"]
    if actual != expected:
        raise TargetError(
            f"Your credentials belong to account {masked(actual)}, but {ACCOUNT_VARIABLE} names {masked(expected)} "
            "(the last four digits are shown, so that a saved notebook does not publish the ids). "
            "Nothing was created. Fix the variable or the credentials."
        )
    target = Target("aws", actual, region, session)
    _check_mediaconvert_region(target)
    shell = _ipython()
    if shell is not None:
        mask_outputs(shell, actual)
    return target


def _ipython() -> Any:
    """The IPython shell this runs in (a notebook kernel), or None (a script, the clean-up CLI)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _check_mediaconvert_region(target: Target) -> None:
    """Refuse a region without MediaConvert, which labs 2 and 3 transcode with, before anything is created."""
    ssm = target.client("ssm")
    try:
        regions = sorted(parameter["Value"]
                         for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=MEDIACONVERT_REGIONS)
                         for parameter in page["Parameters"])
    except ClientError as error:
        print(f"Could not check that MediaConvert is offered in {target.region} ({error.response['Error']['Code']} "
              f"on ssm:GetParametersByPath); labs 2 and 3 need it.")
        return
    if target.region not in regions:
        raise TargetError(f"MediaConvert, which labs 2 and 3 use, is not offered in {target.region}. Set "
                          f"{REGION_VARIABLE} to one of: {', '.join(regions)}. Nothing was created.")
