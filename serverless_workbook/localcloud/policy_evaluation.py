"""Whether IAM policies allow a request, by the evaluation logic AWS documents, for the parts the labs use.

AWS's rules (IAM User Guide, "Policy evaluation logic":
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html): a request is
denied unless a statement allows it, and an explicit Deny anywhere wins over every Allow. Within one account,
an Allow in the caller's identity policies or in the resource's policy is enough.

Evaluated: Effect; Action and NotAction (case-insensitive, with * and ?); Resource and NotResource (with * and
?); Principal ("*", AWS account ids and ARNs, service principals); Condition with the String, Arn and Bool
operators, Null, and their IfExists forms: several values of one key match when any does, keys and operators
all have to match.

Not evaluated: NotPrincipal, numeric, date and IP operators, ForAllValues/ForAnyValue, policy variables,
permission boundaries, session policies and SCPs. A statement that uses one of them never allows, and a Deny
that uses one always applies, so what is not evaluated refuses, never grants: on AWS such a policy may do
more, never less. moto has a matcher of its own (moto.iam.access_control) that is not used here: it ignores
the condition operators it does not know (so they grant), reads a service principal as no principal, and
matches "." in an ARN as any character.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable

ALLOWED, EXPLICIT_DENY, IMPLICIT_DENY = "allowed", "explicitly denied", "implicitly denied"


@dataclass(frozen=True)
class Request:
    """What is asked: `principal` as a policy names one, {"Service": ...} or {"AWS": arn}."""

    action: str
    resource: str
    principal: dict[str, str] = field(default_factory=dict)
    context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    outcome: str  # ALLOWED, EXPLICIT_DENY or IMPLICIT_DENY
    statement: str = ""  # the deciding statement's Sid, when it has one

    @property
    def allowed(self) -> bool:
        return self.outcome == ALLOWED


def decide(policies: Iterable[dict[str, Any] | str], request: Request) -> Decision:
    """Evaluate every statement of every policy (documents or their JSON text) against the request."""
    allowing = None
    for policy in policies:
        document = json.loads(policy) if isinstance(policy, str) else policy
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            applies = _applies(statement, request)
            if statement.get("Effect") == "Deny" and applies is not False:
                return Decision(EXPLICIT_DENY, statement.get("Sid", ""))
            if statement.get("Effect") == "Allow" and applies is True and allowing is None:
                allowing = Decision(ALLOWED, statement.get("Sid", ""))
    return allowing or Decision(IMPLICIT_DENY)


def _applies(statement: dict[str, Any], request: Request) -> bool | None:
    """True when the statement covers the request, False when not, None when it uses what is not evaluated."""
    if "NotPrincipal" in statement:
        return None
    checks = [
        _covered(statement, "Action", request.action, case_sensitive=False),
        _covered(statement, "Resource", request.resource, case_sensitive=True),
        _principal_matches(statement["Principal"], request.principal) if "Principal" in statement else True,
    ]
    if False in checks:
        return False
    condition = _conditions_hold(statement.get("Condition", {}), request.context)
    return condition if condition is not True else all(checks)


def _covered(statement: dict[str, Any], element: str, value: str, case_sensitive: bool) -> bool:
    if element in statement:
        return any(_wildcard(pattern, value, case_sensitive) for pattern in _values(statement[element]))
    if f"Not{element}" in statement:
        return not any(_wildcard(pattern, value, case_sensitive) for pattern in _values(statement[f"Not{element}"]))
    # A resource policy's statement names no Resource of its own: it is about the resource it is attached to.
    return element == "Resource"


def _principal_matches(named: Any, principal: dict[str, str]) -> bool:
    if named == "*":
        return True
    for kind, values in named.items():
        for value in _values(values):
            if kind == "AWS" and value == "*":
                return True
            asked = principal.get(kind, "")
            if kind == "AWS" and re.fullmatch(r"\d{12}", value):
                value = f"arn:aws:iam::{value}:root"
            if asked and (asked == value or (value.endswith(":root") and asked.split(":")[4] == value.split(":")[4])):
                return True
    return False


_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}
_KNOWN = _NEGATED | {"StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "Bool", "Null"}


def _conditions_hold(conditions: dict[str, dict[str, Any]], context: dict[str, str]) -> bool | None:
    for operator, keys in conditions.items():
        base = operator.removesuffix("IfExists")
        if base not in _KNOWN:
            return None
        for key, expected in keys.items():
            actual = next((value for name, value in context.items() if name.lower() == key.lower()), None)
            if base == "Null":
                holds = (actual is None) == (str(expected).lower() == "true")
            elif actual is None:
                holds = operator.endswith("IfExists") or base in _NEGATED
            else:
                holds = _compare(base, [str(value) for value in _values(expected)], actual)
            if not holds:
                return False
    return True


def _compare(operator: str, expected: list[str], actual: str) -> bool:
    negated = operator in _NEGATED
    positive = operator.replace("Not", "", 1) if negated else operator
    if positive in ("StringEquals", "ArnEquals"):
        matched = actual in expected
    elif positive == "StringEqualsIgnoreCase":
        matched = actual.lower() in {value.lower() for value in expected}
    elif positive in ("StringLike", "ArnLike"):
        matched = any(_wildcard(value, actual, case_sensitive=True) for value in expected)
    else:  # Bool
        matched = actual.lower() in {value.lower() for value in expected}
    return not matched if negated else matched


def _values(element: Any) -> list[Any]:
    return element if isinstance(element, list) else [element]


def _wildcard(pattern: str, value: str, case_sensitive: bool) -> bool:
    return _compiled(pattern, case_sensitive).fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    # IAM's wildcards are * and ? only: every other character, [ and . included, stands for itself.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, 0 if case_sensitive else re.IGNORECASE)
