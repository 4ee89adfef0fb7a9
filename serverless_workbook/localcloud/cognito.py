"""Cognito's SignUp refused in a pool that only its administrator may add users to, which moto 5.2.5 allows.

A pool whose AdminCreateUserConfig sets AllowAdminCreateUserOnly accepts new users only through
AdminCreateUser: "Set to True if only the administrator is allowed to create user profiles. Set to False if
users can sign themselves up via an app" (API reference, AdminCreateUserConfigType:
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUserConfigType.html).
SignUp then fails with NotAuthorizedException, an error the SignUp API reference lists (the message here is the
one AWS is reported to give; nothing in the workbook depends on its wording). moto creates the user; lab 3
teaches the administrator's flow, so the local cloud refuses as AWS does.
"""
from __future__ import annotations

from typing import Any

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.cognitoidp.models import CognitoIdpBackend

_original = CognitoIdpBackend.sign_up


def admin_only(extended_config: dict[str, Any]) -> bool:
    """Whether a pool's settings (CreateUserPool's parameters) allow only its administrator to add users."""
    flag = extended_config.get("AdminCreateUserConfig", {}).get("AllowAdminCreateUserOnly", False)
    return str(flag).lower() == "true"


def _sign_up(self: CognitoIdpBackend, client_id: str, username: str, password: str,
             attributes: list[dict[str, str]]) -> Any:
    for pool in self.user_pools.values():
        if client_id in pool.clients and admin_only(pool.extended_config):
            raise NotAuthorizedError("SignUp is not permitted for this user pool")
    return _original(self, client_id, username, password, attributes)


def install() -> None:
    CognitoIdpBackend.sign_up = _sign_up


def uninstall() -> None:
    CognitoIdpBackend.sign_up = _original
