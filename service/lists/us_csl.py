"""US Consolidated Screening List (trade.gov CSL) CSV -> entities.

One row per listed party of eleven US lists (OFAC SDN and non-SDN, BIS Entity List, Denied Persons,
Unverified, Military End User, State ITAR debarred, nonproliferation sanctions...), named in
``source``. Two column layouts are read by header name: the current data.trade.gov one (first column
``_id``) and the older api.trade.gov one (no ``_id``). Multi-valued cells are joined by "; ":
``alt_names``, ``programs``, ``dates_of_birth``, ``nationalities``, ``citizenships``,
``places_of_birth``, ``addresses`` (each "street, city, state, postal, country") and ``ids`` (current
layout "type, number, country[, issued, expires]", older layout "[country, ]number, type"). ``type``
is only filled for the Treasury lists; other rows' schema is guessed from the name (``guess_schema``).

The file carries no publication date. Record id: ``_id``, else OFAC's ``entity_number``, else a
digest of the row's source, name and addresses (the older layout's BIS rows have no id).
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from service.engine.countries import country_code
from service.engine.model import (
    AKA,
    ORIGINAL_SCRIPT,
    Address,
    BirthDate,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, keep_record, non_latin, read_bytes, whole_person_name
from service.lists.csvrows import iter_rows
from service.lists.errors import ListError
from service.lists.freedates import birth_dates
from service.lists.schema_guess import guess_schema

WHAT = "US Consolidated Screening List CSV"
REQUIRED = ("source", "name")
_SCHEMA = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Aircraft"}
_SEP = re.compile(r"\s*;\s*")
_SUCCESSORS = re.compile(r"[;,]\s*and any successor.*$", re.IGNORECASE)  # "...Company; and any successor..."
_NOT_AN_ID = re.compile(
    r"risk|sanction|directive|prohibited|gender|e-?mail|website|phone|additional|"
    r"listing|nationality|citizenship|birth|title|former",
    re.IGNORECASE,
)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_DOB = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def decode(data: bytes, path: Path, what: str) -> str:
    """UTF-8 text (a BOM allowed); ListError naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        if exc.reason == "unexpected end of data":  # cut inside a character
            raise ListError(
                f"{path}: line {line}: the file ends inside a character: truncated file"
            ) from None
        raise ListError(
            f"{path}: line {line}: {what} is not UTF-8 ({exc.reason} at byte {exc.start}): "
            "wrong encoding or not this file"
        ) from None


