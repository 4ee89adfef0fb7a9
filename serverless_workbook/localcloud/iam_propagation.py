"""A new IAM role is not assumable at once: Lambda refuses a function whose role was created a moment ago.

"If you create a role and immediately try to use it with Lambda, you might receive an error that the role
cannot be assumed by Lambda" (IAM User Guide, "Changes that I make are not always immediately visible":
https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency).
moto accepts the role at once. Here CreateFunction answers AWS's InvalidParameterValueException while the
role is younger than delays.ROLE_PROPAGATION, so a script that creates a role and then its function without
retrying fails here as it may there. CloudFormation retries by itself on AWS, and moto's CloudFormation
creates functions without this API call, so stacks are unaffected, as on AWS.
"""
from __future__ import annotations

from typing import Any

from moto.awslambda.exceptions import InvalidParameterValueException
from moto.awslambda.responses import LambdaResponse
from moto.core.utils import utcnow
from moto.iam.exceptions import NotFoundException
from moto.iam.models import iam_backends

from serverless_workbook.localcloud.delays import ROLE_PROPAGATION
from serverless_workbook.localcloud.patching import Replacements

PARTITION = "aws"
# Lambda's own words for it.
NOT_ASSUMABLE = "The role defined for the function cannot be assumed by Lambda."

_original = LambdaResponse.create_function


def _role_age_seconds(role_arn: str) -> float | None:
    parts = role_arn.split(":")
    if len(parts) < 6:
        return None
    try:
        role = iam_backends[parts[4]][PARTITION].get_role_by_arn(role_arn)
    except NotFoundException:
        return None  # moto's to accept or refuse, as before
    return (utcnow() - role.create_date).total_seconds()


def _create_function(self: LambdaResponse) -> Any:
    age = _role_age_seconds(self.json_body.get("Role", ""))
    if age is not None and age < ROLE_PROPAGATION.seconds():
        raise InvalidParameterValueException(NOT_ASSUMABLE)
    return _original(self)


_replacements = Replacements((LambdaResponse, "create_function", _create_function))
install, uninstall = _replacements.install, _replacements.uninstall
