"""POST /v1/screen/text on the real gunicorn (OFAC 2021 + UN): offsets, limits, errors, the spec."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from test_text_article import article_path

TEXT = (
    "In June 2008 the US Treasury designated Ghazi Nasreddin and Faouzi Kanaan. "
    "According to the Treasury, Canaan owned a travel agency that raised money for Hezbollah."
)


@pytest.fixture(scope="module")
def spec(server) -> dict:
    return server.get("/openapi.json").json()


def check(spec: dict, schema_name: str, instance) -> None:
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    errors = sorted(Draft202012Validator(root).iter_errors(instance), key=str)
    assert not errors, f"{schema_name}: " + "; ".join(
        f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]
    )


def test_mentions_point_at_the_right_substring_and_match_the_spec(server, spec):
    body = {"text": TEXT, "lists": ["ofac_sdn"]}
    check(spec, "TextRequest", body)
    response = server.post("/v1/screen/text", json=body)
    assert response.status_code == 200, response.text
    doc = response.json()
    check(spec, "TextResponse", doc)
    assert [v["id"] for v in doc["lists"]] == ["ofac_sdn"]
    found = {m["text"]: m for m in doc["mentions"]}
    for m in doc["mentions"]:
        assert TEXT[m["start"] : m["end"]] == m["text"]
    assert found["Ghazi Nasreddin"]["matches"][0]["entity_id"] == "10891"
    assert found["Faouzi Kanaan"]["matches"][0]["entity_id"] == "10892"
    assert found["Hezbollah"]["matches"][0]["entity_id"] == "4697"
    canaan = found["Canaan"]["matches"][0]
    assert canaan["entity_id"] == "10892"
    assert (
        canaan["explanation"]["note"]
        == f"resolved to the earlier mention at offset {found['Faouzi Kanaan']['start']}"
    )


def test_matches_are_shaped_as_in_v1_screen(server, spec):
    text_match = server.post("/v1/screen/text", json={"text": TEXT}).json()["mentions"][0]["matches"][0]
    name_doc = server.post("/v1/screen", json={"name": "Ghazi Nasreddin"}).json()
    name_match = name_doc["results"][0]["matches"][0]
    assert list(text_match) == list(name_match)
    check(spec, "Match", text_match)


def test_the_article_is_screened_over_http(server):
    article = article_path().read_text(encoding="utf-8")
    doc = server.post("/v1/screen/text", json={"text": article, "lists": ["ofac_sdn"]}).json()
    ids = {m["matches"][0]["entity_id"] for m in doc["mentions"]}
    assert {"20250", "10891", "10892", "4697", "26367"} <= ids  # Maduro (22790): under the default, issue 14
    assert all(article[m["start"] : m["end"]] == m["text"] for m in doc["mentions"])


def test_a_higher_threshold_drops_weaker_mentions(server):
    low = server.post("/v1/screen/text", json={"text": TEXT, "threshold": 0.5}).json()["mentions"]
    # calibrated scores sit near 1: Hezbollah (0.998) falls under 0.999, the three names stay
    high = server.post("/v1/screen/text", json={"text": TEXT, "threshold": 0.999}).json()["mentions"]
    assert len(high) < len(low)
    assert all(m["matches"][0]["score"] > 0.999 for m in high)


def test_100000_characters_are_accepted_and_one_more_is_a_413(server, spec):
    assert server.post("/v1/screen/text", json={"text": "x " * 50_000}).status_code == 200
    response = server.post("/v1/screen/text", json={"text": "x " * 50_000 + "y"})
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = response.json()
    check(spec, "Problem", problem)
    assert problem["field"] == "text"


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "   \n"}, {"text": 42}, {"text": ["a"]}, {"text": None}]
)
def test_a_missing_empty_or_non_string_text_is_a_400_naming_text(server, spec, body):
    response = server.post("/v1/screen/text", json=body)
    assert response.status_code == 400
    check(spec, "Problem", response.json())
    assert response.json()["field"] == "text"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "a", "threshold": 2}, "threshold"),
        ({"text": "a", "lists": ["nope"]}, "lists[0]"),
        ({"text": "a", "name": "b"}, "name"),
    ],
)
def test_other_fields_are_checked_too(server, body, field):
    response = server.post("/v1/screen/text", json=body)
    assert response.status_code == 400 and response.json()["field"] == field


def test_the_text_is_never_logged(server):
    marker = "Quetzalcoatlus Zyxwvutsrqpon"
    assert server.post("/v1/screen/text", json={"text": f"{marker} met Hezbollah."}).status_code == 200
    assert marker.split()[0] not in server.log()
    assert "screen_text request_id=" in server.log()
