"""The catalogue API's template and OpenAPI document: lint-clean, signed-in only, least privilege, in step."""
import ast

import cfnlint.api
import pytest
import yaml

from serverless_workbook.common.templates import load_template
from serverless_workbook.common.registry import ROOT

TEMPLATE = ROOT / "templates" / "video-api.yaml"
OPENAPI = yaml.safe_load((ROOT / "openapi" / "video-api.yaml").read_text())


@pytest.fixture(scope="module")
def resources():
    return load_template(TEMPLATE.read_text())["Resources"]


def of_type(resources, kind):
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == kind}


def handler_constants():
    """The handler's module-level literals, read without importing it (it needs AWS at import)."""
    tree = ast.parse((ROOT / "functions" / "video_api" / "app.py").read_text())
    constants = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                constants[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
    return constants


def test_cfn_lint_passes():
    assert cfnlint.api.lint_file(TEMPLATE) == []


def test_every_method_needs_the_cognito_authorizer(resources):
    methods = of_type(resources, "AWS::ApiGateway::Method")
    assert len(methods) == 4
    for name, method in methods.items():
        assert method["AuthorizationType"] == "COGNITO_USER_POOLS", name
        assert method["AuthorizerId"] == {"Ref": "Authorizer"}, name
        assert method["Integration"]["Type"] == "AWS_PROXY", name
    authorizer = of_type(resources, "AWS::ApiGateway::Authorizer")["Authorizer"]
    assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": ["UserPool", "Arn"]}]


def test_the_function_role_grants_named_actions_on_named_resources(resources):
    role = of_type(resources, "AWS::IAM::Role")["ApiRole"]
    granted = [(action, str(statement["Resource"]))
               for policy in role["Policies"] for statement in policy["PolicyDocument"]["Statement"]
               for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])]
    assert not [grant for grant in granted if "*" in grant[0] or grant[1] == "*"]
    assert {action for action, _ in granted} == {
        "logs:CreateLogStream", "logs:PutLogEvents", "dynamodb:Scan", "dynamodb:GetItem", "dynamodb:DeleteItem",
        "dynamodb:BatchGetItem", "dynamodb:PutItem", "s3:GetObject", "s3:PutObject", "s3:DeleteObject"}
    # Writing is granted on the API's own owners table only: the pipeline's table stays read-and-delete.
    writes = {resource for action, resource in granted if action == "dynamodb:PutItem"}
    assert writes == {str({"Fn::GetAtt": ["OwnersTable", "Arn"]})}


def test_the_openapi_document_describes_exactly_the_deployed_routes(resources):
    parts = of_type(resources, "AWS::ApiGateway::Resource")

    def path(resource_ref):
        name = resource_ref["Ref"]
        parent = parts[name]["ParentId"]
        prefix = "" if "Fn::GetAtt" in parent else path(parent)
        return f"{prefix}/{parts[name]['PathPart']}"

    deployed = {(path(m["ResourceId"]), m["HttpMethod"].lower())
                for m in of_type(resources, "AWS::ApiGateway::Method").values()}
    documented = {(p, method) for p, item in OPENAPI["paths"].items() for method in item if method != "parameters"}
    assert documented == deployed


def test_the_openapi_limits_are_the_handlers():
    constants = handler_constants()
    schemas = OPENAPI["components"]["schemas"]
    assert schemas["UploadRequest"]["properties"]["size"]["maximum"] == constants["MAX_UPLOAD_BYTES"]
    assert schemas["UploadRequest"]["properties"]["contentType"]["enum"] == list(constants["CONTENT_TYPES"])
    assert schemas["RenditionLabel"]["enum"] == list(constants["RENDITIONS"])
    limit = next(p for p in OPENAPI["paths"]["/videos"]["get"]["parameters"] if p["name"] == "limit")["schema"]
    assert (limit["maximum"], limit["default"]) == (constants["MAX_PAGE_SIZE"], constants["DEFAULT_PAGE_SIZE"])


def test_the_powertools_layer_is_resolved_from_awss_public_parameter_by_default():
    # Powertools' documented public parameter for x86_64 and the functions' runtime: no ARN typed by hand on AWS.
    template = load_template(TEMPLATE.read_text())
    layer = template["Parameters"]["PowertoolsLayerArn"]
    assert layer["Type"] == "AWS::SSM::Parameter::Value<String>"
    runtime = template["Resources"]["ApiFunction"]["Properties"]["Runtime"]
    assert layer["Default"] == f"/aws/service/powertools/python/x86_64/{runtime}/latest"
    assert template["Parameters"]["AttachPowertoolsLayer"]["Default"] == "true"


def test_on_aws_the_api_is_deployed_with_the_templates_layer_defaults(monkeypatch):
    from types import SimpleNamespace

    from serverless_workbook.workspaces import catalogue

    sent = {}
    monkeypatch.setattr(catalogue.stacks, "deploy", lambda *args, parameters, **kwargs: sent.update(parameters))
    aws = SimpleNamespace(is_local=False, region="eu-west-1")
    catalogue.deploy(aws, "api", {"VideosTableName": "t", "UploadBucketName": "u", "TranscodedBucketName": "v"})
    assert sent == {"VideosTableName": "t", "UploadBucketName": "u", "TranscodedBucketName": "v"}


def test_the_stage_is_throttled_to_what_a_lab_needs():
    deployment = load_template(TEMPLATE.read_text())["Resources"]["Deployment"]["Properties"]
    [settings] = deployment["StageDescription"]["MethodSettings"]
    assert (settings["ResourcePath"], settings["HttpMethod"]) == ("/*", "*")
    assert settings["ThrottlingRateLimit"] <= 10 and settings["ThrottlingBurstLimit"] <= 20
