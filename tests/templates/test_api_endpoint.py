"""The catalogue API served by the local endpoint: its routes, its 4xx answers, its authorizer, its contract.

One deployment (pipeline + API) and one running endpoint serve the whole module;
the catalogue items are written straight into the pipeline's table.
"""
import base64
import json
import subprocess
import time
from types import SimpleNamespace
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from joserfc import jwt
from joserfc.jwk import RSAKey
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from serverless_workbook.workspaces import catalogue
from serverless_workbook.cloud.target import connect
from serverless_workbook.common.registry import ROOT

SCHEMA = schemathesis.openapi.from_path(ROOT / "openapi" / "video-api.yaml")
EMAIL, PASSWORD = "ada@example.com", "Analytical-Engine-1843"
OTHER_EMAIL, OTHER_PASSWORD = "grace@example.com", "Compiler-A-0-1952"
LABELS = {"1080p": (1920, 1080), "720p": (1280, 720), "480p": (640, 480)}


def video_item(video_id, labels, status="COMPLETE"):
    """A videos item shaped as transcode-video and extract-metadata write it."""
    renditions = {f"{video_id}-{label}.mp4": {"key": f"{video_id}/{video_id}-{label}.mp4", "width": LABELS[label][0],
                                              "height": LABELS[label][1], "duration": 5, "bitrate": 1000, "size": 625}
                  for label in labels}
    return {"id": video_id, "sourceBucket": "elsewhere", "sourceKey": f"{video_id}.mp4", "jobId": "job",
            "status": status, "expectedRenditions": 3, "renditions": renditions}


@pytest.fixture(scope="module")
def api():
    target = connect("local")
    try:
        pipeline, outputs = catalogue.deploy_with_pipeline(target, "video", "video-api", progress=False)
        catalogue.create_user(target, outputs, EMAIL, PASSWORD)
        catalogue.create_user(target, outputs, OTHER_EMAIL, OTHER_PASSWORD)
        table = target.resource("dynamodb").Table(pipeline["VideosTableName"])
        for index in range(5):
            table.put_item(Item=video_item(f"all-{index}", ["1080p", "720p", "480p"]))
        for index in range(3):
            table.put_item(Item=video_item(f"small-{index}", ["480p"]))
        table.put_item(Item=video_item("busy", [], status="SUBMITTED"))
        endpoint = catalogue.serve(target, outputs)
        token = catalogue.sign_in(target, outputs, EMAIL, PASSWORD)
        other = catalogue.sign_in(target, outputs, OTHER_EMAIL, OTHER_PASSWORD)
        yield SimpleNamespace(target=target, outputs=outputs, table=table, url=endpoint.url,
                              auth={"Authorization": token}, other_auth={"Authorization": other})
        endpoint.stop()
    finally:
        target.close()


def message(response):
    return response.json()["message"]


def owned_video(api, auth, labels=("480p",), status="COMPLETE"):
    """A video uploaded through POST /uploads by the user of `auth`, as the pipeline later records it."""
    grant = requests.post(f"{api.url}/uploads", headers=auth, timeout=10,
                          json={"filename": "mine.mp4", "contentType": "video/mp4", "size": 1000})
    assert grant.status_code == 201, grant.text
    video_id = grant.json()["videoId"]
    api.table.put_item(Item=video_item(video_id, labels, status=status))
    return video_id


# ---------- routes ----------

def test_list_pages_through_every_video_once(api):
    seen, token, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"nextToken": token} if token else {})}
        page = requests.get(f"{api.url}/videos", params=params, headers=api.auth, timeout=10).json()
        assert len(page["videos"]) <= 2
        seen += [video["id"] for video in page["videos"]]
        pages += 1
        token = page["nextToken"]
        if token is None:
            break
    assert sorted(seen) == sorted({*seen}) and {f"all-{i}" for i in range(5)} | {"busy"} <= set(seen)
    assert pages >= 5


def test_list_filters_by_rendition(api):
    page = requests.get(f"{api.url}/videos", params={"rendition": "720p", "limit": 100}, headers=api.auth,
                        timeout=10).json()
    assert {video["id"] for video in page["videos"]} >= {f"all-{i}" for i in range(5)}
    assert all("720p" in video["renditions"] for video in page["videos"])
    assert not any(video["id"].startswith("small-") for video in page["videos"])


