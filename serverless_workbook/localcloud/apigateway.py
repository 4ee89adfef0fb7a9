"""Serve a deployed REST API over real HTTP on 127.0.0.1, answering as API Gateway does.

moto 5.2.5 stores a REST API's configuration but does not execute Lambda proxy
integrations. This endpoint reads the configuration from the target
(get_resources, get_method, get_integration, get_authorizer), enforces Cognito
user pool authorizers, turns each request into a proxy event (REST API,
payload format 1.0) and invokes the function through the target's Lambda
client, so the handler code that runs is the deployed one.

    with LocalApi(target, api_id, "prod") as api:
        requests.get(f"{api.url}/videos", headers={"Authorization": id_token})

``python -m serverless_workbook.workspaces.catalogue`` deploys the video pipeline and
its catalogue API on the local cloud and serves it this way until Ctrl-C.
"""
from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import requests
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, JoseError
from joserfc.jwk import KeySet

from serverless_workbook.localcloud import permissions

# API Gateway's own answers, body and x-amzn-ErrorType, when the request never reaches the function.
MISSING_TOKEN = (HTTPStatus.FORBIDDEN, "Missing Authentication Token", "MissingAuthenticationTokenException")
UNAUTHORIZED = (HTTPStatus.UNAUTHORIZED, "Unauthorized", "UnauthorizedException")
EXPIRED = (HTTPStatus.UNAUTHORIZED, "The incoming token has expired", "UnauthorizedException")
BAD_GATEWAY = (HTTPStatus.BAD_GATEWAY, "Internal server error", "InternalServerErrorException")
# What a client gets when the function's policy does not let API Gateway invoke it (the execution log says
# "Invalid permissions on Lambda function").
NOT_PERMITTED = (HTTPStatus.INTERNAL_SERVER_ERROR, "Internal server error", "InternalServerErrorException")
LAMBDA_URI = re.compile(r"^arn:[^:]+:apigateway:[^:]+:lambda:path/2015-03-31/functions/(?P<function>.+)/invocations$")


class GatewayError(Exception):
    def __init__(self, answer: tuple[HTTPStatus, str, str]) -> None:
        super().__init__(answer[1])
        self.answer = answer


class CognitoAuthorizer:
    """A COGNITO_USER_POOLS authorizer: an ID token issued to one of the pools' app clients, not expired."""

    def __init__(self, target: Any, provider_arns: list[str], identity_source: str) -> None:
        self.header = identity_source.removeprefix("method.request.header.").lower()
        self.pools = []
        idp = target.client("cognito-idp")
        for arn in provider_arns:
            pool_id = arn.rsplit("/", 1)[1]
            issuer = f"https://cognito-idp.{target.region}.amazonaws.com/{pool_id}"
            # The JWKS lives at the issuer URL on AWS and at the endpoint URL on a moto server.
            jwks_base = target.endpoint_url or issuer.rsplit("/", 1)[0]
            response = requests.get(f"{jwks_base}/{pool_id}/.well-known/jwks.json", timeout=10)
            response.raise_for_status()
            clients = [client["ClientId"]
                       for page in idp.get_paginator("list_user_pool_clients").paginate(UserPoolId=pool_id)
                       for client in page["UserPoolClients"]]
            self.pools.append((issuer, KeySet.import_key_set(response.json()), clients))

    def claims(self, headers: dict[str, str]) -> dict[str, str]:
        token = headers.get(self.header, "").removeprefix("Bearer ").strip()
        if not token:
            raise GatewayError(UNAUTHORIZED)
        for issuer, keys, clients in self.pools:
            try:
                decoded = jwt.decode(token, keys, algorithms=["RS256"])
            except (JoseError, ValueError):
                continue
            # moto signs every pool's tokens with one key, so only the issuer tells pools apart.
            if decoded.claims.get("iss") != issuer:
                continue
            registry = jwt.JWTClaimsRegistry(
                aud={"essential": True, "values": clients},
                token_use={"essential": True, "value": "id"},
                exp={"essential": True},
            )
            try:
                registry.validate(decoded.claims)
            except ExpiredTokenError:
                raise GatewayError(EXPIRED) from None
            except JoseError:
                continue
            # The function sees the claims as strings, as API Gateway passes them.
            return {key: value if isinstance(value, str) else json.dumps(value) for key, value in decoded.claims.items()}
        raise GatewayError(UNAUTHORIZED)


