"""OFAC Consolidated (non-SDN) list: the real 2025-12 publication read from its legacy CSV set and
from its XML must give the same list; official-format fixtures for both formats, malformed rows
and elements, a hostile XML, and the registry entry with `orinoco lists update/import/show`.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
import time
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import FIXTURES, by_id, http_server, reference_dir, reference_path
from test_lists_cli import run

from service.engine.model import FKA, BirthDate, Document, Entity, LoadedList, Vessel
from service.lists import ListError, load_source
from service.lists.ofac import CONSOLIDATED_FILES
from service.lists.ofac_cons import load_ofac_cons
from service.lists.registry import DEFAULT_REGISTRY, load_registry
from service.paths import reference_dir as cache_reference_dir

CONS = "ofac_cons_2025-12"
FIXTURE = FIXTURES / "ofac_cons"
BAD = FIXTURES / "ofac_cons_bad"
OLD_NAMESPACE = b"http://tempuri.org/sdnList.xsd"
NEW_NAMESPACE = b"https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports/XML"
XML = (FIXTURE / "consolidated.xml").read_bytes()
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def _real(fmt: str) -> LoadedList:
    folder = reference_dir() / CONS
    return load_source("ofac_cons", folder if fmt == "csv" else folder / "consolidated.xml")


@pytest.fixture(scope="module")
def real() -> tuple[dict[str, Entity], dict[str, Entity]]:
    """(CSV entities, XML entities) by id."""
    reference_path(CONS)
    return by_id(_real("csv")), by_id(_real("xml"))


def _raw_rows(name: str) -> list[list[str]]:
    with (reference_path(CONS) / name).open(encoding="latin-1", newline="") as f:
        return [row for row in csv.reader(f) if len(row) > 1]


def _ws(text: str) -> str:
    return " ".join(text.split())


def _names(entity: Entity, weak: bool) -> set[tuple[str, str]]:
    return {(_ws(a.name), a.kind) for a in entity.aliases if a.weak == weak}


def test_real_csv_and_xml_hold_the_same_442_entities(real):
    csv_list, xml_list = _real("csv"), _real("xml")
    assert csv_list.version.source == xml_list.version.source == "ofac_cons"
    assert csv_list.version.id == xml_list.version.id == "ofac_cons"
    # the CSV set carries no date: the folder's consolidated.xml of the same publication gives it
    assert csv_list.version.published == xml_list.version.published == "2025-12-18"
    assert csv_list.problems == xml_list.problems == [] and csv_list.warnings == xml_list.warnings == []
    files = ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv")
    assert [len(_raw_rows(f)) for f in files] == [442, 1073, 574, 10]
    csv_by_id, xml_by_id = real
    assert csv_by_id.keys() == xml_by_id.keys() and len(csv_by_id) == 442
    for entities in real:
        assert Counter(e.schema for e in entities.values()) == {"Person": 79, "Organization": 363}
    assert all(csv_by_id[i].schema == x.schema for i, x in xml_by_id.items())


def test_primary_names_and_the_1073_strong_aliases_agree(real):
    csv_by_id, xml_by_id = real
    assert sum(len(_names(e, weak=False)) for e in csv_by_id.values()) == 1073
    assert sum(len(_names(e, weak=False)) for e in xml_by_id.values()) == 1073
    quoted = []
    for ent_id, c in csv_by_id.items():
        x = xml_by_id[ent_id]
        assert (_ws(c.name), c.natural_name and _ws(c.natural_name)) == (
            _ws(x.name),
            x.natural_name and _ws(x.natural_name),
        )
        if _names(c, weak=False) != _names(x, weak=False):
            quoted.append(ent_id)
            assert {(n.replace('"', "'"), k) for n, k in _names(x, weak=False)} == _names(c, weak=False)
    # The legacy CSV quotes its fields with '"', so OFAC writes a name's own double quotes as "'" there:
    # XML 'OPEN JOINT-STOCK COMPANY "OIL TRUNK PIPELINES 'DRUZHBA'"' is CSV '... 'OIL TRUNK ... 'DRUZHBA''.
    assert quoted == ["22391"]
    for entities in real:
        strong = Counter(a.kind for e in entities.values() for a in e.aliases if not a.weak)
        assert strong == {"aka": 932, FKA: 141}
    assert Counter(row[2] for row in _raw_rows("cons_alt.csv")) == {"aka": 932, "fka": 141}


def test_the_72_weak_aliases_of_the_xml_are_the_csv_remarks_aka(real):
    csv_by_id, xml_by_id = real
    assert sum(len(_names(e, weak=True)) for e in xml_by_id.values()) == 72
    assert sum(len(_names(e, weak=True)) for e in csv_by_id.values()) == 72
    assert all(_names(c, weak=True) == _names(xml_by_id[i], weak=True) for i, c in csv_by_id.items())
    assert {a.name for a in csv_by_id["9647"].aliases if a.weak} == {"ZAHAR, Mahmoud", "AL-ZAHAR, Mahmoud"}
    # SBERBANK's remarks are cut in cons_prim.csv: its weak aliases are in the cons_comments.csv continuation.
    assert {a.name for a in csv_by_id["17018"].aliases if a.weak} == {"SBERBANK INDIA", "SBERBANK MUMBAI"}


def test_programs_agree(real):
    csv_by_id, xml_by_id = real
    # Same tags per entity; 4 entities list two programs in the other order in the XML.
    assert all(sorted(c.programs) == sorted(xml_by_id[i].programs) for i, c in csv_by_id.items())
    tags = Counter(p for e in xml_by_id.values() for p in e.programs)
    assert {t: tags[t] for t in ("UKRAINE-EO13662", "RUSSIA-EO14024", "NS-PLC", "CMIC-EO13959")} == {
        "UKRAINE-EO13662": 286,
        "RUSSIA-EO14024": 93,
        "NS-PLC": 78,
        "CMIC-EO13959": 68,
    }


def test_addresses_documents_and_details_agree(real):
    csv_by_id, xml_by_id = real
    assert sum(len(e.addresses) for e in csv_by_id.values()) == 522  # 574 rows less 52 all -0- placeholders
    assert sum(len(e.addresses) for e in xml_by_id.values()) == 522
    docs_differ = []
    for ent_id, c in csv_by_id.items():
        x = xml_by_id[ent_id]
        # The CSV joins city, state and postal code into one field; street and country are the same.
        assert [(a.street, a.country) for a in c.addresses] == [(a.street, a.country) for a in x.addresses]
        for field in (
            "birth_dates",
            "places_of_birth",
            "nationalities",
            "citizenships",
            "gender",
            "links",
            "titles",
        ):
            assert getattr(c, field) == getattr(x, field), (ent_id, field)
        if sorted(map(repr, c.documents)) != sorted(map(repr, x.documents)):
            docs_differ.append(ent_id)
    # OFAC's own data differs in two places: 17064's XML idNumbers carry the country ("33556474 (Russia)",
    # no idCountry), and 17250's CSV remarks lack the space before "(Russia)" ("1027700070518(Russia)").
    assert docs_differ == ["17064", "17250"]
    assert Document("SWIFT/BIC", "SABRRUMM") in csv_by_id["17018"].documents  # a BIC has no digit
    assert Document("SWIFT/BIC", "SABRRUMM") in xml_by_id["17018"].documents


def test_real_xml_keeps_the_ids_that_fit_no_field_in_remarks(real):
    sberbank = real[1]["17018"]
    assert sberbank.remarks.startswith("For more information on directives")
    assert "Secondary sanctions risk: See Section 11 of Executive Order 14024." in sberbank.remarks
    assert "SWIFT/BIC" not in sberbank.remarks  # became a document


def test_fixture_formats_agree_field_by_field():
    from_csv = load_source("ofac_cons", FIXTURE)
    from_xml = load_source("ofac_cons", FIXTURE / "consolidated.xml")
    assert from_csv.version.files[0].endswith("cons_prim.csv")  # a folder with both: the CSV set
    assert from_csv.version.published == from_xml.version.published == "2025-03-14"  # the XML dates the CSVs
    assert from_csv.problems == from_xml.problems == [] and from_csv.warnings == from_xml.warnings == []
    for c, x in zip(from_csv.entities, from_xml.entities, strict=True):
        left, right = c.to_dict(), x.to_dict()
        for side in (left, right):
            side.pop("remarks")
            for address in side["addresses"]:
                address.update(city=None, postal_code=None)  # CSV: "Moscow 101000"; XML: city + postalCode
        assert left == right
    e = by_id(from_xml)
    assert e["9001"].natural_name == "Samir Yusuf HALABI" and e["9001"].gender == "Male"
    assert e["9001"].documents == [Document("Passport", "4401234", "Palestinian", "issued 02 Mar 2015")]
    assert e["9001"].birth_dates == [BirthDate("1962")] and e["9001"].links == ["EXAMPLE MOVEMENT"]
    assert [(a.name, a.weak) for a in e["9001"].aliases] == [("HALABI, Sameer", False), ("ABU YUSUF", True)]
    assert [(a.name, a.weak) for a in e["9003"].aliases] == [("EXTECH", False), ("EXTEC", True)]  # no repeat
    assert Document("SWIFT/BIC", "EXBKRUMM") in e["9002"].documents
    assert "Executive Order 13662 Directive Determination - Subject to Directive 1" in e["9002"].remarks
    assert e["9004"].vessel == Vessel(
        imo="9876543",
        flag="Malta",
        call_sign="9HXY1",
        type="General Cargo",
        tonnage="5000",
        owner="Example Maritime Ltd.",
        gross_tonnage="3000",
    )
    assert Document("IMO", "9876543") in e["9004"].documents
    assert Document("MMSI", "248000111") in e["9004"].documents


def _reversed_children(list_match: re.Match[bytes]) -> bytes:
    """An idList/akaList/addressList with its items the other way round, as another download may have."""
    items = [m.group(0) for m in re.finditer(rb"<(id|aka|address)>.*?</\1>", list_match.group(2), re.S)]
    return b"<%s>%s</%s>" % (list_match.group(1), b"".join(reversed(items)), list_match.group(1))


@pytest.mark.parametrize("namespace", [OLD_NAMESPACE, None])
def test_xml_namespace_and_child_order_do_not_matter(tmp_path, namespace):
    data = (FIXTURE / "consolidated.xml").read_bytes()
    data = (
        data.replace(NEW_NAMESPACE, namespace)
        if namespace
        else data.replace(b' xmlns="' + NEW_NAMESPACE + b'"', b"")
    )
    reordered = re.sub(rb"<(idList|akaList|addressList)>(.*?)</\1>", _reversed_children, data, flags=re.S)
    assert reordered != data
    (tmp_path / "consolidated.xml").write_bytes(reordered)
    expected = load_source("ofac_cons", FIXTURE / "consolidated.xml")
    loaded = load_source("ofac_cons", tmp_path)  # a folder holding only the XML
    assert [e.to_dict() for e in loaded.entities] == [e.to_dict() for e in expected.entities]
    assert loaded.problems == [] and loaded.version.published == "2025-03-14"


def test_malformed_csv_rows_are_skipped_with_their_line():
    loaded = load_source("ofac_cons", BAD)
    assert [e.id for e in loaded.entities] == ["9101", "9104", "9105", "9106", "9107"]
    assert [(p.file, p.line, p.reason) for p in loaded.problems] == [
        ("cons_prim.csv", 2, "expected 12 fields, found 11"),
        ("cons_prim.csv", 3, "ent_num 'X9' is not a number"),
        ("cons_prim.csv", 4, "unknown SDN_Type 'spaceship'"),
        ("cons_prim.csv", 5, "duplicate ent_num 9101"),
        ("cons_alt.csv", 1, "ent_num 9999 is not in cons_prim.csv"),
        ("cons_alt.csv", 2, "empty alt_name"),
    ]
    assert by_id(loaded)["9101"].aliases[0].name == "NADIR, Khaleel"
    assert loaded.version.skipped_rows == 6
    assert len(loaded.warnings) == 2  # the folder has no cons_comments.csv or cons_add.csv


def test_malformed_xml_elements_are_skipped_with_their_line():
    loaded = load_source("ofac_cons", BAD / "malformed.xml")
    assert [e.id for e in loaded.entities] == ["9101", "9104"]
    assert [(p.file, p.line, p.reason) for p in loaded.problems] == [
        ("malformed.xml", 7, "sdnEntry 9101: aka without lastName skipped"),
        ("malformed.xml", 18, "sdnEntry without uid"),
        ("malformed.xml", 22, "sdnEntry uid 'X9' is not a number"),
        ("malformed.xml", 27, "sdnEntry 9103: unknown sdnType 'spaceship'"),
        ("malformed.xml", 32, "sdnEntry 9105: no lastName"),
        ("malformed.xml", 37, "duplicate uid 9101"),
    ]
    assert [a.name for a in by_id(loaded)["9101"].aliases] == ["NADIR, Khaleel"]  # the entry stays
    assert loaded.version.published is None
    assert len(loaded.warnings) == 2
    assert "Record_Count says 8, the file has 7 records" in loaded.warnings[0]
    assert "Publish_Date '14 March 2025' is not MM/DD/YYYY" in loaded.warnings[1]


def _parse_xml_bytes(data: bytes) -> LoadedList | ListError:
    """The parser itself, not load_source, which would turn a parser bug into a ListError too."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "consolidated.xml").write_bytes(data)
        try:
            return load_ofac_cons(Path(tmp) / "consolidated.xml")
        except ListError as exc:
            return exc


