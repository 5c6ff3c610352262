"""POST /v1/screen and /v1/compare, GET /v1/entities and /v1/lists on a real gunicorn with the real lists."""

from __future__ import annotations

import pytest

# The acceptance list: each name must find this OFAC SDN entry first, above the default threshold.
ACCEPTANCE = [
    ("Tareck El-Aissami", "20250"),
    # Issue 14: ranks first at 0.93, under the default threshold set for a 1% alert budget on the real lists.
    pytest.param(
        "Al-Aissami",
        "20250",
        marks=pytest.mark.xfail(strict=True, reason="issue 14: under the default threshold"),
    ),
    ("Faouzi Kanaan", "10892"),
    ("Fawzi Canaan", "10892"),
    ("Ghazi Nasreddin", "10891"),
    ("Hezbollah", "4697"),
]


@pytest.mark.parametrize(("name", "ent_num"), ACCEPTANCE)
def test_acceptance_names_find_their_ofac_entity_first(server, name, ent_num):
    body = server.post("/v1/screen", json={"queries": [{"name": name}]}).json()
    matches = body["results"][0]["matches"]
    assert matches, f"{name!r}: no match above the default threshold {body['threshold']}"
    top = matches[0]
    assert (top["list"], top["entity_id"]) == ("ofac_sdn", ent_num), (
        f"{name!r}: first match is {top['list']}/{top['entity_id']} {top['name']!r} ({top['score']})"
    )
    assert top["score"] > body["threshold"]


def test_a_name_that_is_not_listed_returns_no_match(server):
    body = server.post("/v1/screen", json={"name": "Hassan Rouhani"}).json()
    assert body["results"][0]["matches"] == []


def test_one_result_per_query_in_order_with_the_query_echoed(server):
    queries = [
        {"name": "Ghazi Nasreddin", "schema": "Person", "birth_date": "1957", "country": "SA", "id": "c-1"},
        {"name": "Hassan Rouhani", "id": 7},
        {"name": "Tareck El-Aissami", "birth_date": "1974-11-12", "country": "VE"},
    ]
    body = server.post("/v1/screen", json={"queries": queries}).json()
    assert [r["query"]["name"] for r in body["results"]] == [q["name"] for q in queries]
    assert body["results"][0]["query"] == {**queries[0], "identifiers": []}
    assert body["results"][1]["query"] == {
        "name": "Hassan Rouhani",
        "schema": "Any",
        "birth_date": None,
        "country": None,
        "id": 7,
        "identifiers": [],
    }
    assert body["results"][2]["query"]["country"] == "VE"


def test_a_match_carries_facts_and_an_explanation(server):
    body = server.post(
        "/v1/screen",
        json={"queries": [{"name": "Tareck El-Aissami", "birth_date": "1974-11-12", "country": "VE"}]},
    ).json()
    top = body["results"][0]["matches"][0]
    assert top["name"] == "EL AISSAMI MADDAH, Tareck Zaidan"
    assert top["schema"] == "Person" and top["programs"] and isinstance(top["weak_alias"], bool)
    assert {"date": "1974-11-12", "end": None, "circa": False} in top["birth_dates"]
    assert top["matched_name"]
    pairs = top["explanation"]["tokens"]
    assert {p["query"] for p in pairs} >= {"tareck", "aissami"}
    assert all(0.0 <= p["similarity"] <= 1.0 for p in pairs)
    reasons = " ".join(a["reason"] for a in top["explanation"]["adjustments"])
    assert "birth" in reasons


def test_matches_are_sorted_by_score_and_limited(server):
    body = server.post("/v1/screen", json={"name": "Mohammed", "threshold": 0.0, "limit": 7}).json()
    scores = [m["score"] for m in body["results"][0]["matches"]]
    assert len(scores) == 7
    assert scores == sorted(scores, reverse=True)
    assert body["limit"] == 7 and body["threshold"] == 0.0


def test_the_response_names_the_list_versions_and_a_request_id(server):
    response = server.post(
        "/v1/screen", json={"names": ["Hezbollah", "Ghazi Nasreddin"]}, headers={"X-Request-ID": "audit-42"}
    )
    body = response.json()
    assert body["request_id"] == "audit-42" == response.headers["X-Request-ID"]
    versions = {v["id"]: v for v in body["lists"]}
    assert set(versions) == {"ofac_sdn", "un_sc"}
    assert versions["un_sc"]["published"] == "2026-02-27"
    assert len(versions["ofac_sdn"]["sha256"]) == 64 and versions["ofac_sdn"]["entities"] == 8976
    assert len(body["results"]) == 2


