"""UK OFSI Consolidated List (ConList.xlsx): the real 2025-04-14 publication, and small workbooks in
the official layout built in the test (tests/xlsx_support.py)."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from lists_support import by_id, reference_path
from xlsx_support import xlsx_bytes

from service.engine.model import AKA, FKA, ORIGINAL_SCRIPT, Address, BirthDate, Document, LoadedList, Vessel
from service.lists import ListError, load_source
from service.lists.xlsx import read_sheet

UK_2025 = "uk_ofsi_2025-04/ConList.xlsx"
HEADER = [
    "Name 6",
    "Name 1",
    "Name 2",
    "Name 3",
    "Name 4",
    "Name 5",
    "Title",
    "Name Non-Latin Script",
    "Non-Latin Script Type",
    "Non-Latin Script Language",
    "DOB",
    "Town of Birth",
    "Country of Birth",
    "Nationality",
    "Passport Number",
    "Passport Details",
    "National Identification Number",
    "National Identification Details",
    "Position",
    "Address 1",
    "Address 2",
    "Address 3",
    "Address 4",
    "Address 5",
    "Address 6",
    "Post/Zip Code",
    "Country",
    "Other Information",
    "Group Type",
    "Alias Type",
    "Alias Quality",
    "Regime",
    "Listed On",
    "UK Sanctions List Date Designated",
    "Last Updated",
    "Group ID",
]
_IVAN = {
    "Title": "(1) Mr (2) Doctor",
    "DOB": "00/05/1965",
    "Town of Birth": "Moscow",
    "Country of Birth": "Russia",
    "Nationality": "(1) Russia. (2) Cyprus",
    "Passport Number": "(1) 7512345 (2) K0001",
    "Passport Details": "(1) Russia (2) Cyprus, expired",
    "National Identification Number": "770101",
    "Position": "Director",
    "Address 1": "1 Tverskaya St,",
    "Address 6": "Moscow",
    "Post/Zip Code": "125009",
    "Country": "Russia",
    "Other Information": "(UK Sanctions List Ref):RUS9001. (UK Statement of Reasons):Example (2022):"
    "text. (Gender):male",
    "Group Type": "Individual",
    "Regime": "Russia",
    "Listed On": "15/03/2022",
    "Group ID": "900001",
}
_SHIP = {
    "Group Type": "Ship",
    "Regime": "Democratic People's Republic of Korea",
    "Listed On": "03/04/2018",
    "Group ID": "900003",
    "Other Information": "(UK Sanctions List Ref):DPR9001. Asset of an example "
    "(OFSI ID: 1) (IMO number):9123456 (Current owners):Example Shipping (Flag of ship):North Korea "
    "(Previous flags):Togo (Type of ship):Oil tanker (Tonnage of ship):1500 (Length of ship):80",
}


def row(*columns: dict[str, str], **values: str) -> list[str]:
    """A data row in the official column order from dicts of columns and keywords with _ for spaces."""
    named = {k: v for c in columns for k, v in c.items()}
    named |= {k.replace("_", " "): v for k, v in values.items()}
    assert set(named) <= set(HEADER)
    return [named.get(column, "") for column in HEADER]


def fixture_rows() -> list[list[str]]:
    """Three designations (a person over four rows, an entity, a ship) and three broken rows."""
    return [
        ["Last Updated", "14/04/2025"],
        HEADER,
        row(_IVAN, Name_6="EKZAMPL", Name_1="Ivan", Alias_Type="AKA", Alias_Quality="Low quality"),
        row(
            _IVAN,
            {"Name Non-Latin Script": "ЭКЗАМПЛ, Иван Петрович"},
            Name_6="EXAMPLE",
            Name_1="Ivan",
            Name_2="Petrovich",
            Alias_Type="Primary name",
        ),
        row(
            _IVAN,
            {
                "DOB": "12/11/1966",
                "Address 1": "2 Nevsky Pr",
                "Address 6": "St Petersburg",
                "Post/Zip Code": "",
            },
            Name_6="EKZAMPL",
            Name_1="Ivan",
            Alias_Type="AKA",
            Alias_Quality="Good quality",
        ),
        row(_IVAN, Name_6="EXAMPLOV", Name_1="Ivan", Alias_Type="FKA"),
        row(
            Name_6="EXAMPLE TRADING LLC",
            Group_Type="Entity",
            Alias_Type="Primary name variation",
            Regime="Syria",
            Listed_On="26/09/2011",
            Group_ID="900002",
            Country="Syria",
            Other_Information="(UK Sanctions List Ref):SYR9001.",
        ),
        row(
            Name_6="شركة مثال",
            Group_Type="Entity",
            Alias_Type="AKA",
            Regime="Iran",
            Listed_On="27/07/2010",
            Group_ID="900002",
            Other_Information="(UK Sanctions List Ref):SYR9001.",
        ),
        [],
        row(Name_6="NO GROUP", Group_Type="Entity", Alias_Type="AKA"),
        row(Title="Mr", Group_Type="Individual", Alias_Type="AKA", Group_ID="900004"),
        row(_SHIP, Name_6="EXAMPLE STAR", Alias_Type="Primary name"),
        row(_SHIP, Name_6="STAR ONE", Alias_Type="AKA"),
        row(Name_6="A PLANE", Group_Type="Aircraft", Alias_Type="Primary name", Group_ID="900005"),
    ]


def fixture_bytes() -> bytes:
    return xlsx_bytes(fixture_rows())


def _load_rows(tmp_path: Path, rows: list[list[str]], sheet: str = "Data") -> LoadedList:
    path = tmp_path / "ConList.xlsx"
    path.write_bytes(xlsx_bytes(rows, sheet))
    return load_source("uk", path)


def test_fixture_person_merges_its_rows(tmp_path):
    loaded = _load_rows(tmp_path, fixture_rows())
    assert loaded.version.published == "2025-04-14" and loaded.version.source == "uk_ofsi"
    assert loaded.version.id == "uk_ofsi" and loaded.warnings == []
    person = by_id(loaded)["900001"]
    assert person.schema == "Person" and person.reference == "RUS9001" and person.gender == "Male"
    assert (person.name, person.natural_name) == ("EXAMPLE, Ivan Petrovich", "Ivan Petrovich EXAMPLE")
    assert [(a.name, a.kind, a.weak, a.natural) for a in person.aliases] == [
        ("EKZAMPL, Ivan", AKA, False, "Ivan EKZAMPL"),  # low quality on one row, good on another
        ("ЭКЗАМПЛ, Иван Петрович", ORIGINAL_SCRIPT, False, "Иван Петрович ЭКЗАМПЛ"),
        ("EXAMPLOV, Ivan", FKA, False, "Ivan EXAMPLOV"),
    ]
    assert person.birth_dates == [BirthDate("1965-05"), BirthDate("1966-11-12")]
    assert person.titles == ["Mr", "Doctor", "Director"]
    assert person.places_of_birth == ["Moscow, Russia"] and person.nationalities == ["Russia", "Cyprus"]
    assert person.documents == [
        Document("Passport", "7512345", note="Russia"),
        Document("Passport", "K0001", note="Cyprus, expired"),
        Document("National ID No.", "770101"),
    ]
    assert person.addresses == [
        Address("1 Tverskaya St, Moscow", country="Russia", postal_code="125009"),
        Address("2 Nevsky Pr, St Petersburg", country="Russia"),
    ]
    assert person.programs == ["Russia"] and person.listed_on == "2022-03-15"
    assert person.remarks.startswith("(UK Sanctions List Ref):RUS9001. (UK Statement")


def test_fixture_entity_ship_and_skipped_rows(tmp_path):
    loaded = _load_rows(tmp_path, fixture_rows())
    entities = by_id(loaded)
    assert sorted(entities) == ["900001", "900002", "900003"]
    assert [(p.line, p.reason) for p in loaded.problems] == [
        (10, "no Group ID"),
        (11, "Group ID 900004: no name"),  # row 9 is blank: ignored
        (14, "Group ID 900005: unknown Group Type 'Aircraft'"),
    ]
    org = entities["900002"]  # no "Primary name" row: the first row names it
    assert (org.schema, org.name, org.natural_name) == ("Organization", "EXAMPLE TRADING LLC", None)
    assert [(a.name, a.kind) for a in org.aliases] == [("شركة مثال", ORIGINAL_SCRIPT)]
    assert org.programs == ["Syria", "Iran"] and org.listed_on == "2010-07-27"
    assert org.addresses == [Address(country="Syria")] and org.gender is None
    ship = entities["900003"]
    assert ship.schema == "Vessel" and ship.name == "EXAMPLE STAR" and ship.reference == "DPR9001"
    assert ship.vessel == Vessel(
        imo="9123456", flag="North Korea", type="Oil tanker", tonnage="1500", owner="Example Shipping"
    )
    assert ship.documents == [Document("IMO", "9123456")] and [a.name for a in ship.aliases] == ["STAR ONE"]


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("24/10/1966", "1966-10-24"),
        ("00/00/1965", "1965"),
        ("00/05/1965", "1965-05"),
        ("09/1962", "1962-09"),
        ("1954", "1954"),
        ("31/02/1970", None),
        ("00/13/1970", None),
        ("circa 1970", None),
        ("1/1/70", None),
    ],
)
def test_birth_date_forms(tmp_path, dob, expected):
    person = row(
        Name_6="X", Name_1="Y", Group_Type="Individual", Alias_Type="Primary name", Group_ID="1", DOB=dob
    )
    [entity] = _load_rows(tmp_path, [HEADER, person]).entities
    assert entity.birth_dates == ([BirthDate(expected)] if expected else [])


def test_a_missing_optional_column_is_a_warning(tmp_path):
    keep = [i for i, name in enumerate(HEADER) if name != "Passport Number"]
    rows = [[r[i] for i in keep] if len(r) == len(HEADER) else r for r in fixture_rows()]
    loaded = _load_rows(tmp_path, rows)
    assert loaded.warnings == ["column 'Passport Number' missing, loaded without it"]
    assert by_id(loaded)["900001"].documents == [Document("National ID No.", "770101")]


@pytest.mark.parametrize(
    ("drop", "sheet", "message"),
    [
        ("Group ID", "Data", "no header row with 'Group ID'"),
        ("Name 6", "Data", "lacks the column(s) Name 6"),
        (None, "Sheet1", "has no 'Data' worksheet (found 'Sheet1')"),
    ],
)
def test_a_workbook_without_the_expected_layout_is_refused(tmp_path, drop, sheet, message):
    rows = [[value for value in r if value != drop] for r in fixture_rows()]
    with pytest.raises(ListError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _load_rows(tmp_path, rows, sheet)


def test_only_broken_rows_is_refused(tmp_path):
    with pytest.raises(ListError, match="no designations found"):
        _load_rows(tmp_path, [HEADER, row(Name_6="NO GROUP", Group_Type="Entity")])


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * 200_000_000)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: b"Name 6,Name 1,Group ID\nX,Y,1\n", "not a valid .xlsx"),  # the CSV edition, misnamed
        (lambda: fixture_bytes()[:3000], "not a valid .xlsx"),  # truncated download
        (_bomb, "expands to more than"),  # 200 KB holding a 200 MB sheet
        (lambda: b"", "is empty"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused(tmp_path, content, message):
    path = tmp_path / "ConList.xlsx"
    path.write_bytes(content())
    with pytest.raises(ListError, match=message):
        load_source("uk_ofsi", path)


# The real 2025-04-14 publication.


@cache
def _real() -> LoadedList:
    return load_source("uk", reference_path(UK_2025))


def test_real_counts_and_version():
    loaded = _real()
    assert Counter(e.schema for e in loaded.entities) == {"Person": 3663, "Organization": 1010, "Vessel": 15}
    assert loaded.problems == [] and loaded.warnings == []
    assert loaded.version.published == "2025-04-14" and loaded.version.entities == 4688
    assert loaded.version.names == 15966  # 18,798 rows and 3,990 script names, deduplicated per designation
    assert Counter(a.kind for e in loaded.entities for a in e.aliases) == {
        AKA: 8193,
        ORIGINAL_SCRIPT: 3070,
        FKA: 15,
    }
    assert sum(a.weak for e in loaded.entities for a in e.aliases) == 613
    assert [e.id for e in loaded.entities if not e.reference] == ["15878"]  # its row has no Ref tag
    assert sorted(e.vessel.imo for e in loaded.entities if e.schema == "Vessel")[:2] == ["7303803", "7408873"]


def test_real_rows_match_the_readme_and_every_name_is_kept():
    """The raw sheet, read independently: README counts, and each row's names on its designation."""
    _, rows = read_sheet(reference_path(UK_2025), "ConList.xlsx", "Data")
    header, data = rows[1], [dict(zip(rows[1], r, strict=True)) for r in rows[2:]]
    assert rows[0][:2] == ["Last Updated", "14/04/2025"] and len(header) == 36 and len(data) == 18798
    assert Counter(d["Alias Type"] for d in data) == {
        "AKA": 7776,
        "Primary name": 5783,
        "Primary name variation": 5212,
        "FKA": 27,
    }
    assert sum(1 for d in data if d["Name Non-Latin Script"]) == 3990
    entities = by_id(_real())
    for d in data:
        names = {n.name for n in entities[d["Group ID"]].names()}
        given = " ".join(d[f"Name {i}"] for i in range(1, 6) if d[f"Name {i}"])
        listed = f"{d['Name 6']}, {given}" if d["Group Type"] == "Individual" and given else d["Name 6"]
        assert listed in names and (not d["Name Non-Latin Script"] or d["Name Non-Latin Script"] in names)


