"""Roles for MediaConvert jobs submitted by tests: the local MediaConvert reads and writes S3 as the job's role."""
import json


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
