"""Resource types moto 5.2.5's CloudFormation lacks, taught to it so a template deploys unchanged.

moto skips AWS::Cognito::UserPool, AWS::Cognito::UserPoolClient and
AWS::ApiGateway::Authorizer, and its AWS::ApiGateway::Method drops
AuthorizerId. Registering models in moto's own type map (rather than making
the calls after create_stack, as cloudformation.fill_gaps does) lets Ref,
Fn::GetAtt, Outputs and delete_stack treat them like every other resource.

AWS::Logs::LogGroup's Arn attribute is the group's ARN with ":*" at the end, as CloudFormation gives it
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html); moto
leaves it off, and a role granting logs:PutLogEvents on it would then not cover the group's streams.

Two fixes to moto's update_stack live here too. It deletes the resources an
update removes but keeps their models, so adding one back later (or rolling a
failed update back) "finds" the deleted resource instead of creating it. And
creating a resource without Properties adds an empty Properties to the stored
template, so every later update sees it changed and re-creates it (a Topic then
loses its subscriptions and changes its ARN).
"""
from __future__ import annotations

from typing import Any, Callable

from moto.apigateway.models import Method, apigateway_backends
from moto.cloudformation import parsing
from moto.cognitoidp.models import cognitoidp_backends
from moto.core.common_models import CloudFormationModel
from moto.logs.models import LogGroup


class RegistrationError(RuntimeError):
    """The pinned moto no longer has the type map these models are added to."""


class _Created(CloudFormationModel):
    """A resource made through a moto backend; CloudFormation knows it by physical id."""

    TYPE = ""
    NAME_PROPERTY = ""

    def __init__(self, physical_id: str, attributes: dict[str, str], delete: Callable[[], None]) -> None:
        self.physical_resource_id = physical_id
        self._attributes = attributes
        self._delete = delete

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls.TYPE

    @classmethod
    def cloudformation_name_type(cls) -> str:
        return cls.NAME_PROPERTY

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return True

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> _Created:
        return cls(*cls.create(resource_name, dict(cloudformation_json["Properties"]), account_id, region_name))

    @staticmethod
    def create(name: str, properties: dict[str, Any], account_id: str,
               region_name: str) -> tuple[str, dict[str, str], Callable[[], None]]:
        """Make the resource; return its physical id, its Fn::GetAtt attributes and how to delete it."""
        raise NotImplementedError

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self._attributes[attribute_name]

    def delete(self, account_id: str, region_name: str) -> None:
        self._delete()

    def is_created(self) -> bool:
        return True


class UserPool(_Created):
    TYPE = "AWS::Cognito::UserPool"
    NAME_PROPERTY = "UserPoolName"

    @staticmethod
    def create(name: str, properties: dict[str, Any], account_id: str,
               region_name: str) -> tuple[str, dict[str, str], Callable[[], None]]:
        backend = cognitoidp_backends[account_id][region_name]
        # CloudFormation's property names are CreateUserPool's parameter names.
        properties.pop("UserPoolName", None)
        pool = backend.create_user_pool(name, properties)
        provider = f"cognito-idp.{region_name}.amazonaws.com/{pool.id}"
        attributes = {"Arn": pool.arn, "UserPoolId": pool.id, "ProviderName": provider, "ProviderURL": f"https://{provider}"}
        return pool.id, attributes, lambda: backend.delete_user_pool(pool.id)


class UserPoolClient(_Created):
    TYPE = "AWS::Cognito::UserPoolClient"
    NAME_PROPERTY = "ClientName"

    @staticmethod
    def create(name: str, properties: dict[str, Any], account_id: str,
               region_name: str) -> tuple[str, dict[str, str], Callable[[], None]]:
        backend = cognitoidp_backends[account_id][region_name]
        pool_id = properties.pop("UserPoolId")
        generate_secret = str(properties.pop("GenerateSecret", False)).lower() == "true"
        client = backend.create_user_pool_client(pool_id, generate_secret, {**properties, "ClientName": name})
        attributes = {"ClientId": client.id, "Name": name, "ClientSecret": client.secret or ""}

        def delete() -> None:
            # moto deletes a stack's resources in set order, which changes with the hash seed: the pool may
            # already be gone, and its clients with it.
            if pool_id in backend.user_pools:
                backend.delete_user_pool_client(pool_id, client.id)

        return client.id, attributes, delete


