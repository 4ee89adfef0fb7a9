"""The local cloud's Cognito refuses SignUp where only the pool's administrator may add users, and only there."""
import pytest

from serverless_workbook.cloud.target import connect


@pytest.fixture
def idp():
    target = connect("local")
    yield target.client("cognito-idp")
    target.close()


def client_of(idp, admin_only):
    pool = idp.create_user_pool(PoolName="users", UsernameAttributes=["email"],
                                AdminCreateUserConfig={"AllowAdminCreateUserOnly": admin_only})["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
    return pool, client


def sign_up(idp, client):
    return idp.sign_up(ClientId=client, Username="ada@example.com", Password="Analytical-Engine-1843",
                       UserAttributes=[{"Name": "email", "Value": "ada@example.com"}])


def test_an_admin_only_pool_refuses_sign_up_and_accepts_its_administrator(idp):
    pool, client = client_of(idp, admin_only=True)
    with pytest.raises(idp.exceptions.NotAuthorizedException):
        sign_up(idp, client)
    assert idp.list_users(UserPoolId=pool)["Users"] == []
    idp.admin_create_user(UserPoolId=pool, Username="ada@example.com", MessageAction="SUPPRESS")
    assert len(idp.list_users(UserPoolId=pool)["Users"]) == 1


def test_a_pool_open_to_sign_up_still_accepts_it(idp):
    pool, client = client_of(idp, admin_only=False)
    assert sign_up(idp, client)["UserConfirmed"] is False
