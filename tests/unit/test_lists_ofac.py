"""OFAC SDN legacy CSV: the real 2021-07 publication, plus the small official-format fixture."""

from __future__ import annotations

import csv

import pytest
from lists_support import FIXTURES, OFAC_2021, by_id, ofac_2021, reference_path

from service.engine.model import FKA, BirthDate, Document
from service.lists import ListError, load_source
from service.lists.ofac_remarks import parse_birth_date, parse_document


def _raw_rows(name: str) -> list[list[str]]:
    with (reference_path(OFAC_2021) / name).open(encoding="latin-1", newline="") as f:
        return [row for row in csv.reader(f) if len(row) > 1]


def test_one_entity_per_sdn_row():
    rows = _raw_rows("sdn.csv")
    loaded = ofac_2021()
    assert loaded.version.entities == len(rows) == len(loaded.entities)
    assert [e.id for e in loaded.entities] == [r[0] for r in rows]
    assert loaded.problems == [] and loaded.warnings == []
    assert loaded.version.source == "ofac" and loaded.version.id == "ofac_sdn"
    assert loaded.version.published is None and len(loaded.version.sha256) == 64


def test_every_alt_row_is_a_strong_alias_of_its_entity():
    entities = by_id(ofac_2021())
    for ent_num, _, alt_type, alt_name, _ in _raw_rows("alt.csv"):
        strong = {(a.name, a.kind) for a in entities[ent_num].aliases if not a.weak}
        assert (alt_name, alt_type.replace(".", "")) in strong


def test_every_real_address_is_attached():
    entities = by_id(ofac_2021())
    real = [r for r in _raw_rows("add.csv") if any(v.strip() != "-0-" for v in r[2:5])]
    assert sum(len(e.addresses) for e in entities.values()) == len(real)


def test_el_aissami():
    e = by_id(ofac_2021())["20250"]
    assert e.name == "EL AISSAMI MADDAH, Tareck Zaidan"
    assert e.natural_name == "Tareck Zaidan EL AISSAMI MADDAH"
    assert {"EL AISSAMI, Tareck", "EL AISSAMI, Tarek"} <= {a.name for a in e.aliases}
    assert "Tareck EL AISSAMI" in {a.natural for a in e.aliases}
    assert e.birth_dates == [BirthDate("1974-11-12")]
    assert e.schema == "Person" and e.programs == ["SDNTK"]
    assert e.citizenships == ["Venezuela"] and e.gender == "Male"
    assert e.places_of_birth == ["El Vigia, Merida, Venezuela"]
    assert Document("Passport", "C1668015", "Venezuela") in e.documents
    assert Document("Identification Number", "12.354.211", "Venezuela") in e.documents


def test_kanaan_aliases_and_alternative_birth_dates():
    e = by_id(ofac_2021())["10892"]
    assert {"KANAAN, Fauzi", "KAN'AN, Fawzi"} <= {a.name for a in e.aliases}
    assert [b.date for b in e.birth_dates] == ["1943-06-07", "1943-02", "1943-06-01"]
    assert Document("National ID No.", "V-6.919.272", "Venezuela") in e.documents


def test_hizballah_strong_and_weak_aliases():
    e = by_id(ofac_2021())["4697"]
    assert e.schema == "Organization" and e.programs == ["FTO", "SDGT", "SYRIA"]
    strong = {a.name for a in e.aliases if not a.weak}
    weak = {a.name for a in e.aliases if a.weak}
    assert "PARTY OF GOD" in strong and "LH" in weak and "FOREIGN RELATIONS DEPARTMENT" in weak
    assert not strong & weak


def test_weak_aliases_come_from_the_remarks():
    entities = by_id(ofac_2021())
    with_remark_alias = 0
    for row in _raw_rows("sdn.csv"):
        entity = entities[row[0]]
        weak = [a for a in entity.aliases if a.weak]
        for alias in weak:
            assert f".k.a. '{alias.name}'" in entity.remarks
        if ".k.a. '" in row[11]:
            with_remark_alias += 1
            assert weak or all(a.name in entity.remarks for a in entity.aliases)  # repeated strong names
    assert with_remark_alias > 0


def test_vessels_keep_imo_flag_and_call_sign():
    entities = by_id(ofac_2021())
    checked = 0
    for row in _raw_rows("sdn.csv"):
        if row[2] == "vessel" and "IMO " in row[11]:
            vessel = entities[row[0]].vessel
            assert vessel is not None and vessel.imo and f"IMO {vessel.imo}" in row[11]
            assert vessel.flag == (row[9].strip() if row[9].strip() != "-0-" else None)
            checked += 1
    assert checked > 300


