"""Clusters over HTTP: a real gunicorn on OFAC SDN 2021 + UN 2026 fills ``also_listed_on``."""

from __future__ import annotations


def test_screen_results_name_the_other_listings_of_the_same_party(server):
    query = {"name": "Qasem Soleimani", "schema": "Person"}
    body = server.post("/v1/screen", json={"queries": [query]}).json()
    ofac, un = body["results"][0]["matches"][:2]  # both score 1.0
    if ofac["list"] != "ofac_sdn":
        ofac, un = un, ofac
    assert (ofac["list"], ofac["entity_id"], un["list"], un["entity_id"]) == (
        "ofac_sdn",
        "10481",
        "un_sc",
        "110408",
    )
    assert ofac["cluster_id"] == un["cluster_id"] is not None
    assert ofac["also_listed_on"] == [{"list": "un_sc", "entity_id": "110408"}]
    assert un["also_listed_on"] == [{"list": "ofac_sdn", "entity_id": "10481"}]


def test_a_party_on_one_list_only_has_no_cluster(server):
    body = server.post("/v1/screen", json={"name": "Tareck El-Aissami"}).json()
    top = body["results"][0]["matches"][0]
    assert (top["list"], top["entity_id"]) == ("ofac_sdn", "20250")  # a US designation, not a UN one
    assert top["cluster_id"] is None and top["also_listed_on"] == []


def test_the_entity_record_shows_its_cluster_and_why(server):
    record = server.get("/v1/entities/un_sc/110408").json()
    cluster = record["cluster"]
    assert {"list": "ofac_sdn", "entity_id": "10481"} in cluster["members"]
    (link,) = cluster["links"]
    assert link["by_identifier"] and any("008827" in e for e in link["evidence"])
    assert server.get("/v1/entities/ofac_sdn/20250").json()["cluster"] is None


def test_serve_un_ofac_and_uk_fills_also_listed_on_across_all_three(start_server):
    from conftest import real_list_args
    from lists_support import reference_path

    uk = reference_path("uk_ofsi_2025-04/ConList.xlsx")
    server = start_server(*real_list_args(), "--list", f"uk={uk}")
    body = server.post("/v1/screen", json={"name": "Jaber al-Jalahmah"}).json()
    top = body["results"][0]["matches"][0]
    others = {(x["list"], x["entity_id"]) for x in top["also_listed_on"]} | {(top["list"], top["entity_id"])}
    assert others == {("ofac_sdn", "10010"), ("un_sc", "2797952"), ("uk_ofsi", "9225")}
    assert {v["id"] for v in body["lists"]} == {"ofac_sdn", "un_sc", "uk_ofsi"}


def test_el_aissami_on_ofac_uk_and_both_canadian_records_is_one_party(start_server):
    """Canada lists him twice (Venezuela regulations and JVCFOR): both records join his OFAC and
    UK listings, and "Tareck El Aissami" finds each of the four, his second surname and middle
    name notwithstanding."""
    from conftest import real_list_args
    from lists_support import reference_path

    uk = reference_path("uk_ofsi_2025-04/ConList.xlsx")
    ca = reference_path("ca_sema_2020-04/sema-lmes.xml")
    server = start_server(*real_list_args(), "--list", f"uk={uk}", "--list", f"ca={ca}")
    body = server.post("/v1/screen", json={"name": "Tareck El Aissami", "threshold": 0.9, "limit": 10}).json()
    found = {(m["list"], m["entity_id"]): m for m in body["results"][0]["matches"]}
    records = {
        ("ofac_sdn", "20250"),
        ("uk_ofsi", "13679"),
        ("ca_sema", "JVCFOR-1-2"),
        ("ca_sema", "Venezuela-4"),
    }
    assert records <= found.keys()
    assert all(found[r]["score"] >= 0.9 for r in records)
    assert len({found[r]["cluster_id"] for r in records}) == 1 and found[("ofac_sdn", "20250")]["cluster_id"]
    cluster = server.get("/v1/entities/ca_sema/Venezuela-4").json()["cluster"]
    assert {(m["list"], m["entity_id"]) for m in cluster["members"]} == records