def test_a_request_id_is_generated_when_none_is_given(server):
    first = server.post("/v1/screen", json={"name": "Hezbollah"}).json()["request_id"]
    second = server.post("/v1/screen", json={"name": "Hezbollah"}).json()["request_id"]
    assert first != second and len(first) == 32


def test_the_lists_filter_restricts_the_matches_and_the_versions(server):
    body = server.post("/v1/screen", json={"name": "Hezbollah", "lists": ["un_sc"], "threshold": 0.0}).json()
    assert [v["id"] for v in body["lists"]] == ["un_sc"]
    assert {m["list"] for m in body["results"][0]["matches"]} <= {"un_sc"}


def test_a_higher_threshold_drops_weaker_matches(server):
    low = server.post("/v1/screen", json={"name": "Fawzi Canaan", "threshold": 0.05}).json()
    high = server.post("/v1/screen", json={"name": "Fawzi Canaan", "threshold": 0.99}).json()
    assert all(m["score"] > 0.99 for m in high["results"][0]["matches"])
    assert len(low["results"][0]["matches"]) > len(high["results"][0]["matches"])


def test_compare_scores_one_pair(server):
    body = server.post(
        "/v1/compare", json={"a": {"name": "Tareck El Aissami"}, "b": {"name": "Tarek Aissami"}}
    ).json()
    assert 0.8 < body["score"] <= 1.0
    assert body["explanation"]["tokens"]
    unrelated = server.post(
        "/v1/compare", json={"a": {"name": "Tareck El Aissami"}, "b": {"name": "Maria Gonzalez"}}
    ).json()
    assert unrelated["score"] < body["score"]


def test_compare_and_screen_give_a_pair_one_score(start_server, tmp_path):
    """The README's pair: /v1/compare equals /v1/screen against a one-name custom list (issue 21)."""
    one = tmp_path / "one.csv"
    one.write_text("entity_id,name,schema\nK1,Faouzi Kanaan,Person\n", encoding="utf-8")
    server = start_server("--list", f"custom={one}")
    pair = {"a": {"name": "Fawzi Canaan"}, "b": {"name": "Faouzi Kanaan"}}
    compared = server.post("/v1/compare", json=pair).json()["score"]
    screened = server.post("/v1/screen", json={"name": "Fawzi Canaan", "threshold": 0.0}).json()
    # Two spelling variants, neither token exact, on a list with no name structure: a likely match
    # (0.64 with score model 2026-12-07.3) that alerts against the OFAC record's structured name.
    assert compared > 0.5
    assert compared == screened["results"][0]["matches"][0]["score"]


def test_an_entity_record_is_served_whole(server):
    response = server.get("/v1/entities/ofac_sdn/20250")
    assert response.status_code == 200
    entity = response.json()
    assert entity["entity_id"] == "20250" and entity["list"] == "ofac_sdn"
    assert entity["schema"] == "Person" and entity["aliases"] and entity["programs"] == ["SDNTK"]
    assert {"documents", "addresses", "birth_dates", "remarks"} <= set(entity)


@pytest.mark.parametrize(
    ("path", "detail"),
    [
        ("/v1/entities/ofac_sdn/999999999", "has no entity '999999999'"),
        ("/v1/entities/eu_fsf/1", "no list 'eu_fsf' is loaded"),
    ],
)
def test_an_unknown_entity_or_list_is_a_404_with_a_message(server, path, detail):
    response = server.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/problem+json"
    assert detail in response.json()["detail"]


def test_lists_reports_each_version(server):
    body = server.get("/v1/lists").json()
    by_id = {v["id"]: v for v in body["lists"]}
    assert by_id["ofac_sdn"]["source"] == "ofac" and by_id["un_sc"]["source"] == "un"
    assert by_id["ofac_sdn"]["published"] is None  # the 2021 CSV set states no date
    assert by_id["un_sc"]["entities"] == 1003 and by_id["un_sc"]["names"] > 1003
    assert all(v["loaded_at"].endswith("Z") for v in body["lists"])
    assert body["reload"]["error"] is None


