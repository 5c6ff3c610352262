"""UK HM Treasury OFSI Consolidated List, ``ConList.xlsx`` ("2022 format") -> entities (source
``uk_ofsi``: the list closed on 28 January 2026, this reads archived files; ``uk`` is the FCDO list).

Sheet "Data": row 1 is ``Last Updated | dd/mm/yyyy``, row 2 the header, then one row per name
variant, repeated for every further date of birth and address: rows are grouped into one
designation by ``Group ID`` and their values merged. Multi-valued cells are numbered,
"(1) Russia (2) Ukraine"; ``Other Information`` embeds tagged fields such as
"(UK Sanctions List Ref):RUS0001" and, for ships, "(IMO number):7408873".
"""

from __future__ import annotations

import re
from pathlib import Path

from service.engine.model import (
    AKA,
    FKA,
    ORIGINAL_SCRIPT,
    Address,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, natural_order, non_latin, person_parts
from service.lists.errors import ListError
from service.lists.freedates import day_month_year, whole_day_month_year
from service.lists.xlsx import read_sheet

SHEET = "Data"
_GIVEN = ("Name 1", "Name 2", "Name 3", "Name 4", "Name 5")
_ADDRESS = ("Address 1", "Address 2", "Address 3", "Address 4", "Address 5", "Address 6")
REQUIRED = ("Name 6", *_GIVEN, "Group Type", "Alias Type", "Group ID")
OPTIONAL = (
    "Title",
    "Name Non-Latin Script",
    "DOB",
    "Town of Birth",
    "Country of Birth",
    "Nationality",
    "Passport Number",
    "Passport Details",
    "National Identification Number",
    "National Identification Details",
    "Position",
    *_ADDRESS,
    "Post/Zip Code",
    "Country",
    "Other Information",
    "Alias Quality",
    "Regime",
    "Listed On",
)
# What _merge reads: rows that repeat these (once per name variant) are merged once.
_FACTS = tuple(c for c in OPTIONAL if c not in ("Name Non-Latin Script", "Alias Quality"))
_SCHEMA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
_NUMBERED = re.compile(r"\(\d{1,2}\)")  # "(1) A (2) B"; "(2017)" or "(NWA)" are text
_TAG = re.compile(r"\(([A-Za-z][A-Za-z /]{0,38})\):")  # "(Gender):Male"
_HEADER_SEARCH = 5  # the header is row 2; look a little further in case a title row is added

Row = dict[str, str]


def load_uk_ofsi(path: str | Path, list_id: str = "uk_ofsi") -> LoadedList:
    """Parse ConList.xlsx; ListError if it is not a workbook, has no Data sheet or lacks the name columns."""
    path = Path(path)
    data, rows = read_sheet(path, "OFSI ConList.xlsx", SHEET)
    at = next((i for i, row in enumerate(rows[:_HEADER_SEARCH]) if "Group ID" in row), None)
    if at is None:
        raise ListError(
            f"{path}: no header row with 'Group ID' in the first {_HEADER_SEARCH} rows "
            f"of sheet {SHEET!r}: not the OFSI consolidated list"
        )
    header = {name: i for i, name in enumerate(rows[at]) if name}
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ListError(f"{path}: sheet {SHEET!r} lacks the column(s) {', '.join(missing)}")
    warnings = [f"column {c!r} missing, loaded without it" for c in OPTIONAL if c not in header]
    columns = [(c, header.get(c, -1)) for c in REQUIRED + OPTIONAL]
    published = next(
        (whole_day_month_year(r[1]) for r in rows[:at] if len(r) > 1 and r[0] == "Last Updated"), None
    )

    problems: list[RowProblem] = []
    groups: dict[str, list[Row]] = {}
    for index in range(at + 1, len(rows)):
        cells = rows[index]
        row = {c: cells[i] if 0 <= i < len(cells) else "" for c, i in columns}  # absent columns: ""
        reason = _problem(row)
        if reason:
            problems.append(RowProblem(path.name, index + 1, reason))
        elif any(row.values()):
            groups.setdefault(row["Group ID"], []).append(row)
    if not groups:
        raise ListError(f"{path}: no designations found in sheet {SHEET!r}")
    entities = [_entity(group_id, group, list_id) for group_id, group in groups.items()]
    return build_list(list_id, "uk_ofsi", published, [(path, data)], entities, problems, warnings)


def _problem(row: Row) -> str | None:
    """Why a row cannot be used, or None (blank rows are not a problem: they are ignored)."""
    if not any(row.values()):
        return None
    if not row["Group ID"]:
        return "no Group ID"
    if not row["Name 6"] and not any(row[c] for c in _GIVEN):
        return f"Group ID {row['Group ID']}: no name"
    if row["Group Type"].lower() not in _SCHEMA:
        return f"Group ID {row['Group ID']}: unknown Group Type {row['Group Type'][:20]!r}"
    return None


def _entity(group_id: str, rows: list[Row], list_id: str) -> Entity:
    """One designation from all its rows; the first "Primary name" row names it (else the first row)."""
    schema = _SCHEMA[rows[0]["Group Type"].lower()]
    primary = next((r for r in rows if r["Alias Type"].lower() == "primary name"), rows[0])
    name, natural = _row_name(primary, schema)
    entity = Entity(
        id=group_id,
        list_id=list_id,
        schema=schema,
        name=name,
        natural_name=natural,
        name_parts=_row_parts(primary, schema),
    )
    seen: dict[str, Name] = {}
    remarks: list[str] = []
    merged: set[tuple[str, ...]] = set()
    for row in rows:
        _add_name(
            entity,
            seen,
            *_row_name(row, schema),
            FKA if row["Alias Type"].lower() == "fka" else AKA,
            row["Alias Quality"].lower().startswith("low"),
            _row_parts(row, schema),
        )
        original = row["Name Non-Latin Script"]
        if original:
            _add_name(
                entity, seen, original, natural_order(original) if schema == "Person" else None, AKA, False
            )
        facts = tuple(row[c] for c in _FACTS)
        if facts not in merged:  # rows repeat the same facts once per name variant
            merged.add(facts)
            _merge(entity, row)
            _extend(remarks, [row["Other Information"]])
    if remarks:
        entity.remarks = "\n".join(remarks)
        _apply_tags(entity, _tags(remarks[0]))
    return entity


def _row_name(row: Row, schema: str) -> tuple[str, str | None]:
    """(list form, natural order): individuals "SURNAME, Given Names" / "Given Names SURNAME"."""
    surname, given = row["Name 6"], " ".join(row[c] for c in _GIVEN if row[c])
    reading = " ".join(p for p in (given, surname) if p)
    if schema != "Person" or not (given and surname):
        return reading, None
    return f"{surname}, {given}", reading


def _row_parts(row: Row, schema: str) -> dict[str, str]:
    """Name 1-5 are given (and middle) names, Name 6 the surname: the roles of an individual's name."""
    surname, given = row["Name 6"], " ".join(row[c] for c in _GIVEN if row[c])
    return person_parts(surname, given) if schema == "Person" and surname and given else {}


def _add_name(
    entity: Entity,
    seen: dict[str, Name],
    name: str,
    natural: str | None,
    kind: str,
    weak: bool,
    parts: dict[str, str] | None = None,
) -> None:
    """Add an alias once per entity; a name given both as low and good quality stays strong."""
    if name == entity.name:
        return
    if name in seen:
        seen[name].weak = seen[name].weak and weak
        return
    seen[name] = Name(name, ORIGINAL_SCRIPT if non_latin(name) else kind, weak, natural, parts or {})
    entity.aliases.append(seen[name])


def _merge(entity: Entity, row: Row) -> None:
    """Add one row's non-name values to the designation, without duplicates."""
    _extend(entity.titles, _present(_items(row["Title"]) + _items(row["Position"])))
    birth = day_month_year(row["DOB"])
    _extend(entity.birth_dates, [birth] if birth else [])
    _extend(entity.places_of_birth, _places(_items(row["Town of Birth"]), _items(row["Country of Birth"])))
    _extend(entity.nationalities, _nationalities(row["Nationality"]))
    _extend(entity.documents, _documents("Passport", row["Passport Number"], row["Passport Details"]))
    _extend(
        entity.documents,
        _documents(
            "National ID No.", row["National Identification Number"], row["National Identification Details"]
        ),
    )
    street = ", ".join(p for p in (row[c].strip(" ,;") for c in _ADDRESS) if p) or None
    address = Address(street=street, country=row["Country"] or None, postal_code=row["Post/Zip Code"] or None)
    if street or address.country or address.postal_code:
        _extend(entity.addresses, [address])
    _extend(entity.programs, [row["Regime"]])
    listed = whole_day_month_year(row["Listed On"])
    if listed and (entity.listed_on is None or listed < entity.listed_on):
        entity.listed_on = listed  # a designation under several regimes keeps its first listing


def _extend(target: list, values: list) -> None:
    for value in values:  # dataclasses are unhashable: a linear check, on lists of a few items
        if value and value not in target:
            target.append(value)


def _items(value: str) -> list[str]:
    """ "(1) Russia. (2) Ukraine" -> ["Russia", "Ukraine"], positions kept: a "-" placeholder is ""."""
    parts = _NUMBERED.split(value)[1:] if value.startswith("(1)") else [value]
    return ["" if (p := part.strip(" .,;")) == "-" else p for part in parts]


def _present(items: list[str]) -> list[str]:
    return [i for i in items if i]


def _nationalities(value: str) -> list[str]:
    """Numbered, or (a few rows) "Estonia, Russia" / "Germany. Russia"."""
    items = _items(value)
    if len(items) == 1:
        items = re.split(r"[,.]\s+", items[0])
    return _present(items)


def _places(towns: list[str], countries: list[str]) -> list[str]:
    """Pair "(1) Town (2) Town" with the countries by position; one country goes with every town."""
    if len(countries) == 1:
        pairs = [(town, countries[0]) for town in _present(towns)] or [("", countries[0])]
    elif len(towns) == len(countries):
        pairs = list(zip(towns, countries, strict=True))
    else:
        pairs = [(place, "") for place in towns + countries]
    return _present([", ".join(p for p in pair if p) for pair in pairs])


def _documents(kind: str, numbers: str, details: str) -> list[Document]:
    """Numbered document numbers, each with its numbered detail, or all the details when they don't pair."""
    values, notes = _items(numbers), _items(details)
    if len(notes) != len(values):
        notes = [details] * len(values)
    pairs = zip(values, notes, strict=True)
    return [Document(kind, number, note=note or None) for number, note in pairs if number]


def _tags(text: str) -> dict[str, str]:
    """ "(UK Sanctions List Ref):GHR0086. (Gender):Male" -> {"uk sanctions list ref": "GHR0086", ...}."""
    marks = list(_TAG.finditer(text))
    found: dict[str, str] = {}
    for mark, after in zip(marks, [*marks[1:], None], strict=True):
        value = text[mark.end() : after.start() if after else len(text)].strip(" .;")
        found.setdefault(mark.group(1).lower(), value)
    return found


def _apply_tags(entity: Entity, tags: dict[str, str]) -> None:
    ref = tags.get("uk sanctions list ref", "").split()
    entity.reference = ref[0].rstrip(".,;") if ref else None
    gender = tags.get("gender", "").split()
    entity.gender = gender[0].capitalize() if gender else None
    if entity.schema != "Vessel":
        return
    imo = re.search(r"\b\d{7}\b", tags.get("imo number", ""))
    entity.vessel = Vessel(
        imo=imo.group(0) if imo else None,
        flag=tags.get("flag of ship") or None,
        type=tags.get("type of ship") or None,
        tonnage=tags.get("tonnage of ship") or None,
        owner=tags.get("current owners") or None,
    )
    if imo:
        entity.documents.append(Document("IMO", imo.group(0)))
