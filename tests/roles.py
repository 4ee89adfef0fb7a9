"""Roles for what tests create: the local cloud acts as a function's or a job's role, as AWS does."""
import json


def function_role(target, name):
    """A role Lambda may write the function's log with (what AWSLambdaBasicExecutionRole grants); its ARN."""
    iam = target.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]}))
    return arn


def mediaconvert_role(target, name="mediaconvert"):
    """A role that may read and write every bucket's objects, as a test's job needs; its ARN."""
    iam = target.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "mediaconvert.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="objects", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                                                "Resource": "arn:aws:s3:::*/*"}]}))
    return arn
