"""What lab checks observe of a learner's code beyond its return value.

    with lab_probes.http_log(budget=40) as log:
        all_videos(2)
    log.sent("GET", url_prefix)        the requests the code sent through `requests`, with their answers

The local cloud does not check S3 signatures, nor count requests, so a check that wants to
know *how* the bytes were fetched (through a presigned URL) or how a list was walked (page
by page, each nextToken sent back) looks at the requests themselves. A budget stops a loop
that never ends (a nextToken never sent back) with a message, instead of a silent wait.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any, Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import requests

# Query parameters of a presigned S3 URL: SigV4, then the older SigV2.
SIGNATURES = ("X-Amz-Signature", "Signature")
EXPIRIES = ("X-Amz-Expires", "Expires")


class TooManyRequests(RuntimeError):
    """The code under test sent more requests than the check allows."""


@dataclass(frozen=True)
class Exchange:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes
    status: int
    content: bytes

    @property
    def query(self) -> dict[str, str]:
        return {name: values[-1] for name, values in parse_qs(urlsplit(self.url).query).items()}

    @property
    def path(self) -> str:
        return unquote(urlsplit(self.url).path)


@dataclass
class HttpLog:
    budget: int
    exchanges: list[Exchange] = field(default_factory=list)

    def sent(self, method: str, url_prefix: str = "") -> list[Exchange]:
        return [e for e in self.exchanges if e.method == method and e.url.startswith(url_prefix)]


def presigned(url: str) -> bool:
    """Whether a URL carries a signature and an expiry in its query, as a presigned S3 URL does."""
    query = parse_qs(urlsplit(url).query)
    return any(name in query for name in SIGNATURES) and any(name in query for name in EXPIRIES)


def expires_in(url: str) -> int | None:
    """The lifetime a SigV4 presigned URL states, in seconds."""
    value = parse_qs(urlsplit(url).query).get("X-Amz-Expires", [None])[0]
    return int(value) if value and value.isdigit() else None


@contextlib.contextmanager
def http_log(budget: int = 50) -> Iterator[HttpLog]:
    """Record every request sent through `requests` (and its answer) while the block runs."""
    log = HttpLog(budget)
    original = requests.Session.send

    def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if len(log.exchanges) >= budget:
            raise TooManyRequests(f"more than {budget} requests sent; the last was {request.method} {request.url}")
        response = original(session, request, **kwargs)
        body = request.body if isinstance(request.body, bytes) else (request.body or "").encode()
        log.exchanges.append(Exchange(request.method, request.url, dict(request.headers), body,
                                      response.status_code, response.content))
        return response

    requests.Session.send = send
    try:
        yield log
    finally:
        requests.Session.send = original


_SUB = re.compile(r"\$\{([^}]+)\}")


def resolve(value: Any, names: dict[str, str]) -> Any:
    """A template value with Ref and Fn::Sub / Fn::Join over `names` (pseudo parameters, parameters) resolved.

    What cannot be resolved (a GetAtt, an unknown name) stays as it is, so comparing the
    result with a resolved expectation fails instead of guessing.
    """
    if isinstance(value, dict) and len(value) == 1:
        [(function, argument)] = value.items()
        if function == "Ref" and argument in names:
            return names[argument]
        if function == "Fn::Sub" and isinstance(argument, str):
            unresolved = [n for n in _SUB.findall(argument) if n not in names]
            return value if unresolved else _SUB.sub(lambda m: names[m.group(1)], argument)
        if function == "Fn::Join" and isinstance(argument, list) and len(argument) == 2:
            parts = [resolve(part, names) for part in argument[1]]
            return argument[0].join(parts) if all(isinstance(p, str) for p in parts) else value
    return value
