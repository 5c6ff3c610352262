"""Every limit the generated /openapi.json documents is the limit the API enforces, at its boundary.

The probes are read from the served document, not written here: for each request body (and each
query parameter) every maxLength, minLength, maxItems, minItems, minimum and maximum found on a
field of a valid example body is tried at the limit (accepted) and one past it (refused with a
4xx problem naming that field). A limit added to a model is probed without touching this file; a
limit enforced but not documented, or documented but not enforced, fails here.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from monitor_support import WATCHLIST_V1, fresh_database, screener_for, write_watchlist

from service.api import ApiConfig, create_app, openapi
from service.api.provider import ScreenerProvider
from service.api.routes_ops import supported_lists
from service.api.validation import path as field_path
from service.monitor import Monitor
from service.monitor.records import parse_customer

QUERY = {
    "name": "Zorander Quillfeather",
    "schema": "Person",
    "birth_date": "1970",
    "country": "VE",
    "id": "ref-1",
    "identifiers": [{"type": "passport", "number": "C1668015", "country": "VE"}],
}
CUSTOMER = {
    "names": ["Ivelina Marchetti"],
    "type": "Person",
    "birth_date": "1961",
    "country": "IT",
    "identifiers": [{"type": "passport", "number": "YA1234", "country": "IT"}],
}
# (method, path, a valid body): each names every field it can, so that each field's limits get probed
BODIES: list[tuple[str, str, dict]] = [
    ("post", "/v1/screen", {"queries": [QUERY], "threshold": 0.5, "limit": 10, "lists": ["watch"]}),
    ("post", "/v1/screen", {"names": ["Osvaldo Perkunas"]}),
    ("post", "/v1/screen", {"name": "Osvaldo Perkunas"}),
    ("post", "/v1/compare", {"a": QUERY, "b": {**copy.deepcopy(QUERY), "name": "Zorander Quilfeather"}}),
    ("post", "/v1/screen/text", {"text": "Osvaldo Perkunas met us.", "threshold": 0.5, "lists": ["watch"]}),
    ("post", "/v1/customers", {"customers": [{**CUSTOMER, "id": "cust-1"}]}),
    ("put", "/v1/customers/cust-2", CUSTOMER),
    ("post", "/v1/customer-removals", {"ids": ["cust-x"]}),
    ("post", "/v1/alerts/1/decisions", {"decision": "escalated", "reason": "same year", "reviewer": "ana"}),
]
QUERY_PARAMETERS = [("/v1/customers", "listCustomers"), ("/v1/alerts", "listAlerts")]
BOUNDS = ("maxLength", "minLength", "maxItems", "minItems", "minimum", "maximum")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("limits")
    screener = screener_for(write_watchlist(tmp / "w.csv", dict(WATCHLIST_V1)))
    monitor = Monitor(fresh_database("sqlite", tmp))
    monitor.lists_loaded(screener)
    monitor.put_customers([parse_customer({"id": "cust-7", "names": ["Zorander Quillfeather"]})], screener)
    return create_app(screener, ApiConfig(), monitor).test_client()


@pytest.fixture(scope="module")
def spec(client) -> dict:
    return client.get("/openapi.json").get_json()


def resolve(spec: dict, schema: dict) -> dict:
    """The schema itself: $ref followed, the non-null branch of a nullable anyOf."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        elif "anyOf" in schema:
            schema = next(s for s in schema["anyOf"] if s.get("type") != "null")
        else:
            return schema


def probes(spec: dict, schema: dict, value: Any, loc: tuple) -> list[tuple[tuple, str, Any]]:
    """(where, keyword, limit) for every bound on ``value`` and what it holds, per the schema."""
    schema = resolve(spec, schema)
    found = [(loc, k, schema[k]) for k in BOUNDS if k in schema]
    if isinstance(value, dict):
        for key, item in value.items():
            found += probes(spec, schema["properties"][key], item, (*loc, key))
    elif isinstance(value, list) and value:
        found += probes(spec, schema["items"], value[0], (*loc, 0))
    return found


def get(body: Any, loc: tuple) -> Any:
    for part in loc:
        body = body[part]
    return body


def put(body: Any, loc: tuple, value: Any) -> Any:
    body = copy.deepcopy(body)
    get(body, loc[:-1])[loc[-1]] = value
    return body


