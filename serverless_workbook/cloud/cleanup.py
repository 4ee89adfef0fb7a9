"""Find, and with --yes delete, everything the workbook tagged in the target: the explicit clean-up.

    python -m serverless_workbook.cloud.cleanup                   # list what is tagged workbook=<any lab>
    python -m serverless_workbook.cloud.cleanup --stack lab02     # one lab's stack and what it left
    python -m serverless_workbook.cloud.cleanup --stack lab02 --yes

The target is the one the labs use (WORKBOOK_TARGET and friends), so on a real account this is the
command that proves, or makes, the account clean. Stacks go first, through stacks.teardown (it stops
their MediaConvert jobs and empties their buckets); then whatever is still tagged is deleted by its
own service. IAM roles are found through IAM itself (moto's tagging API does not list them), and the lab checks'
throwaway functions by their name (lab-trial-*; `--stack lab-trial` for those alone). What cannot be deleted is
printed with the reason, and the exit status is 1.
"""
from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from serverless_workbook.cloud import resources, stacks
from serverless_workbook.cloud.target import connect
from serverless_workbook.cloud.trial_functions import TRIAL_PREFIX, TRIAL_TAG


@dataclass(frozen=True)
class Found:
    stacks: list[str]
    resources: list[str]

    def __bool__(self) -> bool:
        return bool(self.stacks or self.resources)


def find(target: Any, stack_name: str | None = None) -> Found:
    """The stacks tagged workbook=<stack_name> (any value when None), and every other resource so tagged."""
    cfn = target.client("cloudformation")
    tagged = [
        stack["StackName"]
        for page in cfn.get_paginator("describe_stacks").paginate()
        for stack in page["Stacks"]
        if any(tag["Key"] == stacks.TAG_KEY and stack_name in (None, tag["Value"]) for tag in stack.get("Tags", []))
    ]
    # The tagging API lags on AWS; leftovers() waits it out, but a listing should answer at once.
    resources = [arn for arn in stacks.leftovers(target, stack_name, settle_seconds=0)
                 if arn.split(":")[2] != "cloudformation"]  # stacks are listed, and torn down, by name
    found = set(resources) | set(_user_pools(target, stack_name)) | set(_roles(target, stack_name))
    if stack_name in (None, TRIAL_TAG):
        found |= set(_trial_leftovers(target))
    return Found(sorted(tagged), sorted(found))


def _user_pools(target: Any, stack_name: str | None) -> list[str]:
    """Tagged Cognito user pools, asked of Cognito itself: moto's tagging API does not list them."""
    cognito = target.client("cognito-idp")
    pools = []
    for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60):
        for summary in page["UserPools"]:
            pool = cognito.describe_user_pool(UserPoolId=summary["Id"])["UserPool"]
            if stack_name in (None, pool.get("UserPoolTags", {}).get(stacks.TAG_KEY, "")) and \
                    stacks.TAG_KEY in pool.get("UserPoolTags", {}):
                pools.append(pool["Arn"])
    return pools


def _roles(target: Any, stack_name: str | None) -> list[str]:
    """Roles tagged by the workbook, and trial functions' roles by name, asked of IAM itself, which lists every
    role whatever the tagging API covers (moto's lists none). ListRoles returns no tags, so each role's are read."""
    iam = target.client("iam")
    roles = []
    for page in iam.get_paginator("list_roles").paginate():
        for role in page["Roles"]:
            if role["RoleName"].startswith(TRIAL_PREFIX) and stack_name in (None, TRIAL_TAG):
                roles.append(role["Arn"])
                continue
            tags = {tag["Key"]: tag["Value"] for tag in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]}
            if stacks.TAG_KEY in tags and stack_name in (None, tags[stacks.TAG_KEY]):
                roles.append(role["Arn"])
    return roles


def _trial_leftovers(target: Any) -> list[str]:
    """The lab checks' throwaway functions and their log groups, found by name: an interrupted check, or an
    older workbook that did not tag them, leaves them untagged."""
    functions = [function["FunctionArn"]
                 for page in target.client("lambda").get_paginator("list_functions").paginate()
                 for function in page["Functions"] if function["FunctionName"].startswith(TRIAL_PREFIX)]
    groups = [group["arn"]
              for page in target.client("logs").get_paginator("describe_log_groups").paginate(
                  logGroupNamePrefix=f"/aws/lambda/{TRIAL_PREFIX}")
              for group in page["logGroups"]]
    return functions + groups


def delete(target: Any, found: Found) -> list[str]:
    """Delete what find() found; return one line per thing that could not be deleted, saying why."""
    failures = []
    for name in found.stacks:
        try:
            stacks.teardown(target, name)
            print(f"deleted stack {name}")
        except (ClientError, BotoCoreError, stacks.DeployError) as error:
            failures.append(f"stack {name}: {error}")
    # Deleting a stack deletes most of what it tagged; ask again rather than delete twice.
    remaining = find(target).resources if found.stacks else found.resources
    for arn in [arn for arn in found.resources if arn in remaining]:
        service = arn.split(":")[2]
        deleter = resources.deleter(arn)
        if deleter is None:
            failures.append(f"{arn}: the clean-up does not delete {service} resources; delete it in the {service} "
                            "console")
            continue
        try:
            deleter(target, arn)
            print(f"deleted {arn}")
        except (ClientError, BotoCoreError) as error:
            failures.append(f"{arn}: {error}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m serverless_workbook.cloud.cleanup", description=__doc__.split("\n")[0])
    parser.add_argument("--stack", help="only this lab's stack and resources (the value of the workbook tag)")
    parser.add_argument("--yes", action="store_true", help="delete what is listed (without it, only list)")
    args = parser.parse_args(argv)
    target = connect()
    try:
        return run(target, args.stack, args.yes)
    finally:
        target.close()


def run(target: Any, stack_name: str | None, yes: bool) -> int:
    """List (and with yes, delete) what is tagged; 0 when nothing is left, 1 otherwise."""
    scope = f"{stacks.TAG_KEY}={stack_name}" if stack_name else f"{stacks.TAG_KEY}=<any>"
    found = find(target, stack_name)
    if not found:
        print(f"Nothing tagged {scope} in account {target.account_id}, region {target.region}.")
        return 0
    for name in found.stacks:
        print(f"stack {name}")
    for arn in found.resources:
        print(arn)
    if not yes:
        print(f"Listed what is tagged {scope}; run again with --yes to delete it.")
        return 1
    failures = delete(target, found)
    for failure in failures:
        print(f"could not delete {failure}")
    left = find(target, stack_name)
    if left:
        print(f"Still tagged {scope}: {len(left.stacks)} stack(s), {len(left.resources)} resource(s) "
              "(on AWS the tagging API can list deleted resources for a few minutes: run the command again).")
    else:
        print(f"Nothing tagged {scope} is left.")
    return 1 if failures or left else 0


if __name__ == "__main__":
    sys.exit(main())
