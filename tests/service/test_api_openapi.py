"""GET /openapi.json is a valid OpenAPI 3.1 document, and the live server's answers match it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from service.api import create_app
from service.engine.screener import Screener
from service.lists import load_source

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"


@pytest.fixture(scope="module")
def spec(server) -> dict:
    response = server.get("/openapi.json")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("application/json")
    return response.json()


def check(spec: dict, schema_name: str, instance) -> None:
    """Validate against components/schemas/<name>, with refs resolved in the whole document."""
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(instance), key=str)
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def test_the_document_is_valid_openapi_3_1(spec):
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def test_one_version_from_the_package_metadata(spec, server):
    from importlib.metadata import version

    import service

    assert spec["info"]["version"] == service.__version__ == version("orinoco")
    health = server.get("/healthz").json()
    assert health == {"status": "ok", "version": service.__version__}
    check(spec, "Health", health)


def test_every_route_is_documented_and_every_documented_path_exists(spec):
    app = create_app(Screener.from_lists([load_source("custom", WATCHLIST)]))
    routes = {
        re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not rule.rule.startswith("/ui/")
    }  # HTML pages, not the API
    assert routes == set(spec["paths"])


def test_the_schemas_reject_what_they_should(spec):
    """The checks below would pass vacuously on a permissive schema: make sure they can fail."""
    with pytest.raises(AssertionError):
        check(spec, "ScreenResponse", {"results": []})
    with pytest.raises(AssertionError):
        check(spec, "Match", {"list": "x"})


def test_screen_responses_match(server, spec):
    body = {
        "queries": [
            {"name": "Tareck El-Aissami", "birth_date": "1974", "country": "VE", "id": 3},
            {"name": "Hezbollah", "schema": "Organization"},
            {"name": "Hassan Rouhani"},
        ],
        "threshold": 0.5,
        "limit": 5,
    }
    check(spec, "ScreenRequest", body)
    response = server.post("/v1/screen", json=body).json()
    check(spec, "ScreenResponse", response)
    assert any(r["matches"] for r in response["results"])
    check(spec, "ScreenResponse", server.post("/v1/screen", json={"names": ["Faouzi Kanaan"]}).json())


def test_compare_entities_lists_and_ops_responses_match(server, spec):
    pair = {"a": {"name": "Faouzi Kanaan"}, "b": {"name": "Fawzi Canaan", "schema": "Person"}}
    check(spec, "CompareRequest", pair)
    check(spec, "CompareResponse", server.post("/v1/compare", json=pair).json())
    check(spec, "Entity", server.get("/v1/entities/ofac_sdn/10892").json())
    check(spec, "Entity", server.get("/v1/entities/un_sc/" + first_un_id(server)).json())
    check(spec, "ListsResponse", server.get("/v1/lists").json())
    check(spec, "Ready", server.get("/readyz").json())
    check(spec, "Health", server.get("/healthz").json())


def first_un_id(server) -> str:
    body = server.post("/v1/screen", json={"name": "Al-Qaida", "lists": ["un_sc"], "threshold": 0.0}).json()
    return body["results"][0]["matches"][0]["entity_id"]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/v1/screen", {"json": {"queries": [{"name": ""}]}}),
        ("POST", "/v1/screen", {"data": b"{"}),
        ("POST", "/v1/compare", {"json": {"a": {}}}),
        ("GET", "/v1/entities/ofac_sdn/0", {}),
        ("GET", "/nowhere", {}),
        ("PATCH", "/v1/lists", {}),
        ("POST", "/v1/admin/reload", {}),
    ],
)
def test_problem_responses_match(server, spec, method, path, kwargs):
    response = server.http.request(method, server.url + path, timeout=30, **kwargs)
    assert response.status_code >= 400
    check(spec, "Problem", response.json())
