"""Identifiers as evidence: an exact listed number alerts whatever the names; another number of the
same kind and country counts against; the batch file's identifier column."""

from __future__ import annotations

import pandas as pd
import pytest

from service.batch.prepare import Columns, prepare
from service.engine.identifiers import Identifier, kind_of, parse_identifiers
from service.engine.model import Document, Entity, ListVersion, LoadedList, Vessel
from service.engine.screener import Query, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    entities = [
        Entity(
            "p1",
            "t",
            "Person",
            "EL AISSAMI MADDAH, Tareck Zaidan",
            documents=[
                Document("Passport", "C1668015", "Venezuela"),
                Document("Identification Number", "12.354.211", "Venezuela"),
            ],
        ),
        Entity("v1", "t", "Vessel", "NORTHERN STAR", vessel=Vessel(imo="9123456")),
        Entity(
            "o1",
            "t",
            "Organization",
            "PETROLEOS DE VENEZUELA, S.A.",
            documents=[Document("RIF", "J-00095036-9", "Venezuela")],
        ),
        *(
            Entity(f"x{i}", "t", "Person", f"{g} {f}")
            for i, (g, f) in enumerate(
                [("Juan", "Perez"), ("Maria", "Lopez"), ("Ana", "Garcia"), ("Luis", "Martinez")]
            )
        ),
    ]
    version = ListVersion("t", "custom", None, "0" * 64, len(entities), len(entities), "now")
    return Screener.from_lists([LoadedList(version, entities)])


def test_document_types_map_to_kinds():
    assert kind_of("Passport") == "passport"
    assert kind_of("Cedula No.") == "national_id" and kind_of("Identification Number") == "national_id"
    assert kind_of("RIF") == "tax_id" and kind_of("Registration Number") == "tax_id"
    assert kind_of("IMO") == "imo" and kind_of("SWIFT/BIC") == "bic"
    assert kind_of("Website") is None


def test_an_exact_identifier_alerts_even_when_the_names_differ(screener):
    q = Query("Pedro Gomez", identifiers=[Identifier("passport", "c 1668015", "VE")])
    [m] = screener.screen([q])[0].matches
    assert m.entity_id == "p1" and m.score > screener.default_threshold
    assert m.explanation["identifier"] == "match"
    assert any("identifier matches" in a["reason"] for a in m.explanation["adjustments"])
    # Without the identifier the name alone finds nothing.
    assert screener.screen([Query("Pedro Gomez")])[0].matches == []


def test_imo_and_national_id_formats_are_normalized(screener):
    ship = screener.screen([Query("Sea Breeze", identifiers=[Identifier("imo", "IMO 9123456")])])[0]
    assert [m.entity_id for m in ship.matches] == ["v1"]
    query = Query("T Z", identifiers=[Identifier("national_id", "12354211", "Venezuela")])
    ident = screener.screen([query])[0]
    assert [m.entity_id for m in ident.matches] == ["p1"]


def test_another_number_of_the_same_kind_and_country_counts_against(screener):
    name = "Tareck El Aissami"
    plain = screener.screen([Query(name)], threshold=0.0)[0].matches[0]
    other = screener.screen(
        [Query(name, identifiers=[Identifier("passport", "X999999", "VE")])], threshold=0.0
    )[0].matches[0]
    elsewhere = screener.screen(
        [Query(name, identifiers=[Identifier("passport", "X999999", "CO")])], threshold=0.0
    )[0].matches[0]
    assert other.entity_id == plain.entity_id == "p1"
    assert other.score < plain.score and other.explanation["identifier"] == "conflict"
    assert elsewhere.score == plain.score  # another country's passport says nothing


def test_compare_uses_the_identifiers_of_both_sides(screener):
    a = Query("Someone Else", identifiers=[Identifier("passport", "C1668015")])
    b = Query("Tareck El Aissami", identifiers=[Identifier("passport", "C1668015")])
    result = screener.compare(a, b)
    assert result.score >= 0.999 and result.explanation["identifier"] == "match"


def test_identifier_column_parsing_and_rejects():
    assert parse_identifiers("passport:C1668015:VE; imo:9123456") == [
        Identifier("passport", "C1668015", "VE"),
        Identifier("imo", "9123456"),
    ]
    with pytest.raises(ValueError, match="TYPE:NUMBER"):
        parse_identifiers("driving licence:123")
    chunk = pd.DataFrame({"name": ["Ann Lee", "Bo Wu"], "ids": ["passport:123456", "nonsense"]})
    queries, rejects = prepare(chunk, 1, Columns(("name",), identifiers="ids"))
    assert queries["identifiers"].tolist() == ["passport:123456"]
    assert rejects["row"].tolist() == [2] and "TYPE:NUMBER" in rejects["reason"].iloc[0]
