"""Australia, DFAT Consolidated List (``regulation8_consolidated.xlsx``) -> entities.

One worksheet, one row per name. A listing's primary name has Reference "2", its other names
"2a", "2b", "34c1"... and its rows are not always adjacent: rows are grouped by the number, which
is the entity id. Cells are typed by hand and not normalised ("Aka", "AKA ", "primary name",
"Individual "); dates of birth are free text (``freedates``), passports and national IDs sit in the
"Additional Information" prose (``idnumbers``). There are no vessels: "Type" only holds Individual
and Entity (the IMO numbers in the text are shipping companies' own).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from service.engine.countries import country_code
from service.engine.model import (
    AKA,
    FKA,
    ORIGINAL_SCRIPT,
    PRIMARY,
    Address,
    Entity,
    LoadedList,
    Name,
    RowProblem,
)
from service.lists.base import build_list, split_outside_brackets, whole_person_name
from service.lists.errors import ListError
from service.lists.freedates import birth_dates, find_dates
from service.lists.idnumbers import documents
from service.lists.xlsx import read_sheet

WHAT = "DFAT consolidated list .xlsx"
SHEET = "Sheet1"
REF, NAME, TYPE, NAME_TYPE = "reference", "name of individual or entity", "type", "name type"
DOB, POB, CITIZENSHIP, ADDRESS = "date of birth", "place of birth", "citizenship", "address"
INFO, LISTING = "additional information", "listing information"
COMMITTEES, CONTROL = "committees", "control date"
REQUIRED = (REF, NAME, TYPE, NAME_TYPE)
OPTIONAL = (DOB, POB, CITIZENSHIP, ADDRESS, INFO, LISTING, COMMITTEES, CONTROL)
_HEADER_SEARCH = 5
_KINDS = {
    "primary name": PRIMARY,
    "aka": AKA,
    "original script": ORIGINAL_SCRIPT,
    "formerly known as": FKA,
    "previously listed as": FKA,
}
_SCHEMAS = {"individual": "Person", "entity": "Organization", "vessel": "Vessel"}  # no vessel listed yet
_REFERENCE = re.compile(r"(\d+)([a-z]{0,3}\d{0,3})", re.IGNORECASE)
_NOT_GIVEN = {"na", "n/a", "nil", "none", "unknown", "-"}
# "Nik Mohammad (previously listed as)", "... (Previously listed as. In Arabic: رياض ...)"
_LISTED_AS = re.compile(
    r"\s*\((?:previously|formerly) listed as\b[.,]?\s*"
    r"(?:in arabic:\s*(?P<script>[^)]*))?\)",
    re.IGNORECASE,
)
_ITEM = re.compile(r"(?:^|\s)\(?[a-z]\)\s*", re.IGNORECASE)  # "a) X b) Y", "(a) X; (b) Y"
_ADDRESS_SEP = re.compile(r"\s*;\s*")
_CITIZENSHIP_SEP = re.compile(r"\s*[;,/]\s*|\s+and\s+")
_COMMITTEE_SEP = re.compile(r"(?<=\))\s+(?=\d|Autonomous)")  # "1970 (Libya) 1973 (Libya)"
_LISTED = re.compile(r"\b(?:listed|listing|designated|designation)", re.IGNORECASE)  # also "Listedon"
_LISTED_WINDOW = 160
_EXCEL_EPOCH = date(1899, 12, 30)

Row = dict[str, str]
T = TypeVar("T")


def load_au(path: str | Path, list_id: str = "au_dfat") -> LoadedList:
    """Parse the DFAT workbook; ListError if it is no workbook, lacks Sheet1 or the name columns."""
    path = Path(path)
    data, rows = read_sheet(path, WHAT, SHEET)
    at, columns = _header(rows, path)
    warnings = [f"column {c!r} missing: left empty" for c in OPTIONAL if c not in columns]
    problems: list[RowProblem] = []
    groups: dict[str, list[tuple[int, Row]]] = {}
    control_texts: set[str] = set()
    for i in range(at + 1, len(rows)):
        cells = rows[i]
        if not any(cells):
            continue
        row = {c: cells[j] if j < len(cells) else "" for c, j in columns.items()}
        control_texts.add(row.get(CONTROL, ""))
        problem = _row_problem(row)
        if problem:
            problems.append(RowProblem(path.name, i + 1, problem))
            continue
        reference = _REFERENCE.fullmatch(row[REF])
        assert reference is not None  # _row_problem() skipped the rows it does not match
        groups.setdefault(reference.group(1), []).append((i + 1, row))
    entities = []
    for number, members in groups.items():
        made = _entity(number, members, list_id)
        if isinstance(made, str):
            problems.append(RowProblem(path.name, members[0][0], made))
        else:
            entities.append(made)
    if not entities:
        raise ListError(f"{path}: no usable listing in {len(rows) - at - 1} rows of sheet {SHEET!r}")
    published = max(filter(None, map(_control_date, control_texts)), default=None)  # the latest
    return build_list(list_id, "au", published, [(path, data)], entities, problems, warnings)


def _header(rows: list[list[str]], path: Path) -> tuple[int, dict[str, int]]:
    """The header row's index and column positions by lower-cased name; ListError without the name columns."""
    for at, row in enumerate(rows[:_HEADER_SEARCH]):
        columns = {cell.lower(): j for j, cell in enumerate(row) if cell}
        if REF in columns and NAME_TYPE in columns:
            missing = [c for c in REQUIRED if c not in columns]
            if missing:
                raise ListError(f"{path}: header row {at + 1} lacks the column(s) {', '.join(missing)}")
            return at, columns
    raise ListError(
        f"{path}: no header row with 'Reference' and 'Name Type' in the first {_HEADER_SEARCH} "
        f"rows of sheet {SHEET!r}: not the DFAT consolidated list"
    )