class Authorizer(_Created):
    TYPE = "AWS::ApiGateway::Authorizer"
    NAME_PROPERTY = "Name"

    @staticmethod
    def create(name: str, properties: dict[str, Any], account_id: str,
               region_name: str) -> tuple[str, dict[str, str], Callable[[], None]]:
        backend = apigateway_backends[account_id][region_name]
        api_id = properties["RestApiId"]
        ttl = properties.get("AuthorizerResultTtlInSeconds")
        authorizer = backend.create_authorizer(
            api_id, name, properties["Type"],
            provider_arns=properties.get("ProviderARNs"),
            auth_type=properties.get("AuthType"),
            authorizer_uri=properties.get("AuthorizerUri"),
            authorizer_credentials=properties.get("AuthorizerCredentials"),
            identity_source=properties.get("IdentitySource"),
            identiy_validation_expression=properties.get("IdentityValidationExpression"),
            authorizer_result_ttl=int(ttl) if ttl is not None else None,
        )

        def delete() -> None:
            # The RestApi may already be gone, taking its authorizers with it.
            if api_id in backend.apis:
                backend.apis[api_id].authorizers.pop(authorizer.id, None)

        return authorizer.id, {"AuthorizerId": authorizer.id}, delete


class MethodWithAuthorizer(Method):
    """moto's AWS::ApiGateway::Method, keeping the AuthorizerId and AuthorizationScopes it drops."""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: dict[str, Any],
                                        account_id: str, region_name: str, **kwargs: Any) -> Method:
        method = super().create_from_cloudformation_json(resource_name, cloudformation_json, account_id,
                                                         region_name, **kwargs)
        properties = cloudformation_json["Properties"]
        method.authorizer_id = properties.get("AuthorizerId")
        method.authorization_scopes = properties.get("AuthorizationScopes")
        return method


MODELS = (UserPool, UserPoolClient, Authorizer, MethodWithAuthorizer)
_moto_update = parsing.ResourceMap.update


def _update_forgetting_removed(self: parsing.ResourceMap, template: dict[str, Any],
                               parameters: dict[str, Any] | None = None) -> None:
    for spec in template["Resources"].values():
        spec.setdefault("Properties", {})
    # _parsed_resources also holds parameters and pseudo parameters: forget only resources.
    removed = set(self._resource_json_map) - set(template["Resources"])
    try:
        _moto_update(self, template, parameters)
    finally:
        for name in removed:
            self._parsed_resources.pop(name, None)


def self_test() -> None:
    for name in ("get_model_map", "get_name_type_map"):
        if not callable(getattr(parsing, name, None)):
            raise RegistrationError(f"moto.cloudformation.parsing.{name} is gone; "
                                    "Cognito and authorizer resources cannot be deployed locally")
    if parsing.get_model_map().get(Method.cloudformation_type()) not in (Method, MethodWithAuthorizer):
        raise RegistrationError("moto no longer maps AWS::ApiGateway::Method to its Method model")
    if (_moto_update.__code__.co_varnames[:3] != ("self", "template", "parameters")
            or "_parsed_resources" not in parsing.ResourceMap.__init__.__code__.co_names):
        raise RegistrationError("moto's ResourceMap.update changed; updates that add a removed resource back break")


_moto_log_group_attribute = LogGroup.get_cfn_attribute


def _log_group_attribute(self: LogGroup, attribute_name: str) -> str:
    value = _moto_log_group_attribute(self, attribute_name)
    return f"{value}:*" if attribute_name == "Arn" else value


def install() -> None:
    """Add the models to moto's type map; safe to call again."""
    self_test()
    model_map, name_map = parsing.get_model_map(), parsing.get_name_type_map()
    for model in MODELS:
        model_map[model.cloudformation_type()] = model
        name_map[model.cloudformation_type()] = model.cloudformation_name_type()
    parsing.ResourceMap.update = _update_forgetting_removed
    LogGroup.get_cfn_attribute = _log_group_attribute
