"""Australia DFAT Consolidated List (regulation8_consolidated.xlsx): the real 2024-11-11 publication,
small workbooks in the official layout built in the test (tests/xlsx_support.py), unusable files,
and the au_dfat registry entry through `orinoco lists update|import|show`."""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import by_id, http_server, reference_path
from test_lists_ca import FIXTURE as CA_FIXTURE
from test_lists_ca import run
from xlsx_support import xlsx_bytes

from service.engine.model import AKA, FKA, ORIGINAL_SCRIPT, Address, BirthDate, Document, LoadedList, Name
from service.lists import ListError, load_source
from service.lists.au import _control_date, load_au
from service.lists.registry import DEFAULT_REGISTRY, load_registry
from service.lists.xlsx import read_sheet

AU_2024 = "au_dfat_2024-11/regulation8_consolidated.xlsx"
HEADER = [
    "Reference",
    "Name of Individual or Entity",
    "Type",
    "Name Type",
    "Date of Birth",
    "Place of Birth",
    "Citizenship",
    "Address",
    "Additional Information",
    "Listing Information",
    "Committees",
    "Control Date",
    "",
]
_MULLAH = [
    "a) Approximately 1955- 1958 b) Approximately 1945-1950",
    "Kandahar Province, Afghanistan",
    "Afghanistan",
    "NA",
    "Title: Mullah. Passport no: a) OR1234567 b) TR 0123456. Afghan national "
    "identification card (tazkira) number 2132370.",
    "Listed by UN 1267 Committee on 25 January 2001 (amended on 9 Jul. 2007)",
    "1988 (Taliban)",
    date(2014, 12, 15),
]
_TRADING = [
    "",
    "",
    "",
    "a) Tehran, Iran b) 1 Example Street, Dubai, United Arab Emirates (at time of listing)",
    "Registration ID: 1027700000001 (Russia)",
    "Autonomous Sanctions (Designated Persons and Entities) Amendment (No. 1) Instrument 2022",
    "Autonomous (Iran) 1737 (Iran)",
    date(2024, 11, 11),
]


def fixture_rows() -> list[list]:
    """Two listings (a person over four rows, one of them further down; an entity over two) and six
    broken rows, as DFAT types them: float references, stray spaces, mixed case."""
    return [
        HEADER,
        [2.0, "EXAMPLE HASSAN AKHUND", "Individual", "Primary Name", *_MULLAH],
        ["2a", "محمد حسن مثال", "Individual ", "Original script ", *_MULLAH],
        ["2b ", "Mullah Example (previously listed as)", "individual", "Aka", "12/11/1974", *_MULLAH[1:]],
        [3.0, "EXAMPLE TRADING LLC", "Entity ", "primary name", *_TRADING],
        ["3a", "EXAMPLE TRADING", "Entity", "AKA ", *_TRADING],
        ["x9", "Bad Reference", "Individual", "aka"],
        ["4", "Alias Without Primary", "Individual", "aka"],
        [],
        ["5", " , ", "Individual", "Primary Name"],
        ["6", "Strange Name Type", "Individual", "Nickname"],
        ["7", "A SHIP", "Ship", "Primary Name"],
        ["2c", "AKHUND, Mohammad", "Individual", "aka", *_MULLAH],
    ]


def _load(tmp_path: Path, rows: list[list], sheet: str = "Sheet1") -> LoadedList:
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(xlsx_bytes(rows, sheet))
    return load_source("au", path)


