"""The video catalogue API (chapter 3): deploy it over the pipeline, sign users in, call it.

    pipeline, api = deploy_with_pipeline(target, "video", "video-api")
    create_user(target, api, "ada@example.com", "Correct-Horse-7")
    token = sign_in(target, api, "ada@example.com", "Correct-Horse-7")
    endpoint = serve(target, api)          # local: served on 127.0.0.1; AWS: the stage URL
    requests.get(f"{endpoint.url}/videos", headers={"Authorization": token})
    endpoint.stop()

``python -m serverless_workbook.workspaces.catalogue`` does all of it on the local cloud
and serves the API until Ctrl-C.
"""
from __future__ import annotations

import argparse
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from serverless_workbook.cloud import stacks
from serverless_workbook.localcloud import public_parameters
from serverless_workbook.localcloud.apigateway import LocalApi
from serverless_workbook.common.registry import ROOT

PIPELINE_TEMPLATE = ROOT / "templates" / "video-pipeline.yaml"
PIPELINE_CODE = {"TranscodeCodeKey": ROOT / "functions" / "transcode_video",
                 "ExtractCodeKey": ROOT / "functions" / "extract_metadata"}
API_TEMPLATE = ROOT / "templates" / "video-api.yaml"
API_CODE = ROOT / "functions" / "video_api"


def deploy(target: Any, stack_name: str, pipeline: dict[str, str], progress: bool = True,
           code: str | Path = API_CODE) -> dict[str, str]:
    """Deploy the API stack over a deployed pipeline's table and buckets; return its outputs.

    On AWS the function gets the Powertools for AWS Lambda (Python) v3 layer that AWS publishes for the region
    (the template resolves it from AWS's public SSM parameter); the local cloud's runtime has the library already.
    `code` is the function's folder: the reference by default, a lab's own version otherwise.
    """
    parameters = {
        "VideosTableName": pipeline["VideosTableName"],
        "UploadBucketName": pipeline["UploadBucketName"],
        "TranscodedBucketName": pipeline["TranscodedBucketName"],
    }
    if target.is_local:
        public_parameters.install(target.account_id, target.region)
        parameters["AttachPowertoolsLayer"] = "false"
    return stacks.deploy(target, stack_name, API_TEMPLATE, parameters=parameters, code={"ApiCodeKey": code},
                         progress=progress)


def deploy_with_pipeline(target: Any, pipeline_stack: str, api_stack: str,
                         progress: bool = True) -> tuple[dict[str, str], dict[str, str]]:
    """Deploy the video pipeline, then the API over it; return both stacks' outputs."""
    pipeline = stacks.deploy(target, pipeline_stack, PIPELINE_TEMPLATE, code=PIPELINE_CODE, progress=progress)
    return pipeline, deploy(target, api_stack, pipeline, progress)


def create_user(target: Any, api: dict[str, str], email: str, password: str) -> None:
    """Add a user as the pool's administrator, the only way the pool accepts (it refuses SignUp).

    MessageAction SUPPRESS: Cognito sends no invitation e-mail (the labs' addresses are example ones, and
    mail that bounces counts against the account's sending reputation); email_verified, because nobody will
    click a link; the password is set as permanent, so the first sign-in is not a NEW_PASSWORD_REQUIRED challenge.
    """
    idp = target.client("cognito-idp")
    idp.admin_create_user(UserPoolId=api["UserPoolId"], Username=email, MessageAction="SUPPRESS",
                          UserAttributes=[{"Name": "email", "Value": email},
                                          {"Name": "email_verified", "Value": "true"}])
    idp.admin_set_user_password(UserPoolId=api["UserPoolId"], Username=email, Password=password, Permanent=True)


def sign_in(target: Any, api: dict[str, str], email: str, password: str) -> str:
    """The user's ID token: what the Cognito authorizer expects in the Authorization header."""
    result = target.client("cognito-idp").initiate_auth(
        ClientId=api["UserPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password})
    return result["AuthenticationResult"]["IdToken"]


@dataclass
class StageUrl:
    """A real account's stage: API Gateway serves it, nothing to start or stop."""

    url: str

    def stop(self) -> None:
        pass


def serve(target: Any, api: dict[str, str]) -> LocalApi | StageUrl:
    """Where to call the API: a local endpoint started now, or the real stage URL."""
    if not target.is_local:
        return StageUrl(api["ApiUrl"])
    local = LocalApi(target, api["ApiId"], api["StageName"])
    local.start()
    return local


def main() -> None:
    from serverless_workbook.cloud.target import connect

    parser = argparse.ArgumentParser(description="Serve the video catalogue API on the local cloud until Ctrl-C.")
    parser.add_argument("--email", default="learner@example.com")
    parser.add_argument("--password", default="Workbook-Pass-1")
    args = parser.parse_args()
    target = connect("local")
    try:
        _, api = deploy_with_pipeline(target, "video", "video-api")
        create_user(target, api, args.email, args.password)
        endpoint = serve(target, api)
        token = sign_in(target, api, args.email, args.password)
        print(f"API: {endpoint.url}\nUser: {args.email} / {args.password} (ID token valid for one hour)\n"
              f"Try: curl -H 'Authorization: {token}' {endpoint.url}/videos\nCtrl-C stops it.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            endpoint.stop()
    finally:
        target.close()


if __name__ == "__main__":
    main()