@FUZZ
@given(cut=st.integers(min_value=0, max_value=XML.rindex(b"</sdnList>") + len(b"</sdnList>") - 1))
def test_a_cut_xml_is_refused(cut):
    assert isinstance(_parse_xml_bytes(XML[:cut]), ListError)


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(XML)), junk=st.binary(min_size=1, max_size=12))
def test_arbitrary_bytes_in_the_xml_load_or_are_refused(position, junk):
    result = _parse_xml_bytes(XML[:position] + junk + XML[position:])
    if isinstance(result, LoadedList):
        assert all(p.line >= 1 for p in result.problems)


def test_entity_expansion_is_refused_quickly():
    start = time.perf_counter()
    with pytest.raises(ListError, match="unsafe XML"):
        load_source("ofac_cons", BAD / "entity_expansion.xml")
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (FIXTURES / "un" / "consolidated.xml", "not an OFAC XML list"),
        (FIXTURE / "cons_prim.csv", "read from its folder"),
        (FIXTURES / "custom", "neither cons_prim.csv"),
    ],
)
def test_a_wrong_path_says_why(path, message):
    with pytest.raises(ListError, match=message):
        load_source("ofac_cons", path)


def test_registry_entry_names_the_official_files_and_the_reference_snapshot():
    spec = next(s for s in load_registry(DEFAULT_REGISTRY) if s.id == "ofac_cons")
    assert (spec.parser, spec.entry, spec.reference) == ("ofac_cons", ".", CONS)
    files = CONSOLIDATED_FILES
    names = (files.main, files.alt, files.add, files.comments)
    assert [(f.name, f.url, f.required) for f in spec.files] == [
        (n, f"https://www.treasury.gov/ofac/downloads/consolidated/{n}", n == "cons_prim.csv") for n in names
    ]
    reference = cache_reference_dir() / spec.reference
    if reference.exists():  # what `orinoco serve` falls back to without a cache or a network
        assert load_source(spec.parser, reference, spec.id).version.entities == 442