@dataclass
class Route:
    resource_id: str
    path: str
    method: str
    function_arn: str
    authorizer: CognitoAuthorizer | None

    def match(self, segments: list[str]) -> dict[str, str] | None:
        """Path parameters if the request path fits this resource path, else None."""
        parts = [p for p in self.path.split("/") if p]
        parameters = {}
        for index, part in enumerate(parts):
            if part.startswith("{") and part.endswith("+}"):
                if index >= len(segments):
                    return None
                parameters[part[1:-2]] = unquote("/".join(segments[index:]))
                return parameters
            if index >= len(segments):
                return None
            if part.startswith("{") and part.endswith("}"):
                parameters[part[1:-1]] = unquote(segments[index])
            elif part != segments[index]:
                return None
        return parameters if len(parts) == len(segments) else None


def load_routes(target: Any, api_id: str) -> list[Route]:
    """Every method of the deployed API, read from the target as API Gateway configured it."""
    apigateway = target.client("apigateway")
    authorizers: dict[str, CognitoAuthorizer] = {}
    routes = []
    for page in apigateway.get_paginator("get_resources").paginate(restApiId=api_id):
        for resource in page["items"]:
            for http_method in resource.get("resourceMethods", {}):
                method = apigateway.get_method(restApiId=api_id, resourceId=resource["id"], httpMethod=http_method)
                integration = apigateway.get_integration(restApiId=api_id, resourceId=resource["id"],
                                                         httpMethod=http_method)
                uri = LAMBDA_URI.match(integration.get("uri", ""))
                if integration["type"] != "AWS_PROXY" or uri is None:
                    raise NotImplementedError(f"{http_method} {resource['path']}: only Lambda proxy integrations "
                                              f"are served locally, not {integration['type']}")
                authorizer = None
                if method["authorizationType"] == "COGNITO_USER_POOLS":
                    authorizer_id = method["authorizerId"]
                    if authorizer_id not in authorizers:
                        config = apigateway.get_authorizer(restApiId=api_id, authorizerId=authorizer_id)
                        authorizers[authorizer_id] = CognitoAuthorizer(target, config["providerARNs"],
                                                                       config["identitySource"])
                    authorizer = authorizers[authorizer_id]
                elif method["authorizationType"] != "NONE":
                    raise NotImplementedError(f"{http_method} {resource['path']}: authorization "
                                              f"{method['authorizationType']} is not served locally")
                routes.append(Route(resource["id"], resource["path"], http_method, uri["function"], authorizer))
    # Literal segments win over {parameters}, as in API Gateway.
    return sorted(routes, key=lambda r: [part.startswith("{") for part in r.path.split("/")])


