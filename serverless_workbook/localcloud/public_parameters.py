"""AWS's public SSM parameter for the Powertools layer, which moto lacks, so the API template's default resolves.

The API template reads the layer's ARN from the public parameter Powertools for AWS Lambda (Python) documents
("Using SSM Parameter Store", https://docs.aws.amazon.com/powertools/python/latest/getting-started/install/),
through a parameter of type AWS::SSM::Parameter::Value<String>; moto's CloudFormation resolves that default even
when the stack overrides it, and fails when the parameter is missing. moto ships some of AWS's public parameters
(/aws/service/global-infrastructure/..., AMIs) but not this one, and refuses PutParameter under /aws as AWS does:
so it is added to moto's store directly, as moto adds its own.
"""
from __future__ import annotations

from moto.core.utils import utcnow
from moto.ssm.models import Parameter, ssm_backends

POWERTOOLS_LAYER = "/aws/service/powertools/python/x86_64/python3.12/latest"
# The form of the ARN AWS publishes there (Powertools' own account, one layer version). The local cloud never
# attaches it: its runtime has the library already.
POWERTOOLS_ACCOUNT = "017000801446"


def install(account_id: str, region: str) -> None:
    parameters = ssm_backends[account_id][region]._parameters
    if parameters.get(POWERTOOLS_LAYER):
        return
    arn = f"arn:aws:lambda:{region}:{POWERTOOLS_ACCOUNT}:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:1"
    parameters[POWERTOOLS_LAYER].append(Parameter(
        account_id=account_id, name=POWERTOOLS_LAYER, value=arn, parameter_type="String", description=None,
        allowed_pattern=None, keyid=None, last_modified_date=utcnow(), version=1, data_type="text"))
