"""boto3 sessions that read AWS's service descriptions once per process, however many sessions it makes.

Each new boto3 session parses botocore's endpoint and service JSON files again (about 0.1 s per session and
client on these machines); the local cloud makes one per target, per job role, per Lambda sandbox, and moto one
more per service it sets up (three at import alone). share_parsed_descriptions() makes every botocore session
of the process read through one data loader, whose cache keeps what was parsed.
"""
from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session

_create_loader = botocore.loaders.create_loader


@functools.cache
def _loader(search_path: str | None) -> botocore.loaders.Loader:
    return _create_loader(search_path)


def _shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
    return _loader(search_path_string or None)


def share_parsed_descriptions() -> None:
    """Make every botocore session made from now on in this process share one loader (per data path): called
    before moto is imported, whose services make sessions of their own. botocore.session holds its own name for
    the function."""
    botocore.loaders.create_loader = botocore.session.create_loader = _shared_loader


def session(**kwargs: Any) -> boto3.session.Session:
    """boto3.session.Session(**kwargs), reading through the process's shared loader."""
    share_parsed_descriptions()
    return boto3.session.Session(**kwargs)