def _registry(path, base_url: str):
    path.write_text(
        f"""
[[list]]
id = "ofac_cons"
parser = "ofac_cons"
publisher = "test"
format = "OFAC legacy CSV"
entry = "."
files = [
  {{ name = "cons_prim.csv", url = "{base_url}/cons_prim.csv", required = true }},
  {{ name = "cons_alt.csv", url = "{base_url}/cons_alt.csv", required = false }},
  {{ name = "cons_add.csv", url = "{base_url}/cons_add.csv", required = false }},
  {{ name = "cons_comments.csv", url = "{base_url}/cons_comments.csv", required = false }},
]
""",
        encoding="utf-8",
    )
    return path


def test_lists_update_import_and_show(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    routes = {f"/{p.name}": (p.read_bytes(), "ok") for p in FIXTURE.glob("cons_*.csv")}
    routes.pop("/cons_comments.csv")  # optional: a warning
    with http_server(routes) as base_url:
        registry = _registry(tmp_path / "sources.toml", base_url)
        monkeypatch.setenv("ORINOCO_SOURCES", str(registry))
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 0
    [updated] = json.loads(capsys.readouterr().out)
    assert (updated["id"], updated["status"]) == ("ofac_cons", "updated")
    assert updated["version"]["source"] == "ofac_cons"
    assert updated["version"]["entities"] == 4 and any("cons_comments.csv" in w for w in updated["warnings"])

    only_xml = tmp_path / "xml"
    only_xml.mkdir()
    shutil.copy(FIXTURE / "consolidated.xml", only_xml / "consolidated.xml")
    assert (
        run(
            ["lists", "import", "ofac_cons", str(only_xml / "consolidated.xml"), "--id", "cons_xml", "--json"]
        )
        == 0
    )
    [imported] = json.loads(capsys.readouterr().out)
    assert imported["status"] == "updated" and imported["version"]["published"] == "2025-03-14"

    assert run(["lists", "show", "--json"]) == 0  # both from the cache
    shown = {v["id"]: v for v in json.loads(capsys.readouterr().out)}
    assert {i: (v["source"], v["entities"]) for i, v in shown.items()} == {
        "ofac_cons": ("ofac_cons", 4),
        "cons_xml": ("ofac_cons", 4),
    }


def test_list_argument_accepts_ofac_cons(capsys):
    """`orinoco serve --list` goes through the same parse and load as `lists show --list`."""
    assert (
        run(
            [
                "lists",
                "show",
                "--json",
                "--list",
                f"ofac_cons={FIXTURE}",
                "--list",
                f"ofac_cons:cons_xml={FIXTURE / 'consolidated.xml'}",
            ]
        )
        == 0
    )
    shown = json.loads(capsys.readouterr().out)
    assert [(v["id"], v["source"], v["published"]) for v in shown] == [
        ("ofac_cons", "ofac_cons", "2025-03-14"),
        ("cons_xml", "ofac_cons", "2025-03-14"),
    ]