def test_a_filtered_page_is_full_and_its_token_resumes_after_it(api):
    first = requests.get(f"{api.url}/videos", params={"rendition": "480p", "limit": 3}, headers=api.auth,
                         timeout=10).json()
    assert len(first["videos"]) == 3
    rest = requests.get(f"{api.url}/videos", params={"rendition": "480p", "limit": 100,
                                                     "nextToken": first["nextToken"]}, headers=api.auth,
                        timeout=10).json()
    ids = [video["id"] for video in first["videos"] + rest["videos"]]
    assert len(ids) == len(set(ids)) and {f"small-{i}" for i in range(3)} <= set(ids)


def test_get_video_has_an_expiring_presigned_url_per_rendition(api):
    response = requests.get(f"{api.url}/videos/all-1", headers=api.auth, timeout=10)
    assert response.status_code == 200
    video = response.json()
    assert set(video["renditions"]) == set(LABELS)
    for label, rendition in video["renditions"].items():
        query = parse_qs(urlsplit(rendition["url"]).query)
        assert urlsplit(rendition["url"]).path.endswith(f"/all-1/all-1-{label}.mp4")
        assert query["X-Amz-Expires"] == [str(video["urlExpiresIn"])]
        assert (rendition["width"], rendition["height"]) == LABELS[label]


def test_post_uploads_grants_a_presigned_post_limited_by_type_and_size(api):
    response = requests.post(f"{api.url}/uploads", headers=api.auth, timeout=10,
                             json={"filename": "Holiday clip.mov", "contentType": "video/quicktime", "size": 1234})
    assert response.status_code == 201
    upload = response.json()
    assert upload["videoId"].startswith("Holiday-clip-") and upload["key"] == f"{upload['videoId']}.mov"
    assert upload["fields"]["Content-Type"] == "video/quicktime"
    policy = json.loads(base64.b64decode(upload["fields"]["policy"]))
    assert ["content-length-range", 1, 1234] in policy["conditions"]
    assert {"Content-Type": "video/quicktime"} in policy["conditions"]


def test_delete_removes_the_video(api):
    doomed = owned_video(api, api.auth)
    assert requests.delete(f"{api.url}/videos/{doomed}", headers=api.auth, timeout=10).status_code == 204
    assert requests.get(f"{api.url}/videos/{doomed}", headers=api.auth, timeout=10).status_code == 404


def test_delete_refuses_a_video_still_transcoding(api):
    busy = owned_video(api, api.auth, labels=(), status="SUBMITTED")
    response = requests.delete(f"{api.url}/videos/{busy}", headers=api.auth, timeout=10)
    assert response.status_code == 409 and "still being transcoded" in message(response)


# ---------- whose video is whose (authorization) ----------

def test_another_users_video_is_invisible_to_them_and_cannot_be_deleted(api):
    mine = owned_video(api, api.auth)
    for method in ("GET", "DELETE"):
        response = requests.request(method, f"{api.url}/videos/{mine}", headers=api.other_auth, timeout=10)
        # The same answer as for an id that does not exist: another user learns nothing from it.
        assert (response.status_code, message(response)) == (404, f"No video with id {mine!r}")
    assert "Item" in api.table.get_item(Key={"id": mine})
    assert requests.get(f"{api.url}/videos/{mine}", headers=api.auth, timeout=10).status_code == 200


def test_the_list_shows_your_videos_and_the_ownerless_ones_only(api):
    mine, theirs = owned_video(api, api.auth), owned_video(api, api.other_auth)

    def listed(auth):
        return {video["id"] for video in requests.get(f"{api.url}/videos", params={"limit": 100}, headers=auth,
                                                      timeout=10).json()["videos"]}

    assert mine in listed(api.auth) and theirs not in listed(api.auth)
    assert theirs in listed(api.other_auth) and mine not in listed(api.other_auth)
    assert "all-0" in listed(api.auth) and "all-0" in listed(api.other_auth)


def test_an_ownerless_video_is_seen_by_everyone_and_deleted_by_no_one(api):
    for auth in (api.auth, api.other_auth):
        assert requests.get(f"{api.url}/videos/all-2", headers=auth, timeout=10).status_code == 200
        response = requests.delete(f"{api.url}/videos/all-2", headers=auth, timeout=10)
        assert response.status_code == 403 and "not uploaded through this API" in message(response)
    assert "Item" in api.table.get_item(Key={"id": "all-2"})


