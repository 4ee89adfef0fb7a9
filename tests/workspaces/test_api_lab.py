"""Lab 3's workspace: the learner's functions replace the reference's, and only theirs."""
import ast
import json

import pytest
import requests

from serverless_workbook.course.lab_format import NotSaved
from serverless_workbook.workspaces import api_lab
from serverless_workbook.workspaces.api_lab import REFERENCE, ApiWorkspace

MINE = '''def get_video(id: str) -> dict:
    return {"mine": id}


def delete_video(id: str):
    return "deleted"
'''
STUBBED = '''def upload_request(body):
    # YOUR CODE HERE
    raise NotImplementedError("Exercise 3.2 is not done yet")
'''


def functions(folder):
    tree = ast.parse((folder / "app.py").read_text())
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_a_part_replaces_its_functions_and_keeps_the_route_decorators(tmp_path):
    workspace = ApiWorkspace(tmp_path)
    workspace.save("routes", MINE)
    spliced = functions(workspace.folder_for(only="routes"))
    reference = functions(REFERENCE)
    assert ast.unparse(spliced["get_video"].body[0]) == "return {'mine': id}"
    assert [ast.unparse(d) for d in spliced["get_video"].decorator_list] == ["app.get('/videos/<id>')"]
    assert ast.dump(spliced["upload_request"]) == ast.dump(reference["upload_request"])
    assert sorted(p.name for p in (tmp_path / "video_api-routes").iterdir()) == sorted(
        p.name for p in REFERENCE.iterdir() if p.name != "__pycache__")


def test_a_stubbed_part_leaves_the_reference_and_fails_its_check(tmp_path):
    workspace = ApiWorkspace(tmp_path)
    assert "still a stub" in workspace.save("validation", STUBBED)
    assert ast.dump(functions(workspace.folder_for())["upload_request"]) == ast.dump(functions(REFERENCE)["upload_request"])
    with pytest.raises(NotImplementedError, match="Exercise 3.2"):
        workspace.folder_for(only="validation")
    with pytest.raises(NotSaved):
        workspace.folder_for(only="routes")


def test_a_part_must_define_its_functions(tmp_path):
    with pytest.raises(ValueError, match="missing delete_video"):
        ApiWorkspace(tmp_path).save("routes", "def get_video(id):\n    return {}\n")


def test_requests_to_records_what_was_asked_even_when_refused():
    import boto3
    from botocore.stub import Stubber

    from serverless_workbook.workspaces.api_lab import requests_to

    idp = boto3.client("cognito-idp", region_name="eu-west-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(idp) as stub, requests_to("cognito-idp") as sent:
        stub.add_client_error("sign_up", "NotAuthorizedException", "SignUp is not permitted for this user pool")
        with pytest.raises(idp.exceptions.NotAuthorizedException):
            idp.sign_up(ClientId="client", Username="ada@example.com", Password="p" * 12)
        stub.add_response("admin_create_user", {})
        idp.admin_create_user(UserPoolId="eu-west-1_pool", Username="ada@example.com", MessageAction="SUPPRESS")
    assert sent == {"SignUp": [{"ClientId": "client", "Username": "ada@example.com", "Password": "p" * 12}],
                    "AdminCreateUser": [{"UserPoolId": "eu-west-1_pool", "Username": "ada@example.com",
                                         "MessageAction": "SUPPRESS"}]}


def test_an_error_message_says_a_502_is_the_route_code_failing():
    def response(status, body):
        answer = requests.Response()
        answer.status_code, answer._content = status, json.dumps(body).encode()
        return answer

    refused = api_lab.error_message(response(400, {"message": "size must be a whole number"}))
    assert refused == "size must be a whole number"
    failed = api_lab.error_message(response(502, {"message": "Internal server error"}))
    assert failed.startswith("Internal server error (") and "your route code failed" in failed
