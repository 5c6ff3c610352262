"""FollowTheMoney: `orinoco export --format ftm` writes entities FtM itself validates, and the export
read back with `--list ftm=...` screens the dev seed cases exactly as the lists it came from."""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter

import pytest
from lists_support import OFAC_2021, by_id, eval_path, reference_path
from test_lists_robustness import _load

from service.cli import main as run
from service.engine.model import AKA, FKA, ORIGINAL_SCRIPT, Document, LoadedList
from service.engine.screener import Query, Screener
from service.lists import ListError, load_source
from service.lists.ftm import export_entities, followthemoney, ftm_id

try:  # through Orinoco's import, which keeps the csv field limit the other tests rely on
    model = followthemoney()
except ListError:
    pytest.skip("the ftm extra (followthemoney) is not installed", allow_module_level=True)

UK = "uk_fcdo_sample/uk_sample.xml"
EU = "eu_fsf_sample/eu_sample.xml"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> str:
    """OFAC SDN 2021 with the UK and EU excerpts, exported once with their clusters by the CLI."""
    tmp = tmp_path_factory.mktemp("ftm")
    out = str(tmp / "export.ftm.json")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ORINOCO_CACHE_DIR", str(tmp / "cache"))
        assert (
            run(
                [
                    "export",
                    "--format",
                    "ftm",
                    "-o",
                    out,
                    "--list",
                    f"ofac={reference_path(OFAC_2021)}",
                    "--list",
                    f"uk={reference_path(UK)}",
                    "--list",
                    f"eu={reference_path(EU)}",
                ]
            )
            == 0
        )
    return out


def test_every_exported_entity_validates_with_followthemoney(exported):
    schemata = Counter()
    with open(exported, encoding="utf-8") as f:
        for line in f:
            raw = json.loads(line)
            proxy = model.get_proxy(raw, cleaned=False)
            assert not proxy.schema.abstract and proxy.id == raw["id"]
            for prop in proxy.iterprops():  # each property is the schema's, each value cleans to itself
                for value in proxy.get(prop):
                    assert prop.type.clean(value, proxy=proxy) == value, (raw["id"], prop.name, value)
            assert model.get_proxy(raw).to_dict()["properties"] == raw["properties"]  # cleaning: no change
            schemata[raw["schema"]] += 1
    sources = (("ofac", OFAC_2021), ("uk", UK), ("eu", EU))
    parties = sum(schemata[s] for s in ("Person", "Organization", "Vessel", "Airplane"))
    assert parties == sum(len(load_source(s, reference_path(p)).entities) for s, p in sources)
    assert schemata["Sanction"] > 8000 and schemata["Identification"] > 0 and schemata["Address"] > 0
    assert schemata["UnknownLink"] >= 3  # UK AQD0128 and EU 13, 191 with their OFAC records


def test_the_cluster_links_name_both_records(exported):
    links = [json.loads(line) for line in open(exported, encoding="utf-8") if '"UnknownLink"' in line]
    pairs = [{*x["properties"]["subject"], *x["properties"]["object"]} for x in links]
    assert {ftm_id("uk_fcdo", "AQD0128"), ftm_id("ofac_sdn", "10728")} in pairs
    assert {ftm_id("eu_fsf", "13"), ftm_id("ofac_sdn", "7843")} in pairs


def test_reading_the_export_keeps_names_facts_and_programmes(exported):
    loaded = load_source("ftm", exported)
    assert (loaded.version.id, loaded.version.source) == ("ftm", "ftm")
    records = by_id(loaded)
    akram = records[ftm_id("uk_fcdo", "AQD0128")]
    assert akram.name == "AL-MAZIDIH, AKRAM TURKI HISHAN" and akram.schema == "Person"
    names = {n.name: (n.kind, n.weak) for n in akram.aliases}
    assert names["Jarrah, Abu"] == (AKA, True) and names["أكرم تركي هاشم المزيده"] == (ORIGINAL_SCRIPT, False)
    assert [b.date for b in akram.birth_dates] == ["1974", "1975", "1979", "1958-09", "1985"]
    assert akram.documents == [Document("National ID", "0075258")]
    assert akram.listed_on == "2010-03-11" and akram.programs[0].startswith("Isil (Da'esh)")
    saddam = records[ftm_id("eu_fsf", "13")]
    assert saddam.nationalities == ["iq"] and saddam.places_of_birth == ["al-Awja, near Tikrit, Iraq"]
    ship = records[ftm_id("uk_fcdo", "DPR0075")]
    assert (ship.schema, ship.vessel.imo) == ("Vessel", "9562233")
    assert any("UnknownLink entities not screened" in w for w in loaded.warnings)


def _seed_results(screener: Screener, map_id) -> list[list[tuple[str, float]]]:
    with open(eval_path("seed_cases_dev.csv"), newline="", encoding="utf-8") as f:
        queries = [Query(r["query"]) for r in csv.DictReader(f)]
    results = screener.screen(queries, limit=5, threshold=0.8)  # the ranking, not the default's cut
    return [[(map_id(m.list, m.entity_id), round(m.score, 6)) for m in r.matches] for r in results]