def sized(current: Any, n: int, schema: dict) -> Any:
    """``current`` made exactly ``n`` long: a string of letters (or a documented example of that
    length when a pattern constrains it), an array of copies, each object's id kept distinct."""
    if isinstance(current, str):
        text = ("Ab" * n)[:n]
        if re.search(schema.get("pattern", ""), text):
            return text
        # a patterned string (a date): a documented example of that length, or one a character longer
        fits = [e for e in schema.get("examples", []) if len(e) == n] + [
            e + "1" for e in schema.get("examples", []) if len(e) == n - 1
        ]
        return fits[0] if fits else pytest.fail(f"no example of {n} characters for {schema}")
    items = []
    for i in range(n):
        item = copy.deepcopy(current[0])
        if isinstance(item, dict) and "id" in item:
            item["id"] = f"{item['id']}-{i}"
        items.append(item)
    return items


def _matches(rule: str, url: str) -> bool:
    a, b = rule.strip("/").split("/"), url.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


def request_schema(spec: dict, method: str, url: str) -> dict:
    rule = next(p for p in spec["paths"] if _matches(p, url))
    return spec["paths"][rule][method]["requestBody"]["content"]["application/json"]["schema"]


# The document as the server generates it (no lists needed: it depends on the routes and models only).
SPEC = openapi.build(create_app(ScreenerProvider()), supported_lists())
CASES = [
    (method, url, body, loc, keyword, limit)
    for method, url, body in BODIES
    for loc, keyword, limit in probes(SPEC, request_schema(SPEC, method, url), body, ())
]


def test_the_served_document_is_the_generated_one(client, spec):
    assert spec == SPEC


def test_the_document_states_the_limits():
    """The probes below would pass vacuously on a document without bounds: make sure they are there."""
    found = {(field_path(loc), keyword) for _, _, _, loc, keyword, _ in CASES}
    assert {
        ("queries", "maxItems"),
        ("queries[0].name", "maxLength"),
        ("queries[0].id", "maxLength"),
        ("queries[0].identifiers", "maxItems"),
        ("threshold", "minimum"),
        ("limit", "maximum"),
        ("text", "maxLength"),
        ("customers[0].id", "maxLength"),
        ("reason", "maxLength"),
        ("ids", "maxItems"),
    } <= found


@pytest.mark.parametrize(
    ("method", "url", "body", "loc", "keyword", "limit"),
    CASES,
    ids=[f"{m} {u} {field_path(loc) or 'body'} {k}={v}" for m, u, _, loc, k, v in CASES],
)
def test_each_documented_limit_holds_at_its_boundary(client, method, url, body, loc, keyword, limit):
    schema = resolve(SPEC, _schema_at(SPEC, request_schema(SPEC, method, url), loc))
    if keyword in ("minimum", "maximum"):
        step = 1 if schema.get("type") == "integer" else 0.01
        at, past = limit, limit + (step if keyword == "maximum" else -step)
    else:
        current = get(body, loc)
        at = sized(current, limit, schema)
        past = sized(current, limit + (1 if keyword.startswith("max") else -1), schema)
    send = getattr(client, method)
    accepted = send(url, json=put(body, loc, at))
    assert accepted.status_code < 300, (field_path(loc), keyword, limit, accepted.get_json())
    refused = send(url, json=put(body, loc, past))
    problem = refused.get_json()
    assert refused.status_code in (400, 413), (field_path(loc), keyword, limit, problem)
    assert refused.content_type == "application/problem+json"
    assert problem["field"] == field_path(loc), problem


def _schema_at(spec: dict, schema: dict, loc: tuple) -> dict:
    for part in loc:
        schema = resolve(spec, schema)
        schema = schema["items"] if isinstance(part, int) else schema["properties"][part]
    return schema


@pytest.mark.parametrize(("url", "operation"), QUERY_PARAMETERS)
def test_each_documented_query_parameter_limit_holds(client, url, operation):
    [params] = [
        op["parameters"]
        for p in SPEC["paths"].values()
        for op in p.values()
        if op["operationId"] == operation
    ]
    bounded = [
        (p["name"], k, p["schema"][k]) for p in params for k in ("minimum", "maximum") if k in p["schema"]
    ]
    assert ("limit", "maximum", 1000) in bounded
    for name, keyword, limit in bounded:
        assert client.get(url, query_string={name: limit}).status_code == 200
        past = limit + (1 if keyword == "maximum" else -1)
        refused = client.get(url, query_string={name: past})
        assert refused.status_code == 400 and refused.get_json()["field"] == name
