"""BIS Denied Persons List, ``dpl.txt`` -> entities.

Tab-separated, every field double-quoted, header ``Name Street_Address City State Country
Postal_Code Effective_Date Expiration_Date Standard_Order Last_Update Action FR_Citation``, often no
final line break. One row per denied party and address: rows with the same name and effective date
are one order, merged into one entity with several addresses. No aliases, birth dates or ids; the
schema is guessed from the name (``guess_schema``). The file has no publication date and its
``Last_Update`` holds typos (a real row says 3017), so none is taken from it.
Record id: "dpl-" and a digest of the name and effective date (the list has no id of its own).
"""

from __future__ import annotations

import csv
import hashlib
import io
from datetime import date
from pathlib import Path

from service.engine.model import Address, Entity, LoadedList, RowProblem
from service.lists.base import build_list, read_bytes, whole_person_name
from service.lists.errors import ListError
from service.lists.schema_guess import guess_schema
from service.lists.us_csl import decode

WHAT = "BIS Denied Persons List (dpl.txt)"
REQUIRED = ("name",)


def load_us_dpl(path: str | Path, list_id: str = "us_dpl") -> LoadedList:
    """Parse dpl.txt; ListError if it is not the DPL or its last row is cut short."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    text = decode(data, path, WHAT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter="\t")
    problems: list[RowProblem] = []
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise ListError(f"{path}: line {reader.line_num}: unreadable: {exc}") from None
    header = [h.strip().lower() for h in rows[0][1]] if rows else []
    if "name" not in header or len(header) < 4:
        raise ListError(f"{path}: no tab-separated header with Name: not the Denied Persons List")
    if rows and not text.rstrip(" \r\n").endswith('"') and len(rows) > 1:  # a tab is a cut field
        raise ListError(f"{path}: line {rows[-1][0]}: the last field is not closed: truncated file")
    entities: dict[str, Entity] = {}
    for line, cells in rows[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            if line == rows[-1][0]:
                raise ListError(
                    f"{path}: line {line}: the last row has {len(cells)} of {len(header)} "
                    "fields: truncated file"
                )
            problems.append(RowProblem(path.name, line, f"{len(cells)} fields, the header has {len(header)}"))
            continue
        row = dict(zip(header, (" ".join(c.split()) for c in cells), strict=True))
        if not row["name"]:
            problems.append(RowProblem(path.name, line, "row without a Name"))
            continue
        _merge(entities, row, list_id)
    if not entities:
        raise ListError(f"{path}: no usable rows ({len(problems)} bad)")
    return build_list(list_id, "us_dpl", None, [(path, data)], list(entities.values()), problems)


def _merge(entities: dict[str, Entity], row: dict[str, str], list_id: str) -> None:
    effective = _us_date(row.get("effective_date", ""))
    key = f"{row['name'].upper()}\x1f{effective or row.get('effective_date', '')}"
    entity_id = "dpl-" + hashlib.sha256(key.encode()).hexdigest()[:12]
    entity = entities.get(entity_id)
    if entity is None:
        schema = guess_schema(row["name"])
        # Whole names in capitals ("ALEXANDER M. ROVEGNO"): roles only from a "LAST, FIRST" comma.
        natural, parts = whole_person_name(row["name"], by_case=False) if schema == "Person" else (None, {})
        entity = Entity(
            id=entity_id,
            list_id=list_id,
            schema=schema,
            name=row["name"],
            natural_name=natural,
            name_parts=parts,
            listed_on=effective,
            programs=["Denied Persons List"],
            reference=row.get("fr_citation") or None,
            remarks="; ".join(v for k in ("action", "expiration_date") if (v := row.get(k))) or None,
        )
        entities[entity_id] = entity
    address = Address(
        street=row.get("street_address") or None,
        city=row.get("city") or None,
        region=row.get("state") or None,
        country=row.get("country") or None,
        postal_code=row.get("postal_code") or None,
    )
    if (address.street or address.city or address.country) and address not in entity.addresses:
        entity.addresses.append(address)


def _us_date(value: str) -> str | None:
    """ "10/16/2017" -> "2017-10-16"; None unless it is a real date."""
    parts = value.strip().split("/")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        return None
    try:
        return date(int(parts[2]), int(parts[0]), int(parts[1])).isoformat()
    except ValueError:
        return None
