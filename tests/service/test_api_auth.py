"""ORINOCO_API_KEYS: /v1/* needs a valid key; health, readiness, metrics and docs stay open."""

from __future__ import annotations

import pytest

from service.api.auth import key_is_valid

SCREEN = {"name": "Jane Doe"}


def test_a_request_without_a_key_is_a_401(keyed_server):
    response = keyed_server.post("/v1/screen", json=SCREEN)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "an API key is required" in response.json()["detail"]


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer wrong-key"},
        {"X-API-Key": "test-key-0123456789abcdeF"},
        {"X-API-Key": "test-key-0123456789abcde"},
        {"Authorization": "Basic dGVzdC1rZXk="},
    ],
)
def test_a_wrong_key_is_a_401(keyed_server, headers):
    response = keyed_server.post("/v1/screen", json=SCREEN, headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"] in (
        "the API key is not valid",
        "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
    )


def test_either_header_and_any_configured_key_is_accepted(keyed_server, api_keys):
    for key in api_keys:
        for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
            assert keyed_server.post("/v1/screen", json=SCREEN, headers=headers).status_code == 200
            assert keyed_server.get("/v1/lists", headers=headers).status_code == 200


def test_every_v1_route_is_protected(keyed_server):
    for method, path in (
        ("GET", "/v1/lists"),
        ("GET", "/v1/entities/custom/C1"),
        ("POST", "/v1/compare"),
        ("POST", "/v1/admin/reload"),
        ("GET", "/v1/unknown"),
    ):
        assert keyed_server.http.request(method, keyed_server.url + path, timeout=30).status_code == 401


def test_health_readiness_metrics_and_docs_stay_open(keyed_server):
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/"):
        assert keyed_server.get(path).status_code == 200, path


def test_keys_never_reach_the_log(keyed_server, api_keys):
    keyed_server.post("/v1/screen", json=SCREEN, headers={"Authorization": f"Bearer {api_keys[0]}"})
    keyed_server.post("/v1/screen", json=SCREEN, headers={"X-API-Key": "leaked-guess-key"})
    log = keyed_server.log()
    assert api_keys[0] not in log and api_keys[1] not in log and "leaked-guess-key" not in log


def test_admin_reload_is_refused_when_no_keys_are_configured(server):
    response = server.post("/v1/admin/reload")
    assert response.status_code == 403
    assert "ORINOCO_API_KEYS" in response.json()["detail"]


def test_key_comparison():
    keys = ("alpha-key", "beta-key")
    assert key_is_valid("beta-key", keys) and key_is_valid("alpha-key", keys)
    assert not key_is_valid("beta-ke", keys) and not key_is_valid("", keys) and not key_is_valid("x", ())