def test_real_person_with_arabic_script_name():
    person = by_id(_real())["6923"]
    assert (person.name, person.reference, person.gender) == (
        "ABD AL-BAQI, Nashwan Abd Al-Razzaq",
        "AQD0271",
        "Male",
    )
    assert person.aliases[0].name == "نشوان عبد الرزاق عبد الباقي"
    assert person.aliases[0].kind == ORIGINAL_SCRIPT
    assert ("AYUB, Abu", True) in [(a.name, a.weak) for a in person.aliases]  # "Low quality"
    assert person.birth_dates == [BirthDate("1961")] and person.places_of_birth == ["Mosul, Iraq"]
    assert person.documents == [Document("National ID No.", "0094195", note="Ration card")]
    assert person.programs == ["ISIL (Da'esh) and Al-Qaida"] and person.listed_on == "2001-10-10"


def test_real_russian_individual_with_birth_date_and_passports():
    person = by_id(_real())["14212"]
    assert person.name == "ABRAMOVICH, Roman Arkadyevich"
    assert person.natural_name == "Roman Arkadyevich ABRAMOVICH"
    assert [(a.name, a.kind) for a in person.aliases] == [
        ("ABRAMOVICH, Roman", AKA),
        ("Роман Аркадьевич АБРАМОВИЧ", ORIGINAL_SCRIPT),
    ]
    assert person.birth_dates == [BirthDate("1966-10-24")] and person.places_of_birth == ["Saratov, Russia"]
    assert person.nationalities == ["Russia", "Israel", "Portugal"]
    assert person.documents == [
        Document("Passport", "CB982788", note="Portugal"),
        Document("Passport", "24132276", note="Israel"),
    ]
    assert person.reference == "RUS0270" and person.listed_on == "2022-03-10"


def test_real_ship_with_imo_and_designations_without_a_primary_row():
    entities = by_id(_real())
    ship = entities["13651"]
    assert ship.schema == "Vessel" and ship.name == "SAM JONG 2" and len(ship.aliases) == 8
    assert ship.vessel == Vessel(
        imo="7408873", flag="North Korea", type="Oil tanker", tonnage="1676", owner="Korea Samjong Shipping"
    )
    assert Document("IMO", "7408873") in ship.documents
    assert entities["16789"].name == "PREMERA (H.K.) INTERNATIONAL CO, LIMITED"  # only variation rows
    assert entities["16789"].aliases[0].kind == ORIGINAL_SCRIPT
    kony = entities["13344"]  # 400 rows: 5 names x 10 birth dates x 8 addresses
    assert (len(kony.names()), len(kony.birth_dates), len(kony.addresses)) == (5, 10, 8)
    assert kony.birth_dates[4:7] == [BirthDate("1964-09-18"), BirthDate("1965"), BirthDate("1961-08")]