def _row_problem(row: Row) -> str | None:
    if not _REFERENCE.fullmatch(row[REF]):
        return f"Reference {row[REF][:40]!r} is not a listing number such as '2' or '2a'"
    if not row[NAME].strip(" ,;"):
        return f"Reference {row[REF]} has no name"
    if row[NAME_TYPE].lower() not in _KINDS:
        return f"Reference {row[REF]}: unknown Name Type {row[NAME_TYPE][:40]!r}"
    return None


def _entity(number: str, members: list[tuple[int, Row]], list_id: str) -> Entity | str:
    """One listing from its name rows, or why it cannot be one."""
    rows = [row for _, row in members]
    primary = next((r for r in rows if _KINDS[r[NAME_TYPE].lower()] == PRIMARY), None)
    if primary is None:
        return f"listing {number} has no Primary Name row"
    schema = _SCHEMAS.get(primary[TYPE].lower())
    if schema is None:
        return f"listing {number}: unknown Type {primary[TYPE][:40]!r}"
    person = schema == "Person"
    first, *extra = _names(primary[NAME], AKA, person)
    entity = Entity(
        id=number,
        list_id=list_id,
        schema=schema,
        name=first.name,
        natural_name=first.natural,
        name_parts=first.parts,
    )
    seen = {first.name}
    for alias in extra + [n for r in rows if r is not primary for n in _names(r[NAME], _kind(r), person)]:
        if alias.name not in seen:
            seen.add(alias.name)
            entity.aliases.append(alias)
    _facts(entity, rows)
    return entity


def _kind(row: Row) -> str:
    kind = _KINDS[row[NAME_TYPE].lower()]
    return AKA if kind == PRIMARY else kind  # a second primary-name row is one more name


def _names(raw: str, kind: str, person: bool) -> list[Name]:
    """A name cell as Names: "(previously listed as)" makes it a former name, an Arabic form in that
    note is one more name."""
    name = raw.strip(" ,;")
    note = _LISTED_AS.search(name)
    out = []
    if note:
        name, kind = (name[: note.start()] + name[note.end() :]).strip(" ,;"), FKA
        if note.group("script") and note.group("script").strip():
            out.append(Name(note.group("script").strip(), ORIGINAL_SCRIPT))
    natural, parts = whole_person_name(name) if person and kind != ORIGINAL_SCRIPT else (None, {})
    return [Name(name, kind, False, natural, parts), *out]