def test_the_owner_is_the_token_subject_recorded_at_upload(api):
    grant = requests.post(f"{api.url}/uploads", headers=api.other_auth, timeout=10,
                          json={"filename": "x.mp4", "contentType": "video/mp4", "size": 10}).json()
    table = api.target.client("cloudformation").describe_stack_resource(
        StackName="video-api", LogicalResourceId="OwnersTable")["StackResourceDetail"]["PhysicalResourceId"]
    owners = api.target.resource("dynamodb").Table(table)
    payload = api.other_auth["Authorization"].split(".")[1]
    sub = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    assert owners.get_item(Key={"id": grant["videoId"]})["Item"] == {"id": grant["videoId"], "owner": sub}


def test_curl_gets_the_same_answers(api):
    def curl(*args):
        result = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True, text=True,
                                timeout=30, check=True)
        body, status = result.stdout.rsplit("\n", 1)
        return int(status), json.loads(body)

    status, body = curl("-H", f"Authorization: {api.auth['Authorization']}", f"{api.url}/videos/all-0")
    assert status == 200 and body["id"] == "all-0"
    status, body = curl("-X", "POST", "-H", f"Authorization: {api.auth['Authorization']}",
                        "-H", "Content-Type: application/json", "--data", "{not json", f"{api.url}/uploads")
    assert status == 400 and "not valid JSON" in body["message"]
    assert curl(f"{api.url}/videos") == (401, {"message": "Unauthorized"})


# ---------- bad input gets its documented 4xx ----------

@pytest.mark.parametrize("body, expected", [
    ("{\"filename\": ", "not valid JSON"),
    ("[1, 2]", "must be a JSON object"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4"}), "Missing field(s): size"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": 1, "owner": "x"}), "Unknown field(s): owner"),
    (json.dumps({"filename": "a.mp4", "contentType": "image/png", "size": 1}), "contentType must be one of"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": True}), "size must be"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": 50 * 1024 * 1024 + 1}),
     "over the upload limit of 52428800 bytes"),
    ("", "not valid JSON"),
    ("null", "must be a JSON object"),
    (json.dumps({"filename": "a.mp4", "contentType": ["video/mp4"], "size": 1}), "contentType must be one of"),
    (json.dumps({"filename": "a.mp4", "contentType": 4, "size": 1}), "contentType must be one of"),
    (json.dumps({"filename": 42, "contentType": "video/mp4", "size": 1}), "filename must be a string"),
    (json.dumps({"filename": None, "contentType": "video/mp4", "size": 1}), "filename must be a string"),
    (json.dumps({"filename": "a" * 201, "contentType": "video/mp4", "size": 1}), "filename must be a string"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": 0}), "size must be"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": -1}), "size must be"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": 1000.5}), "size must be"),
    (json.dumps({"filename": "a.mp4", "contentType": "video/mp4", "size": "1000"}), "size must be"),
])
def test_bad_upload_requests_get_400_saying_why(api, body, expected):
    response = requests.post(f"{api.url}/uploads", data=body, headers=api.auth, timeout=10)
    assert response.status_code == 400
    assert expected in message(response)


@pytest.mark.parametrize("query, expected", [
    ({"rendition": "4k"}, "rendition must be one of 1080p, 720p, 480p"),
    ({"limit": "0"}, "limit must be a whole number from 1 to 100"),
    ({"limit": "ten"}, "limit must be a whole number"),
    ({"nextToken": "not-a-token"}, "nextToken is not a token this API returned"),
])
def test_bad_list_queries_get_400_saying_why(api, query, expected):
    response = requests.get(f"{api.url}/videos", params=query, headers=api.auth, timeout=10)
    assert response.status_code == 400
    assert expected in message(response)


def test_an_unknown_id_gets_404(api):
    for method in ("GET", "DELETE"):
        response = requests.request(method, f"{api.url}/videos/no-such-video", headers=api.auth, timeout=10)
        assert response.status_code == 404
        assert message(response) == "No video with id 'no-such-video'"