def test_cut_remarks_are_continued_from_sdn_comments():
    e = by_id(ofac_2021())["28263"]
    assert e.remarks.endswith("Linked To: LAZARUS GROUP.")
    assert "LAZARUS GROUP" in e.links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 Nov 1974", BirthDate("1974-11-12")),
        ("Feb 1943", BirthDate("1943-02")),
        ("1960", BirthDate("1960")),
        ("circa 1955", BirthDate("1955", circa=True)),
        ("1955 to 1958", BirthDate("1955", "1958")),
        ("01 Jan 1960 to 31 Dec 1962.", BirthDate("1960-01-01", "1962-12-31")),
        ("circa 1955-1958", BirthDate("1955", "1958", circa=True)),
        ("Foo 1960", None),
        ("sometime", None),
    ],
)
def test_birth_date_forms(text, expected):
    assert parse_birth_date(text) == expected


def test_document_with_issue_dates():
    doc = parse_document("Passport", "AO 2879097 (Italy) expires 30 Oct 2012")
    assert doc == Document("Passport", "AO 2879097", "Italy", "expires 30 Oct 2012")
    assert parse_document("Passport", "issued 21 Jun 1992 in Amman, Jordan") is None


def test_a_swift_bic_is_a_document_although_it_has_no_digit():
    assert parse_document("SWIFT/BIC", "SABRRUMM") == Document("SWIFT/BIC", "SABRRUMM")
    assert parse_document("SWIFT/BIC", "SOMRRUM1KST") == Document("SWIFT/BIC", "SOMRRUM1KST")
    assert parse_document("SWIFT/BIC", "see remarks") is None
    assert parse_document("Passport", "ABCDEFGH") is None  # other documents still need a digit


def test_fixture_set():
    loaded = load_source("ofac", FIXTURES / "ofac")
    e = by_id(loaded)
    assert loaded.version.entities == 5 and loaded.problems == []
    assert [x.schema for x in loaded.entities] == ["Person", "Organization", "Vessel", "Aircraft", "Person"]
    assert e["103"].vessel.imo == "9123456" and e["103"].vessel.call_sign == "9BAB7"
    assert e["101"].links == ["TRANSPORTES DEL SUR S.A.S."]  # the name's own period is kept
    assert e["105"].links == ["EXAMPLE NETWORK"]  # cut in sdn.csv, continued in sdn_comments.csv
    assert [(a.name, a.weak) for a in e["105"].aliases] == [("HADDAD, Kareem", False), ("ABU ALI", True)]
    assert [a.kind for a in e["101"].aliases][:2] == ["aka", FKA]
    assert e["105"].birth_dates == [BirthDate("1965", circa=True), BirthDate("1960", "1962")]


def test_missing_companions_are_warnings(tmp_path):
    (tmp_path / "sdn.csv").write_bytes((FIXTURES / "ofac" / "sdn.csv").read_bytes())
    loaded = load_source("ofac", tmp_path)
    assert loaded.version.entities == 5
    assert len(loaded.warnings) == 3 and all("missing" in w for w in loaded.warnings)


def test_a_cut_companion_refuses_the_set(tmp_path):
    for f in (FIXTURES / "ofac").iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    (tmp_path / "alt.csv").write_bytes((FIXTURES / "ofac" / "alt.csv").read_bytes()[:60])
    with pytest.raises(ListError, match="alt.csv.*truncated"):
        load_source("ofac", tmp_path)


def test_sha256_changes_with_any_input(tmp_path):
    for f in (FIXTURES / "ofac").iterdir():
        (tmp_path / f.name).write_bytes(f.read_bytes())
    before = load_source("ofac", tmp_path).version.sha256
    with (tmp_path / "alt.csv").open("ab") as f:
        f.write(b"")
    assert load_source("ofac", tmp_path).version.sha256 == before
    (tmp_path / "add.csv").write_bytes((tmp_path / "add.csv").read_bytes().replace(b"Panama", b"Panamb"))
    assert load_source("ofac", tmp_path).version.sha256 != before


def test_a_file_instead_of_the_folder_is_refused():
    with pytest.raises(ListError, match="expected a folder"):
        load_source("ofac", FIXTURES / "ofac" / "sdn.csv")