class LocalApi:
    """One stage of a deployed REST API, served at http://127.0.0.1:<free port>/<stage>."""

    def __init__(self, target: Any, api_id: str, stage: str) -> None:
        self.target = target
        self.api_id = api_id
        self.stage = stage
        self.routes = load_routes(target, api_id)
        self._lambda = target.client("lambda")
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("The local API is not started; call start() first")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{self.stage}"

    def start(self) -> str:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, payload = api.handle(self.command, self.path, self.headers, body,
                                                      self.client_address[0])
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def __getattr__(self, name: str) -> Any:
                # Every HTTP method reaches the router, which answers 403 for the ones not configured.
                if name.startswith("do_"):
                    return self.serve
                raise AttributeError(name)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: in a notebook, a line per request would bury the lab's own output."""

        # Port 0: the OS picks a free port, so several notebooks can each serve one.
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join()
            self._server = self._thread = None

    def __enter__(self) -> LocalApi:
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes,
               source_ip: str) -> tuple[int, list[tuple[str, str]], bytes]:
        request_id = str(uuid.uuid4())
        try:
            route, path, parameters = self._route(method, urlsplit(raw_path).path)
            header_map = {name.lower(): value for name, value in headers.items()}
            claims = route.authorizer.claims(header_map) if route.authorizer else None
            event = self._event(route, method, path, parameters, raw_path, headers, body, source_ip, claims,
                                request_id)
            status, response_headers, response_body = self._invoke(route, event)
        except GatewayError as error:
            status, message, error_type = error.answer
            response_headers = [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type)]
            response_body = json.dumps({"message": message}).encode()
        return int(status), [*response_headers, ("x-amzn-RequestId", request_id)], response_body

    def _route(self, method: str, path: str) -> tuple[Route, str, dict[str, str]]:
        prefix = f"/{self.stage}"
        if path != prefix and not path.startswith(prefix + "/"):
            raise GatewayError(MISSING_TOKEN)
        path = path[len(prefix):] or "/"
        segments = [segment for segment in path.split("/") if segment]
        for wanted in (method, "ANY"):
            for route in self.routes:
                parameters = route.match(segments)
                if route.method == wanted and parameters is not None:
                    return route, path, parameters
        raise GatewayError(MISSING_TOKEN)

    def _event(self, route: Route, method: str, path: str, parameters: dict[str, str], raw_path: str,
               headers: Any, body: bytes, source_ip: str, claims: dict[str, str] | None,
               request_id: str) -> dict[str, Any]:
        query = parse_qsl(urlsplit(raw_path).query, keep_blank_values=True)
        multi_headers: dict[str, list[str]] = {}
        for name, value in headers.items():
            multi_headers.setdefault(name, []).append(value)
        multi_query: dict[str, list[str]] = {}
        for name, value in query:
            multi_query.setdefault(name, []).append(value)
        try:
            text, encoded = body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        now = time.time()
        return {
            "resource": route.path,
            "path": path,
            "httpMethod": method,
            "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
            "multiValueHeaders": multi_headers or None,
            "queryStringParameters": {name: values[-1] for name, values in multi_query.items()} or None,
            "multiValueQueryStringParameters": multi_query or None,
            "pathParameters": parameters or None,
            "stageVariables": None,
            "requestContext": {
                "accountId": self.target.account_id,
                "apiId": self.api_id,
                "authorizer": {"claims": claims} if claims is not None else None,
                "domainName": headers.get("Host", "127.0.0.1"),
                "httpMethod": method,
                "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent")},
                "path": f"/{self.stage}{path}",
                "protocol": "HTTP/1.1",
                "requestId": request_id,
                "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
                "requestTimeEpoch": int(now * 1000),
                "resourceId": route.resource_id,
                "resourcePath": route.path,
                "stage": self.stage,
            },
            "body": text or None,
            "isBase64Encoded": encoded,
        }

    def _invoke(self, route: Route, event: dict[str, Any]) -> tuple[int, list[tuple[str, str]], bytes]:
        method_arn = (f"arn:aws:execute-api:{self.target.region}:{self.target.account_id}:{self.api_id}/{self.stage}/"
                      f"{'*' if route.method == 'ANY' else route.method}{route.path}")
        if not permissions.admitted(f"API Gateway {self.api_id}", "apigateway.amazonaws.com", method_arn,
                                    self.target.account_id, route.function_arn):
            raise GatewayError(NOT_PERMITTED)
        reply = self._lambda.invoke(FunctionName=route.function_arn, Payload=json.dumps(event).encode())
        payload = reply["Payload"].read()
        if "FunctionError" in reply:
            raise GatewayError(BAD_GATEWAY)
        try:
            response = json.loads(payload)
            status = int(response["statusCode"])
        except (ValueError, TypeError, KeyError):
            # API Gateway's "Malformed Lambda proxy response".
            raise GatewayError(BAD_GATEWAY) from None
        headers = [(name, str(value)) for name, value in (response.get("headers") or {}).items()]
        headers += [(name, str(value)) for name, values in (response.get("multiValueHeaders") or {}).items()
                    for value in values if (name, str(value)) not in headers]
        body = response.get("body") or ""
        return status, headers, base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()
