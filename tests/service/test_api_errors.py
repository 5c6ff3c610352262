"""Bad input: every case is a 4xx problem+json naming the field, never a 500.

Against the real gunicorn, except the one case that needs a broken engine (an unexpected
exception), which runs the same app in-process.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.api import ApiConfig, create_app
from service.engine.screener import Screener
from service.lists import load_source


def assert_problem(response, status: int, field: str | None, detail: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["type"].startswith("https://")
    assert detail in body["detail"], body["detail"]
    assert body.get("field") == field
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body


def test_invalid_json_is_a_400(server):
    response = server.post("/v1/screen", data=b'{"queries": [', headers={"Content-Type": "application/json"})
    assert_problem(response, 400, None, "not valid JSON")


@pytest.mark.parametrize(
    "raw",
    [b"", b"   ", b'{"name": NaN}', b'{"threshold": Infinity, "name": "x"}', b"\xff\xfe\x00", b"[" * 100_000],
)
def test_empty_malformed_or_hostile_json_is_a_400(server, raw):
    response = server.post("/v1/screen", data=raw)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-json")


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ([{"name": "x"}], None, "the body must be a JSON object"),
        ({"queries": {"name": "x"}}, "queries", "queries must be an array"),
        ({"queries": ["Hezbollah"]}, "queries[0]", "queries[0] must be a JSON object"),
        ({"queries": [{"name": 42}]}, "queries[0].name", "queries[0].name must be a string"),
        ({"names": ["ok", ["nested"]]}, "names[1]", "names[1] must be a string"),
        ({"name": "x", "threshold": "0.5"}, "threshold", "threshold must be a number"),
        ({"name": "x", "threshold": True}, "threshold", "threshold must be a number"),
        ({"name": "x", "limit": 2.5}, "limit", "limit must be an integer"),
        ({"name": "x", "lists": "ofac_sdn"}, "lists", "lists must be an array"),
        ({"name": "x", "lists": [1]}, "lists[0]", "lists[0] must be a string"),
        ({"queries": [{"name": "x", "schema": 3}]}, "queries[0].schema", "must be a string"),
        ({"queries": [{"name": "x", "id": [1]}]}, "queries[0].id", "must be a string or an integer"),
        ({"queries": [{"name": "x", "birth_date": 1974}]}, "queries[0].birth_date", "must be a string"),
        ({"queries": [{"name": "x", "birth_date": "12/11/1974"}]}, "queries[0].birth_date", "YYYY-MM-DD"),
        ({"queries": [{"name": "x", "birth_date": "1974-02-30"}]}, "queries[0].birth_date", "YYYY-MM-DD"),
        ({"queries": [{"name": "x", "nmae": "y"}]}, "queries[0].nmae", "unknown field 'nmae'"),
        ({"name": "x", "treshold": 0.5}, "treshold", "unknown field 'treshold'"),
        ({"name": "x", "limit": 0}, "limit", "limit must be between 1 and 100"),
        ({"name": "x", "limit": 101}, "limit", "limit must be between 1 and 100"),
        ({"name": "x", "names": ["y"]}, "queries", "exactly one of queries, names or name"),
    ],
)
def test_a_wrong_type_or_value_names_the_field(server, body, field, detail):
    assert_problem(server.post("/v1/screen", json=body), 400, field, detail)


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({}, "queries", "missing queries"),
        ({"threshold": 0.5}, "queries", "missing queries"),
        ({"queries": []}, "queries", "queries is empty"),
        ({"names": []}, "names", "names is empty"),
        (
            {"queries": [{"name": "ok"}, {"schema": "Person"}]},
            "queries[1].name",
            "queries[1].name is required",
        ),
        ({"queries": [{"name": None}]}, "queries[0].name", "queries[0].name is required"),
        ({"queries": [{"name": "ok"}, {"name": ""}]}, "queries[1].name", "queries[1].name is empty"),
        ({"queries": [{"name": " \t\n "}]}, "queries[0].name", "queries[0].name is empty"),
        ({"name": ""}, "name", "name is empty"),
        ({"names": ["a", "b", "", "c"]}, "names[2]", "names[2] is empty"),
        # the batch reader's rule (one name_problem): punctuation alone is refused there too
        ({"name": "!!!"}, "name", "name has no letters or digits"),
        (
            {"queries": [{"name": "ok"}, {"name": "- / -"}]},
            "queries[1].name",
            "queries[1].name has no letters or digits",
        ),
    ],
)
def test_a_missing_or_empty_name_names_the_field(server, body, field, detail):
    assert_problem(server.post("/v1/screen", json=body), 400, field, detail)


def test_digits_alone_are_a_name_as_in_the_batch_reader(server):
    assert server.post("/v1/screen", json={"names": ["12345", "7-28"]}).status_code == 200


def test_a_name_over_512_characters_is_refused_and_512_is_accepted(server):
    queries = [{"name": "Hezbollah"}] * 3 + [{"name": "x" * 513}]
    assert_problem(
        server.post("/v1/screen", json={"queries": queries}),
        400,
        "queries[3].name",
        "queries[3].name is longer than 512 characters",
    )
    assert_problem(server.post("/v1/screen", json={"name": "é" * 513}), 400, "name", "longer than 512")
    assert server.post("/v1/screen", json={"name": "Ahmad " * 85 + "Al"}).status_code == 200  # 512


def test_a_lone_surrogate_is_a_400(server):
    response = server.post("/v1/screen", data=b'{"name": "Ahmad \\ud800"}')
    assert_problem(response, 400, "name", "not valid Unicode")


def test_more_than_1000_queries_is_refused_and_1000_is_accepted(server):
    assert_problem(
        server.post("/v1/screen", json={"names": ["Ali Hassan"] * 1001}),
        400,
        "names",
        "names has 1001 entries; at most 1000 per request",
    )
    assert_problem(
        server.post("/v1/screen", json={"queries": [{"name": "A"}] * 1001}), 400, "queries", "at most 1000"
    )
    ok = server.post("/v1/screen", json={"names": [f"Person Number {i}" for i in range(1000)]})
    assert ok.status_code == 200 and len(ok.json()["results"]) == 1000


def test_an_unknown_list_is_a_400(server):
    body = assert_problem(
        server.post("/v1/screen", json={"name": "x", "lists": ["ofac_sdn", "eu_fsf"]}),
        400,
        "lists[1]",
        "unknown list 'eu_fsf'",
    )
    assert "ofac_sdn, un_sc" in body["detail"]
    assert_problem(server.post("/v1/screen", json={"name": "x", "lists": []}), 400, "lists", "lists is empty")


def test_an_unknown_schema_is_a_400(server):
    body = assert_problem(
        server.post("/v1/screen", json={"queries": [{"name": "x"}, {"name": "y", "schema": "Company"}]}),
        400,
        "queries[1].schema",
        "unknown schema 'Company'",
    )
    assert "Person, Organization, Vessel, Aircraft, Any" in body["detail"]


@pytest.mark.parametrize("threshold", [-0.01, 1.01, 5, -1e308])
def test_a_threshold_outside_0_1_is_a_400(server, threshold):
    assert_problem(
        server.post("/v1/screen", json={"name": "x", "threshold": threshold}),
        400,
        "threshold",
        "threshold must be between 0 and 1",
    )


@pytest.mark.parametrize("threshold", [0, 1, 0.0, 1.0])
def test_the_threshold_bounds_are_accepted(server, threshold):
    assert server.post("/v1/screen", json={"name": "Hezbollah", "threshold": threshold}).status_code == 200


def test_a_body_over_1_mib_is_a_413(server):
    big = json.dumps({"names": ["x" * 500] * 2200}).encode()
    assert len(big) > 1024 * 1024
    assert_problem(server.post("/v1/screen", data=big), 413, None, "larger than the limit of 1048576 bytes")
    chunks = (big[i : i + 65536] for i in range(0, len(big), 65536))  # chunked: no Content-Length
    assert server.post("/v1/screen", data=chunks).status_code == 413


@pytest.mark.parametrize(
    ("body", "field", "detail"),
    [
        ({"a": {"name": "x"}}, "b", "b is required"),
        ({"a": "x", "b": {"name": "y"}}, "a", "a must be a JSON object"),
        ({"a": {"name": ""}, "b": {"name": "y"}}, "a.name", "a.name is empty"),
        ({"a": {"name": "x"}, "b": {"name": "y" * 513}}, "b.name", "longer than 512"),
        ({"a": {"name": "x", "schema": "Ship"}, "b": {"name": "y"}}, "a.schema", "unknown schema 'Ship'"),
        ({"a": {"name": "x"}, "b": {"name": "y"}, "c": {}}, "c", "unknown field 'c'"),
    ],
)
def test_compare_bad_input_names_the_field(server, body, field, detail):
    assert_problem(server.post("/v1/compare", json=body), 400, field, detail)


def test_an_unknown_route_is_a_json_404(server):
    for path in ("/nope", "/v1/screen/extra", "/v2/screen"):
        assert_problem(server.get(path), 404, None, f"no such resource: {path}")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/v1/screen", "POST"),
        ("PUT", "/v1/compare", "POST"),
        ("DELETE", "/v1/lists", "GET"),
        ("POST", "/healthz", "GET"),
        ("GET", "/v1/admin/reload", "POST"),
    ],
)
def test_a_wrong_method_is_a_json_405(server, method, path, allowed):
    response = server.http.request(method, server.url + path, timeout=30)
    assert_problem(response, 405, None, f"{method} is not allowed on {path}")
    assert allowed in response.headers["Allow"]


_scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
_json = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_name = st.one_of(st.text(max_size=40), st.text(alphabet="-'., \u0301\u200bA", max_size=12), _json)
_query = st.fixed_dictionaries(
    {"name": _name},
    optional={
        "schema": st.sampled_from(["Person", "Any", "Vessel", "x", ""]) | _json,
        "birth_date": st.sampled_from(["1974", "1974-11-12", "2000-13", ""]) | _json,
        "country": st.text(max_size=5) | _json,
        "id": _json,
    },
)
_body = st.one_of(
    _json,
    st.fixed_dictionaries(
        {"queries": st.lists(_query, max_size=4)},
        optional={
            "threshold": _json | st.floats(-1, 2),
            "limit": _json | st.integers(-2, 200),
            "lists": _json | st.lists(st.sampled_from(["ofac_sdn", "un_sc", "x"])),
        },
    ),
    st.fixed_dictionaries({"names": st.lists(_name, max_size=4)}),
)


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(body=_body)
def test_no_input_produces_a_500(server, body):
    for path in ("/v1/screen", "/v1/compare"):
        compare_pair = path == "/v1/compare" and isinstance(body, dict)
        payload = {"a": body, "b": {"name": "x"}} if compare_pair else body
        response = server.post(path, json=payload)
        assert response.status_code in (200, 400), (path, payload, response.text)
        if response.status_code == 400:
            assert response.headers["Content-Type"] == "application/problem+json"


@pytest.fixture
def broken_app():
    """The app in-process over an engine that raises, as an engine bug would."""
    watchlist = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"
    screener = Screener.from_lists([load_source("custom", watchlist)])

    def explode(*_args, **_kwargs):
        raise RuntimeError("internal state for Jane Secretname at /srv/orinoco/index.npy")

    screener.screen = explode
    return create_app(screener, ApiConfig())


def test_an_unexpected_exception_is_a_json_500_without_internals_and_logged_with_the_request_id(
    broken_app, caplog
):
    with caplog.at_level(logging.ERROR, logger="service.api"):
        response = broken_app.test_client().post(
            "/v1/screen", json={"name": "Jane Secretname"}, headers={"X-Request-ID": "rid-500"}
        )
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    assert body == {
        "type": "https://orinoco.invalid/problems/internal-error",
        "title": "Internal Server Error",
        "status": 500,
        "detail": body["detail"],
        "request_id": "rid-500",
    }
    assert "Secretname" not in response.get_data(as_text=True) and "/srv" not in body["detail"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "request_id=rid-500" in logged and "RuntimeError" in logged
    assert "Secretname" not in logged  # a name may be in an exception message: it is never logged