def test_an_overlong_id_gets_400(api):
    response = requests.get(f"{api.url}/videos/{'x' * 201}", headers=api.auth, timeout=10)
    assert (response.status_code, message(response)) == (400, "id is at most 200 characters long")


# ---------- the authorizer ----------

def test_a_missing_token_gets_401(api):
    response = requests.get(f"{api.url}/videos", timeout=10)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})
    assert response.headers["x-amzn-ErrorType"] == "UnauthorizedException"


def test_an_expired_token_gets_401(api):
    # A real token of this pool, issued two hours ago: moto stamps iat and exp from its module's clock.
    two_hours_ago = time.time() - 7200
    with mock.patch("moto.cognitoidp.models.time", SimpleNamespace(time=lambda: two_hours_ago)):
        token = catalogue.sign_in(api.target, api.outputs, EMAIL, PASSWORD)
    response = requests.get(f"{api.url}/videos", headers={"Authorization": token}, timeout=10)
    assert (response.status_code, response.json()) == (401, {"message": "The incoming token has expired"})


def test_a_token_from_another_user_pool_gets_401(api):
    idp = api.target.client("cognito-idp")
    pool = idp.create_user_pool(PoolName="someone-elses-pool")["UserPool"]["Id"]
    client = idp.create_user_pool_client(UserPoolId=pool, ClientName="web",
                                         ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"])["UserPoolClient"]["ClientId"]
    other = {"UserPoolId": pool, "UserPoolClientId": client}
    catalogue.create_user(api.target, other, EMAIL, PASSWORD)
    token = catalogue.sign_in(api.target, other, EMAIL, PASSWORD)
    response = requests.get(f"{api.url}/videos", headers={"Authorization": token}, timeout=10)
    assert (response.status_code, response.json()) == (401, {"message": "Unauthorized"})


def test_a_token_signed_with_another_key_gets_401(api):
    payload = api.auth["Authorization"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    # The pool's genuine claims and key id, signed with a key that is not the pool's.
    forged = jwt.encode({"alg": "RS256", "kid": "dummy"}, claims, RSAKey.generate_key(2048))
    response = requests.get(f"{api.url}/videos", headers={"Authorization": forged}, timeout=10)
    assert response.status_code == 401


def test_an_access_token_is_not_an_id_token(api):
    access = api.target.client("cognito-idp").initiate_auth(
        ClientId=api.outputs["UserPoolClientId"], AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": EMAIL, "PASSWORD": PASSWORD})["AuthenticationResult"]["AccessToken"]
    assert requests.get(f"{api.url}/videos", headers={"Authorization": access}, timeout=10).status_code == 401


# ---------- API Gateway's own answers ----------

@pytest.mark.parametrize("method, path", [("GET", "/nothing-here"), ("PUT", "/videos"), ("GET", "/videos/a/b")])
def test_unknown_routes_get_403_missing_authentication_token(api, method, path):
    response = requests.request(method, f"{api.url}{path}", headers=api.auth, timeout=10)
    assert (response.status_code, response.json()) == (403, {"message": "Missing Authentication Token"})


def test_another_stage_gets_403(api):
    response = requests.get(api.url.rsplit("/", 1)[0] + "/dev/videos", headers=api.auth, timeout=10)
    assert response.status_code == 403


# ---------- the contract ----------

@SCHEMA.parametrize()
@settings(max_examples=40, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_openapi_contract(case, api):
    case.call_and_validate(base_url=api.url, headers=api.auth, timeout=30,
                           checks=[not_a_server_error, status_code_conformance, content_type_conformance,
                                   response_schema_conformance])


def test_nobody_signs_themselves_up(api):
    """Only the pool's administrator adds users: SignUp is refused, so the app client's id is no way in."""
    idp = api.target.client("cognito-idp")
    with pytest.raises(idp.exceptions.NotAuthorizedException, match="SignUp is not permitted"):
        idp.sign_up(ClientId=api.outputs["UserPoolClientId"], Username="mallory@example.com",
                    Password="Self-Made-Pass-99", UserAttributes=[{"Name": "email", "Value": "mallory@example.com"}])
    user = idp.admin_get_user(UserPoolId=api.outputs["UserPoolId"], Username=EMAIL)
    assert user["UserStatus"] == "CONFIRMED"
    assert {"Name": "email_verified", "Value": "true"} in user["UserAttributes"]
