"""boto3 sessions that read AWS's service descriptions once per process, however many sessions it makes.

Each new boto3 session parses botocore's endpoint and service JSON files again (about 0.1 s per session and
client on these machines); the local cloud makes one per target, per job role, per Lambda sandbox. Sessions
made here share one botocore data loader, whose cache keeps what was parsed.
"""
from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session


@functools.cache
def _loader() -> botocore.loaders.Loader:
    return botocore.loaders.create_loader()


def session(**kwargs: Any) -> boto3.session.Session:
    """boto3.session.Session(**kwargs), reading through the process's shared loader."""
    core = botocore.session.get_session()
    core.register_component("data_loader", _loader())
    return boto3.session.Session(botocore_session=core, **kwargs)
