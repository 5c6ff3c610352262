"""UN Security Council consolidated XML: the real 2026-02 publication, plus the small fixture."""

from __future__ import annotations

from xml.etree import ElementTree

from lists_support import FIXTURES, UN_2026, by_id, reference_path, un_2026

from service.engine.model import FKA, ORIGINAL_SCRIPT, BirthDate, Document
from service.lists import load_source


def _raw_root() -> ElementTree.Element:
    return ElementTree.parse(reference_path(UN_2026)).getroot()  # trusted local file, test-only check


def test_counts_and_version():
    loaded = un_2026()
    people = [e for e in loaded.entities if e.schema == "Person"]
    orgs = [e for e in loaded.entities if e.schema == "Organization"]
    assert (len(people), len(orgs)) == (730, 273)
    assert loaded.version.entities == 1003 and loaded.problems == []
    assert loaded.version.published == "2026-02-27" and loaded.version.source == "un"
    assert loaded.version.names == sum(len(e.names()) for e in loaded.entities)


def test_names_follow_the_un_order_of_name_parts():
    entities = by_id(un_2026())
    for node in _raw_root().iter("INDIVIDUAL"):
        parts = [node.findtext(t) for t in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
        expected = " ".join(p.strip() for p in parts if p and p.strip())
        entity = entities[node.findtext("DATAID").strip()]
        assert entity.name == expected
        assert entity.reference == node.findtext("REFERENCE_NUMBER").strip()


def test_original_script_and_low_quality_aliases():
    entities = by_id(un_2026())
    originals = lows = 0
    for node in _raw_root().iter("INDIVIDUAL"):
        entity = entities[node.findtext("DATAID").strip()]
        original = (node.findtext("NAME_ORIGINAL_SCRIPT") or "").strip()
        if original:
            originals += 1
            assert any(a.kind == ORIGINAL_SCRIPT and a.name == original for a in entity.aliases)
        for alias in node.iter("INDIVIDUAL_ALIAS"):
            name = (alias.findtext("ALIAS_NAME") or "").strip()
            if name and alias.findtext("QUALITY") == "Low":
                lows += 1
                assert any(a.name == name and a.weak for a in entity.aliases)
            elif name and name != entity.name:
                assert any(a.name == name and not a.weak for a in entity.aliases)
    assert originals > 300 and lows > 500


def test_entity_record_fields():
    entities = by_id(un_2026())
    for node in _raw_root().iter("ENTITY"):
        entity = entities[node.findtext("DATAID").strip()]
        assert entity.name == node.findtext("FIRST_NAME").strip()
        assert entity.listed_on == node.findtext("LISTED_ON").strip()[:10]  # some carry a zone: -04:00
        assert entity.programs == [node.findtext("UN_LIST_TYPE").strip()]


def test_fixture_record():
    loaded = load_source("un", FIXTURES / "un" / "consolidated.xml")
    e = by_id(loaded)
    assert loaded.version.published == "2025-01-15"
    assert [p.line for p in loaded.problems] == [38]  # the INDIVIDUAL without DATAID
    person = e["900001"]
    assert person.name == "ABDUL KARIM EXAMPLE NAZARI" and person.reference == "QDi.900"
    assert [(a.name, a.kind, a.weak) for a in person.aliases] == [
        ("Abdul Karim Nazari", "aka", False),
        ("Abu Karim", "aka", True),
        ("عبد الكريم نظري", ORIGINAL_SCRIPT, False),
    ]
    assert person.birth_dates == [BirthDate("1970-04-01"), BirthDate("1968", "1969")]
    assert person.nationalities == ["Afghanistan", "Pakistan"] and person.gender == "Male"
    assert person.places_of_birth == ["Kandahar, Afghanistan"]
    assert person.documents == [Document("Passport", "OR123456", "Afghanistan")]
    assert person.addresses[0].region == "Balochistan" and person.listed_on == "2011-05-02"
    assert e["900002"].birth_dates == [BirthDate("1975", circa=True)]
    org = e["900100"]
    assert org.schema == "Organization" and [a.kind for a in org.aliases] == ["aka", FKA]
