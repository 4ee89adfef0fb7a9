"""The local API Gateway endpoint on its own (proxy events, routing, a failing function), and its command.

The REST API here is made with API calls, not a template, with an ANY
{proxy+} route and no authorizer, to cover what the catalogue API does not.
"""
import signal
import subprocess
import sys

import pytest
import requests

from serverless_workbook.cloud import stacks, trial_functions
from serverless_workbook.localcloud.apigateway import LocalApi
from serverless_workbook.cloud.target import connect
from roles import function_role

# Echoes the event it got; ?fail=raise makes it fail, ?fail=shape makes it answer what is not a proxy response.
HANDLER = '''
import base64, json

def handler(event, context):
    fail = (event["queryStringParameters"] or {}).get("fail")
    if fail == "raise":
        raise RuntimeError("boom")
    if fail == "shape":
        return {"hello": "world"}
    return {"statusCode": 201, "headers": {"X-Echo": "yes"}, "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "isBase64Encoded": True, "body": base64.b64encode(json.dumps(event).encode()).decode()}
'''


# What lets API Gateway invoke the function, as the template's AWS::Lambda::Permission does.
PERMISSION = {"FunctionName": "echo", "StatementId": "api", "Action": "lambda:InvokeFunction",
              "Principal": "apigateway.amazonaws.com"}


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory):
    code = tmp_path_factory.mktemp("echo")
    (code / "app.py").write_text(HANDLER)
    target = connect("local")
    try:
        role = function_role(target, "echo")
        arn = trial_functions.create_function(
            target.client("lambda"), FunctionName="echo", Runtime="python3.12", Handler="app.handler", Role=role,
            Code={"ZipFile": stacks.zip_folder(code)})["FunctionArn"]
        apigateway = target.client("apigateway")
        api_id = apigateway.create_rest_api(name="echo")["id"]
        root = apigateway.get_resources(restApiId=api_id)["items"][0]["id"]
        proxy = apigateway.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
        apigateway.put_method(restApiId=api_id, resourceId=proxy, httpMethod="ANY", authorizationType="NONE")
        apigateway.put_integration(
            restApiId=api_id, resourceId=proxy, httpMethod="ANY", type="AWS_PROXY", integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:{target.region}:lambda:path/2015-03-31/functions/{arn}/invocations")
        apigateway.create_deployment(restApiId=api_id, stageName="test")
        target.client("lambda").add_permission(**PERMISSION, SourceArn=f"arn:aws:execute-api:{target.region}:"
                                                                        f"{target.account_id}:{api_id}/*")
        with LocalApi(target, api_id, "test") as api:
            yield api
    finally:
        target.close()


def test_the_function_gets_a_rest_proxy_event(endpoint):
    response = requests.post(f"{endpoint.url}/a/b%20c?x=1&x=2&y=", data="hé", timeout=10, headers={"X-Test": "t"})
    assert response.status_code == 201
    event = response.json()
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/{proxy+}", "/a/b%20c", "POST")
    assert event["pathParameters"] == {"proxy": "a/b c"}
    assert event["queryStringParameters"] == {"x": "2", "y": ""}
    assert event["multiValueQueryStringParameters"] == {"x": ["1", "2"], "y": [""]}
    assert event["headers"]["X-Test"] == "t"
    assert (event["body"], event["isBase64Encoded"]) == ("hé", False)
    context = event["requestContext"]
    assert (context["stage"], context["path"], context["resourcePath"]) == ("test", "/test/a/b%20c", "/{proxy+}")
    assert context["authorizer"] is None and context["identity"]["sourceIp"] == "127.0.0.1"


def test_the_proxy_response_becomes_the_http_response(endpoint):
    response = requests.get(f"{endpoint.url}/anything", timeout=10)
    assert response.headers["X-Echo"] == "yes"
    assert response.raw.headers.getlist("Set-Cookie") == ["a=1", "b=2"]


def test_a_binary_body_arrives_base64_encoded(endpoint):
    event = requests.put(f"{endpoint.url}/bin", data=b"\xff\x00\xfe", timeout=10).json()
    assert (event["body"], event["isBase64Encoded"]) == ("/wD+", True)


@pytest.mark.parametrize("fail", ["raise", "shape"])
def test_a_failing_function_gets_502(endpoint, fail):
    response = requests.get(f"{endpoint.url}/x", params={"fail": fail}, timeout=10)
    assert (response.status_code, response.json()) == (502, {"message": "Internal server error"})


def test_the_root_has_no_method_so_403(endpoint):
    response = requests.get(endpoint.url, timeout=10)
    assert (response.status_code, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_stop_frees_the_port(endpoint):
    api = LocalApi(endpoint.target, endpoint.api_id, "test")
    url = api.start()
    assert requests.get(f"{url}/x", timeout=10).status_code == 201
    api.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/x", timeout=2)


def test_the_command_serves_the_catalogue_until_ctrl_c():
    server = subprocess.Popen([sys.executable, "-u", "-m", "serverless_workbook.workspaces.catalogue"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        lines = iter(server.stdout.readline, "")
        url = next(line for line in lines if line.startswith("API: ")).split(" ", 1)[1].strip()
        token = next(line for line in lines if line.startswith("Try: ")).split("Authorization: ", 1)[1].split("'")[0]
        assert requests.get(f"{url}/videos", headers={"Authorization": token}, timeout=10).json() == {
            "videos": [], "nextToken": None}
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
    finally:
        server.kill()
        server.wait()


def test_a_function_whose_policy_omits_the_api_answers_500(endpoint, capfd):
    awslambda = endpoint.target.client("lambda")
    awslambda.remove_permission(FunctionName="echo", StatementId="api")
    try:
        response = requests.get(f"{endpoint.url}/anything", timeout=10)
    finally:
        awslambda.add_permission(**PERMISSION, SourceArn=f"arn:aws:execute-api:{endpoint.target.region}:"
                                                         f"{endpoint.target.account_id}:{endpoint.api_id}/*")
    assert (response.status_code, response.json()) == (500, {"message": "Internal server error"})
    assert "does not allow apigateway.amazonaws.com to perform lambda:InvokeFunction" in capfd.readouterr().err
    assert requests.get(f"{endpoint.url}/anything", timeout=10).status_code == 201