def test_an_identifier_alerts_whatever_the_name_and_says_so(server):
    """Passport C1668015 (Venezuela) is listed for OFAC 20250; the name typed is someone else's."""
    query = {
        "name": "Juan Perez",
        "identifiers": [{"type": "passport", "number": "c-1668015", "country": "VE"}],
    }
    body = server.post("/v1/screen", json={"queries": [query]}).json()
    assert body["score_model"] and body["threshold"] > 0
    top = body["results"][0]["matches"][0]
    assert (top["list"], top["entity_id"]) == ("ofac_sdn", "20250") and top["score"] > body["threshold"]
    assert top["explanation"]["identifier"] == "match"
    assert any("identifier matches" in a["reason"] for a in top["explanation"]["adjustments"])
    assert body["results"][0]["query"]["identifiers"] == [
        {"type": "passport", "number": "c-1668015", "country": "VE"}
    ]
    plain = server.post("/v1/screen", json={"name": "Juan Perez"}).json()
    assert all(m["entity_id"] != "20250" for m in plain["results"][0]["matches"])


def test_another_passport_of_the_same_country_lowers_the_score(server):
    name = "Tareck El Aissami"
    plain = server.post(
        "/v1/compare", json={"a": {"name": name}, "b": {"name": "EL AISSAMI MADDAH, Tareck Zaidan"}}
    ).json()
    other = server.post(
        "/v1/compare",
        json={
            "a": {"name": name, "identifiers": [{"type": "passport", "number": "X1234567", "country": "VE"}]},
            "b": {
                "name": "EL AISSAMI MADDAH, Tareck Zaidan",
                "identifiers": [{"type": "passport", "number": "C1668015", "country": "Venezuela"}],
            },
        },
    ).json()
    assert other["score"] < plain["score"] and other["explanation"]["identifier"] == "conflict"
    assert other["score_model"] == plain["score_model"]


@pytest.mark.parametrize(
    ("identifiers", "field"),
    [
        ([{"type": "driving_licence", "number": "123"}], "queries[0].identifiers[0].type"),
        ([{"type": "passport"}], "queries[0].identifiers[0].number"),
        ([{"type": "passport", "number": "12", "extra": 1}], "queries[0].identifiers[0].extra"),
        ({"type": "passport"}, "queries[0].identifiers"),
    ],
)
def test_a_bad_identifier_is_a_400_naming_the_field(server, identifiers, field):
    r = server.post("/v1/screen", json={"queries": [{"name": "Juan Perez", "identifiers": identifiers}]})
    assert r.status_code == 400 and r.json()["field"] == field


SHARED_FIELDS = (
    "list",
    "entity_id",
    "schema",
    "name",
    "programs",
    "birth_dates",
    "nationalities",
    "citizenships",
)


@pytest.mark.parametrize(
    ("list_id", "entity_id", "query"),
    [
        ("ofac_sdn", "20250", "Tareck El Aissami"),  # nationalities and citizenships, birth dates
        ("un_sc", "110408", None),
    ],
)
def test_an_entity_and_its_match_show_the_same_fields_in_the_same_shapes(server, list_id, entity_id, query):
    entity = server.get(f"/v1/entities/{list_id}/{entity_id}").json()
    query = query or entity["name"]
    body = server.post(
        "/v1/screen", json={"name": query, "threshold": 0.0, "limit": 100, "lists": [list_id]}
    ).json()
    [match] = [m for m in body["results"][0]["matches"] if m["entity_id"] == entity_id]
    assert {k: match[k] for k in SHARED_FIELDS} == {k: entity[k] for k in SHARED_FIELDS}
    assert entity["birth_dates"] and all(set(b) == {"date", "end", "circa"} for b in entity["birth_dates"])
    text = server.post(
        "/v1/screen/text", json={"text": f"Yesterday {query} was seen.", "threshold": 0.0, "lists": [list_id]}
    ).json()
    in_text = [m for x in text["mentions"] for m in x["matches"] if m["entity_id"] == entity_id]
    assert in_text and {k: in_text[0][k] for k in SHARED_FIELDS} == {k: entity[k] for k in SHARED_FIELDS}