def test_round_trip_screens_the_seed_cases_the_same(tmp_path):
    original = [load_source("ofac", reference_path(OFAC_2021))]
    out = tmp_path / "ofac.ftm.json"
    ofac = reference_path(OFAC_2021)
    assert run(["export", "--format", "ftm", "-o", str(out), "--list", f"ofac={ofac}"]) == 0
    back = [load_source("ftm", out)]
    assert back[0].version.entities == original[0].version.entities

    def distinct(loaded: LoadedList) -> int:  # FtM keeps a name once per entity: OFAC repeats 6
        return sum(len({n.name for n in e.names()}) for e in loaded.entities)

    assert distinct(back[0]) == distinct(original[0])  # not one name lost or added
    before = _seed_results(Screener.from_lists(original), ftm_id)
    after = _seed_results(Screener.from_lists(back), lambda _, entity_id: entity_id)
    assert sum(bool(r) for r in before) >= 13  # the seed hits are found...
    assert after == before  # ...and the same entities, in the same order, with the same scores


def test_exported_entities_stream_without_the_cli():
    loaded = load_source("uk", reference_path(UK))
    entities = list(export_entities([loaded]))
    assert [e["schema"] for e in entities].count("Person") == 2
    assert {e["id"] for e in entities} >= {"uk-fcdo-AFG0011", "uk-fcdo-AFG0011-sanction"}


# Hand-written FtM, like an OpenSanctions or yente export.

PARTY_LINES = [
    {
        "id": "p1",
        "schema": "Person",
        "properties": {
            "name": ["Ivan Example"],
            "alias": ["Ivan Ekzampl"],
            "weakAlias": ["Vanya"],
            "previousName": ["Ivan Exampleov"],
            "birthDate": ["1965-05"],
            "nationality": ["ru"],
        },
    },
    {
        "id": "c1",
        "schema": "Company",
        "properties": {
            "name": ["Example Trading LLC"],
            "country": ["sy"],
            "registrationNumber": ["1027700000001"],
        },
    },
    {"id": "le1", "schema": "LegalEntity", "properties": {"name": ["Example Holding"]}},
    {"id": "o1", "schema": "Organization", "properties": {"name": ["Example Front"]}},
    {"id": "v1", "schema": "Vessel", "properties": {"name": ["Example Star"], "imoNumber": ["9123456"]}},
    {"id": "a1", "schema": "Airplane", "properties": {"name": ["EX-123 Example Air"]}},
    {
        "id": "s1",
        "schema": "Sanction",
        "properties": {"entity": ["p1"], "program": ["RUSSIA-EO14024"], "listingDate": ["2022-03-15"]},
    },
    {
        "id": "i1",
        "schema": "Passport",
        "properties": {"holder": ["p1"], "number": ["7512345"], "country": ["ru"]},
    },
    {"id": "r1", "schema": "Ownership", "properties": {"owner": ["p1"], "asset": ["c1"]}},
]


def _lines(items: list[dict]) -> bytes:
    return "".join(json.dumps(x) + "\n" for x in items).encode()


def test_hand_written_ftm_entities_load():
    loaded = _load("ftm", {"e.json": _lines(PARTY_LINES)}, "e.json")
    assert isinstance(loaded, LoadedList)
    records = by_id(loaded)
    assert {k: e.schema for k, e in records.items()} == {
        "p1": "Person",
        "c1": "Organization",
        "le1": "Organization",
        "o1": "Organization",
        "v1": "Vessel",
        "a1": "Aircraft",
    }
    ivan = records["p1"]
    assert [(n.name, n.kind, n.weak) for n in ivan.aliases] == [
        ("Ivan Ekzampl", AKA, False),
        ("Ivan Exampleov", FKA, False),
        ("Vanya", AKA, True),
    ]
    assert (ivan.programs, ivan.listed_on) == (["RUSSIA-EO14024"], "2022-03-15")
    assert ivan.documents == [Document("Passport", "7512345", "ru")]
    assert Document("registrationNumber", "1027700000001") in records["c1"].documents
    assert records["v1"].vessel.imo == "9123456"
    assert loaded.warnings == ["1 Ownership entities not screened (not a listed party)"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (_lines(PARTY_LINES)[:-20], "line 9: the last entity is not whole JSON: truncated"),
        (
            _lines(PARTY_LINES).replace(b"Ivan Example", "Iv\u00e1n".encode("latin-1")),
            "line 1: FollowTheMoney",
        ),
        (_lines(PARTY_LINES[6:]), "no Person, Organization"),
        (b"", "empty"),
    ],
)
def test_broken_ftm_files_are_refused(data, message):
    result = _load("ftm", {"e.json": data}, "e.json")
    assert isinstance(result, ListError) and message in str(result) and "e.json" in str(result)


def test_bad_lines_are_skipped_with_their_line_numbers():
    lines = _lines(PARTY_LINES).split(b"\n")
    lines[1] = b'{"id": "c1", "schema": "NoSuchSchema", "properties": {}}'
    lines[2] = b'{"id": "le1", "schema": "LegalEntity", "properties": {}}'
    loaded = _load("ftm", {"e.json": b"\n".join(lines)}, "e.json")
    assert isinstance(loaded, LoadedList) and loaded.version.entities == 4
    assert [(p.line, p.reason) for p in loaded.problems] == [
        (2, "not an FtM entity: No schema for entity."),
        (3, "LegalEntity le1 has no name"),
    ]


def test_without_followthemoney_the_error_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "followthemoney", None)  # as if the ftm extra were not installed
    result = _load("ftm", {"e.json": _lines(PARTY_LINES)}, "e.json")
    assert isinstance(result, ListError) and "pip install 'orinoco[ftm]'" in str(result)


def test_reading_ftm_leaves_the_csv_field_limit_alone():
    """followthemoney raises csv.field_size_limit when imported; the CSV parsers need the default."""
    before = csv.field_size_limit()
    assert isinstance(_load("ftm", {"e.json": _lines(PARTY_LINES)}, "e.json"), LoadedList)
    assert csv.field_size_limit() == before == 131072