def test_fixture_person_over_its_rows(tmp_path):
    loaded = _load(tmp_path, fixture_rows())
    person = by_id(loaded)["2"]
    assert (person.schema, person.name, person.natural_name) == ("Person", "EXAMPLE HASSAN AKHUND", None)
    assert person.aliases == [
        Name("محمد حسن مثال", ORIGINAL_SCRIPT),
        Name("Mullah Example", FKA),
        Name("AKHUND, Mohammad", AKA, False, "Mohammad AKHUND", {"surname": "AKHUND", "given": "Mohammad"}),
    ]
    assert person.birth_dates == [
        BirthDate("1955", "1958", True),
        BirthDate("1945", "1950", True),
        BirthDate("1974-11-12"),
    ]
    assert (person.places_of_birth, person.citizenships, person.addresses) == (
        ["Kandahar Province, Afghanistan"],
        ["Afghanistan"],
        [],
    )
    assert person.documents == [
        Document("Passport", "OR1234567"),
        Document("Passport", "TR 0123456"),
        Document("National ID", "2132370"),
    ]
    assert person.programs == ["1988 (Taliban)"] and person.listed_on == "2001-01-25"
    assert person.remarks == _MULLAH[4]


def test_fixture_entity_and_skipped_rows(tmp_path):
    loaded = _load(tmp_path, fixture_rows())
    assert [e.id for e in loaded.entities] == ["2", "3"]
    org = by_id(loaded)["3"]
    assert (org.schema, org.name) == ("Organization", "EXAMPLE TRADING LLC")
    assert org.aliases == [Name("EXAMPLE TRADING")]
    assert org.addresses == [
        Address(city="Tehran", country="Iran"),
        Address("1 Example Street", "Dubai", "United Arab Emirates", "at time of listing"),
    ]
    assert org.programs == ["Autonomous (Iran)", "1737 (Iran)"] and org.listed_on is None
    assert org.documents == [Document("Registration Number", "1027700000001")]
    assert [(p.line, p.reason) for p in loaded.problems] == [
        (7, "Reference 'x9' is not a listing number such as '2' or '2a'"),
        (10, "Reference 5 has no name"),
        (11, "Reference 6: unknown Name Type 'Nickname'"),
        (8, "listing 4 has no Primary Name row"),
        (12, "listing 7: unknown Type 'Ship'"),
    ]
    version = loaded.version
    assert (version.source, version.published, version.skipped_rows) == ("au", "2024-11-11", 5)


def test_control_date_as_a_raw_excel_day_number():
    assert _control_date("45607") == "2024-11-11"  # a cell that lost its date format
    assert _control_date("11/11/2024") == "2024-11-11" and _control_date("") is None