def load_us_csl(path: str | Path, list_id: str = "us_csl") -> LoadedList:
    """Parse consolidated.csv (either layout); ListError if it is not the CSL or is cut short."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    problems: list[RowProblem] = []
    text = decode(data, path, WHAT)
    if text.count('"') % 2:  # a quoted cell left open: the file stops inside it
        raise ListError(
            f"{path}: line {text.count(chr(10)) + 1}: a quoted cell is never closed: truncated file"
        )
    rows = iter_rows(text, path.name, problems)
    first = next(rows, None)
    header = [h.strip().lower() for h in first[1]] if first else []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ListError(f"{path}: header lacks {', '.join(missing)}: not the US Consolidated Screening List")
    current = "_id" in header
    entities: dict[str, Entity] = {}
    last: tuple[int, list[str]] | None = None
    for line, cells in rows:
        last = (line, cells)
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            problems.append(RowProblem(path.name, line, f"{len(cells)} columns, the header {len(header)}"))
            continue
        row = dict(zip(header, (c.strip() for c in cells), strict=True))
        keep_record(_record(row, current, list_id), path.name, line, entities, problems, "duplicate id {id}")
    if last is not None and len(last[1]) < len(header) and any(c.strip() for c in last[1]):
        raise ListError(
            f"{path}: line {last[0]}: the last row has {len(last[1])} of {len(header)} columns: "
            "truncated file"
        )
    if not entities:
        raise ListError(f"{path}: no usable rows ({len(problems)} bad)")
    return build_list(list_id, "us_csl", None, [(path, data)], list(entities.values()), problems)


def split(value: str) -> list[str]:
    return [v for v in _SEP.split(value) if v] if value else []


def _record(row: dict[str, str], current: bool, list_id: str) -> Entity | str:
    name = _SUCCESSORS.sub("", " ".join(row["name"].split())).strip()
    if not name:
        return "row without a name"
    entity_id = row.get("_id") or row.get("entity_number") or _digest(row)
    kind = row.get("type", "").lower()
    schema = _SCHEMA.get(kind) or guess_schema(name)
    start = row.get("start_date", "")
    # Treasury rows (``type`` filled) write individuals "LAST, First" or "Given SURNAME"; the other
    # lists' names are whole, in reading order, in one case or mixed without marking the surname.
    person, treasury = schema == "Person", bool(kind)
    natural, parts = whole_person_name(name, treasury) if person else (None, {})
    entity = Entity(
        id=entity_id,
        list_id=list_id,
        schema=schema,
        name=name,
        natural_name=natural,
        name_parts=parts,
        listed_on=start[:10] if _ISO.match(start) else None,
        remarks=row.get("remarks") or None,
        reference=row.get("federal_register_notice") or None,
    )
    entity.programs = (
        [row["source"], *split(row.get("programs", ""))] if row["source"] else split(row.get("programs", ""))
    )
    seen = {name}
    for alias in split(row.get("alt_names", "")):
        alias = re.sub(r"^and\s+", "", alias)
        if alias and alias not in seen:
            seen.add(alias)
            original = non_latin(alias)
            natural, parts = whole_person_name(alias, treasury) if person and not original else (None, {})
            entity.aliases.append(Name(alias, ORIGINAL_SCRIPT if original else AKA, False, natural, parts))
    for value in split(row.get("dates_of_birth", "")):
        iso = _ISO_DOB.fullmatch(value)  # "1978-12-05"; free text ("circa 1955", "12 Nov 1974") else
        for birth in [BirthDate(value)] if iso else birth_dates(value):
            if birth not in entity.birth_dates:
                entity.birth_dates.append(birth)
    entity.nationalities = split(row.get("nationalities", ""))
    entity.citizenships = split(row.get("citizenships", ""))
    entity.places_of_birth = split(row.get("places_of_birth", ""))
    entity.titles = split(row.get("title", ""))
    entity.addresses = [a for a in (_address(v) for v in split(row.get("addresses", ""))) if a]
    for value in split(row.get("ids", "")):
        _identifier(entity, value, current)
    if schema == "Vessel" or row.get("call_sign") or row.get("vessel_flag"):
        imo = next((d.number for d in entity.documents if d.type == "IMO"), None)
        entity.vessel = Vessel(
            imo=imo,
            flag=row.get("vessel_flag") or None,
            call_sign=row.get("call_sign") or None,
            type=row.get("vessel_type") or None,
            owner=row.get("vessel_owner") or None,
            tonnage=row.get("gross_registered_tonnage") or None,
            gross_tonnage=row.get("gross_tonnage") or None,
        )
    return entity


def _digest(row: dict[str, str]) -> str:
    key = "\x1f".join(row.get(c, "") for c in ("source", "name", "addresses", "start_date"))
    return "csl-" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _address(text: str) -> Address | None:
    """ "street, city, state, postal, CC": the trailing ISO code is the country, the rest the street."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        return None
    country = parts[-1] if len(parts[-1]) == 2 and parts[-1].isupper() else None
    street = ", ".join(parts[:-1] if country else parts) or None
    return Address(street=street, country=country)


def _identifier(entity: Entity, value: str, current: bool) -> None:
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < 2:
        return
    if current:  # "Passport, 836238033, KP", "Gender, Male"
        kind, number = parts[0], parts[1]
        country = parts[2] if len(parts) > 2 and country_code(parts[2]) else None
    else:  # "US, 80-0890696, Tax ID No.", "IMO 8898831, Vessel Registration Identification"
        kind, number = parts[-1], parts[-2]
        country = parts[0] if len(parts) > 2 and country_code(parts[0]) else None
    if kind.lower() == "gender" or number.lower() == "gender":
        entity.gender = entity.gender or (number if kind.lower() == "gender" else kind)
        return
    if _NOT_AN_ID.search(kind) or not any(ch.isdigit() for ch in number):
        return
    if number.upper().startswith("IMO ") or "vessel registration" in kind.lower():
        kind, number = "IMO", number.upper().removeprefix("IMO ").strip()
    doc = Document(kind.rstrip(" :"), number, country)
    if doc not in entity.documents:
        entity.documents.append(doc)