def _distinct(rows: list[Row], column: str) -> list[str]:
    """The column's values across a listing's rows (they mostly repeat), once each, "na" left out."""
    values = []
    for row in rows:
        value = row.get(column, "")
        if value and value.lower().strip(" .;") not in _NOT_GIVEN and value not in values:
            values.append(value)
    return values


def _facts(entity: Entity, rows: list[Row]) -> None:
    """Everything but the names, merged over the listing's rows."""
    unparsed = []
    for text in _distinct(rows, DOB):
        found = birth_dates(text)
        entity.birth_dates += [bd for bd in found if bd not in entity.birth_dates]
        if not found:
            unparsed.append(text)
    entity.places_of_birth = _unique(p for text in _distinct(rows, POB) for p in _items(text))
    entity.citizenships = _unique(c for text in _distinct(rows, CITIZENSHIP) for c in _citizenships(text))
    entity.addresses = [
        _address(a)
        for text in _distinct(rows, ADDRESS)
        for item in _items(text)
        for a in split_outside_brackets(item, _ADDRESS_SEP)
    ]
    committees = _distinct(rows, COMMITTEES)
    entity.programs = _unique(p.strip() for text in committees for p in _COMMITTEE_SEP.split(text))
    info = _distinct(rows, INFO)
    entity.documents = documents(info)
    remarks = info + [f"Date of birth (as listed): {text}" for text in unparsed]
    entity.remarks = "\n".join(remarks) or None
    listed = [d for text in _distinct(rows, LISTING) if (d := _listed_on(text))]
    entity.listed_on = min(listed, default=None)


def _unique(values: Iterable[T]) -> list[T]:
    out: list[T] = []
    for value in values:
        if value and value not in out:
            out.append(value)
    return out


def _items(text: str) -> list[str]:
    """ "a) X b) Y" -> ["X", "Y"]; trailing separators and "na" dropped."""
    items = (p.strip(" ;,.") for p in _ITEM.split(text))
    return [p for p in items if p and p.lower() not in _NOT_GIVEN]


def _citizenships(text: str) -> list[str]:
    """ "Russian; German", "Malian / Mauritanian", "Russian and Ukrainian" -> one value each; a country
    whose name has "and" in it ("Trinidad and Tobago") stays whole, and so does a bracketed remark."""
    out = []
    for item in _items(text):
        parts = [item] if country_code(item) else split_outside_brackets(item, _CITIZENSHIP_SEP)
        out += [p.strip(" .") for p in parts]
    return [c for c in out if c]


def _address(text: str) -> Address:
    """Free-text address -> street, city, country where the last part names a country; a closing
    bracketed remark ("(at time of listing)") is the note."""
    note = None
    m = re.fullmatch(r"(.*?)\s*\(([^()]*)\)", text)
    if m and m.group(1):
        text, note = m.group(1), m.group(2)
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if parts and country_code(parts[-1]):
        country, rest = parts[-1], parts[:-1]
        city = rest[-1] if rest else None
        street = ", ".join(rest[:-1]) or None
        return Address(street=street, city=city, country=country, note=note)
    return Address(street=text, note=note)


@lru_cache(maxsize=4096)  # listings share their texts ("... Amendment (No. 1) Instrument 2022")
def _listed_on(text: str) -> str | None:
    """The first full date after "Listed"/"Designated" in the listing text, else one it starts with
    (a date cell, "4 Apr. 2014 (amended ...)"). Instrument names alone ("... Instrument 2022") give none."""
    for m in _LISTED.finditer(text):
        window = text[m.end() : m.end() + _LISTED_WINDOW]
        day = next((iso for _, _, iso in find_dates(window) if len(iso) == 10), None)
        if day:
            return day
    first = find_dates(text)[:1]
    return first[0][2] if first and first[0][0] == 0 and len(first[0][2]) == 10 else None


def _control_date(text: str) -> str | None:
    """The Control Date: a real date cell (read as dd/mm/yyyy), or the raw Excel day number."""
    if text.isdigit() and 20000 < int(text) < 80000:
        return (_EXCEL_EPOCH + timedelta(days=int(text))).isoformat()
    found = find_dates(text)
    return found[0][2] if found and len(found[0][2]) == 10 else None