def test_a_missing_optional_column_is_a_warning(tmp_path):
    rows = [r[:4] + r[5:] for r in fixture_rows()]  # no Date of Birth
    loaded = _load(tmp_path, rows)
    assert loaded.warnings == ["column 'date of birth' missing: left empty"]
    assert by_id(loaded)["2"].birth_dates == [] and by_id(loaded)["2"].citizenships == ["Afghanistan"]


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 200_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: xlsx_bytes([r[:2] + r[3:] for r in fixture_rows()], "Sheet1"),
            r"lacks the column\(s\) type",
        ),
        (lambda: xlsx_bytes(fixture_rows()[1:], "Sheet1"), "no header row with 'Reference' and 'Name Type'"),
        (lambda: xlsx_bytes(fixture_rows(), "Data"), "has no 'Sheet1' worksheet"),
        (lambda: xlsx_bytes([HEADER, ["x1", "A", "Individual", "aka"]], "Sheet1"), "no usable listing"),
        (lambda: xlsx_bytes(fixture_rows(), "Sheet1")[:2000], "not a valid .xlsx"),
        (lambda: b"Reference,Name of Individual or Entity\n2,A\n", "not a valid .xlsx"),
        (lambda: b"", "empty"),
        (_bomb, "expands to more than"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(tmp_path, make, message):
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(make())
    with pytest.raises(ListError, match=message):
        load_source("au", path)


@cache
def _real() -> LoadedList:
    return load_source("au", reference_path(AU_2024))


def _real_rows() -> list[list[str]]:
    _, rows = read_sheet(reference_path(AU_2024), "DFAT list", "Sheet1")
    return [r for r in rows[1:] if any(r)]


def test_real_counts_and_version():
    loaded = _real()
    assert Counter(e.schema for e in loaded.entities) == {"Person": 2316, "Organization": 746}
    assert loaded.problems == [] and loaded.warnings == []
    version = loaded.version
    assert (version.id, version.source, version.published) == ("au_dfat", "au", "2024-11-11")
    assert loaded.version.names == sum(len(e.names()) for e in loaded.entities) == 9521
    assert Counter(a.kind for e in loaded.entities for a in e.aliases) == {
        AKA: 5996,
        ORIGINAL_SCRIPT: 442,
        FKA: 21,
    }


def test_real_rows_match_the_readme_and_every_name_is_kept():
    """9,553 rows = 3,062 primary + 6,047 aka + 440 original script + 3 'formerly known as' + 1
    'previously listed as'; 9,521 names = those rows + 3 Arabic names in "(previously listed as. In
    Arabic: ...)" notes - 35 repeats of a name within its listing."""
    rows = _real_rows()
    assert len(rows) == 9553
    assert Counter(" ".join(r[3].split()).lower() for r in rows) == {
        "primary name": 3062,
        "aka": 6047,
        "original script": 440,
        "formerly known as": 3,
        "previously listed as": 1,
    }
    entities = by_id(_real())
    for reference, name, *_ in rows:
        entity = entities[re.match(r"\d+", reference).group()]  # "34c1" -> "34"
        listed = name.split(" (previously listed as")[0].split(" (Previously listed as")[0]
        listed = listed.split(" (formerly listed as")[0].strip(" ,;")
        assert listed in {n.name for n in entity.names()}, (reference, name)


def test_real_person_with_arabic_name_and_a_range_birth_date():
    akhund = by_id(_real())["2"]
    assert (akhund.name, akhund.schema) == ("MOHAMMAD HASSAN AKHUND", "Person")
    assert Name("محمد حسن أخوند", ORIGINAL_SCRIPT) in akhund.aliases
    assert akhund.birth_dates == [BirthDate("1955", "1958", True), BirthDate("1945", "1950", True)]
    assert akhund.programs == ["1988 (Taliban)"] and akhund.listed_on == "2001-01-25"
    assert akhund.citizenships == ["Afghanistan"]


def test_real_documents_and_facts():
    e = by_id(_real())
    assert e["1254"].documents == [Document("Passport", "F654645"), Document("National ID", "1028745097")]
    assert e["1254"].birth_dates == [BirthDate("1982-04-19"), BirthDate("1982-04-18")]  # not the Hijri date
    assert Document("National ID", "44.556.097") in e["319"].documents
    assert e["2940"].documents == [
        Document("Registration Number", "1149102099717"),
        Document("Tax ID", "9102048801"),
    ]
    assert e["3164"].documents == [Document("IMO", "5342883")] and e["3164"].schema == "Organization"
    assert (
        Address(
            "817 Haeun, Donghung-dong, Central District", "Pyongyang", "Democratic People's Republic of Korea"
        )
        in e["3164"].addresses
    )
    entities = list(e.values())
    assert Counter(d.type for x in entities for d in x.documents) == {
        "Passport": 338,
        "National ID": 131,
        "Registration Number": 97,
        "IMO": 20,
        "Tax ID": 17,
    }
    assert sum(1 for x in entities if x.birth_dates) == 2222  # 2,224 with a date of birth; 2 unreadable:
    assert "Date of birth (as listed): Approximately (30-35 years old)" in e["3581"].remarks
    assert sum(1 for x in entities if x.listed_on) == 1313  # the rest name only an instrument
    assert Counter(p for x in entities for p in x.programs).most_common(3) == [
        ("Autonomous (Ukraine)", 841),
        ("Autonomous (Russia)", 647),
        ("1267/1989/2253 (ISIL (Da'esh) and Al-Qaida)", 347),
    ]


def test_registry_entry_and_lists_update_import_show(tmp_path, monkeypatch, capsys):
    spec = next(s for s in load_registry(DEFAULT_REGISTRY) if s.id == "au_dfat")
    assert (spec.parser, spec.entry, spec.reference, spec.publisher) == (
        "au",
        "regulation8_consolidated.xlsx",
        AU_2024,
        "DFAT",
    )
    assert [(f.name, f.url, f.required) for f in spec.files] == [
        (
            "regulation8_consolidated.xlsx",
            "https://www.dfat.gov.au/sites/default/files/regulation8_consolidated.xlsx",
            True,
        )
    ]
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    workbook = xlsx_bytes(fixture_rows(), "Sheet1")
    routes = {"/au.xlsx": (workbook, "ok")}
    with http_server(routes) as base_url:
        registry = tmp_path / "sources.toml"
        name = "regulation8_consolidated.xlsx"
        registry.write_text(
            f'[[list]]\nid = "au_dfat"\nparser = "au"\nentry = "{name}"\n'
            f'files = [{{ name = "{name}", url = "{base_url}/au.xlsx" }}]\n',
            encoding="utf-8",
        )
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 0
        [updated] = json.loads(capsys.readouterr().out)
        assert (updated["status"], updated["skipped_rows"]) == ("updated", 5)
        assert updated["version"]["entities"] == 2
        routes["/au.xlsx"] = (workbook, "truncated")
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 1
        assert "truncated" in json.loads(capsys.readouterr().out)[0]["error"]
    local = tmp_path / "regulation8_consolidated.xlsx"
    local.write_bytes(workbook)
    assert run(["lists", "import", "au", str(local), "--id", "au_copy", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["status"] == "updated"
    assert run(["lists", "show", "--json"]) == 0  # both from the cache
    shown = json.loads(capsys.readouterr().out)
    assert {v["id"]: v["source"] for v in shown} == {"au_dfat": "au", "au_copy": "au"}


def test_serve_accepts_au_and_ca_lists(start_server, tmp_path):
    workbook = tmp_path / "regulation8_consolidated.xlsx"
    workbook.write_bytes(xlsx_bytes(fixture_rows(), "Sheet1"))
    server = start_server("--list", f"au={workbook}", "--list", f"ca={CA_FIXTURE}")
    assert [(v["id"], v["entities"]) for v in server.get("/v1/lists").json()["lists"]] == [
        ("au_dfat", 2),
        ("ca_sema", 5),
    ]
    entity = server.get("/v1/entities/ca_sema/Russia-1-Part-2-12").json()
    assert entity["name"] == "EXAMPLOV, Andrey Petrovich"
    assert server.get("/v1/entities/au_dfat/2").status_code == 200
    hits = server.post("/v1/screen", json={"name": "Andrei Petrovich Examplov"}).json()
    found = {(m["list"], m["entity_id"]) for m in hits["results"][0]["matches"]}
    assert ("ca_sema", "Russia-1-Part-2-12") in found


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_damaged_workbook_loads_or_is_refused_never_crashes(tmp_path, data):
    """A cut anywhere, or a few bytes changed: ListError from the parser itself (not the catch-all
    in load_source), or a list."""
    workbook = bytearray(xlsx_bytes(fixture_rows(), "Sheet1"))
    if data.draw(st.booleans()):
        workbook = workbook[: data.draw(st.integers(0, len(workbook) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            workbook[data.draw(st.integers(0, len(workbook) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(bytes(workbook))
    try:
        load_au(path)
    except ListError as exc:
        assert "could not be parsed" not in str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_arbitrary_cell_text_is_loaded_or_a_row_problem(tmp_path, data):
    """Any text in any cell of the fixture: the workbook loads (bad rows skipped) or is refused."""
    rows = fixture_rows()
    for _ in range(data.draw(st.integers(1, 6))):
        r = data.draw(st.integers(1, len(rows) - 1))
        if rows[r]:
            c = data.draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = data.draw(st.text(st.characters(exclude_categories=["Cs", "Cc"]), max_size=60))
    path = tmp_path / "regulation8_consolidated.xlsx"
    path.write_bytes(xlsx_bytes(rows, "Sheet1"))
    try:
        loaded = load_au(path)
    except ListError as exc:
        assert "no usable listing" in str(exc)
    else:
        assert all(e.name for e in loaded.entities)
