"""A firm's own watchlist (or an evaluation index) as CSV: one row per name.

Required columns ``entity_id,name,schema``; optional ``is_primary,birth_date,country,program``;
anything else is ignored. Rows sharing an entity_id are one entity; its primary name is the
``is_primary`` row, else the first row.
"""

from __future__ import annotations

import re
from pathlib import Path

from service.engine.model import AKA, BirthDate, Entity, LoadedList, Name, RowProblem
from service.lists.base import build_list, read_bytes
from service.lists.csvrows import iter_rows
from service.lists.errors import ListError

REQUIRED = ("entity_id", "name", "schema")
_SCHEMAS = {
    "person": "Person",
    "organization": "Organization",
    "organisation": "Organization",
    "vessel": "Vessel",
    "aircraft": "Aircraft",
}
_TRUE = {"1", "true", "yes", "y", "t", "x"}
_ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _decode(data: bytes, path: Path, problems: list[RowProblem]) -> str:
    """UTF-8 text; lines that are not UTF-8 are blanked (keeping line numbers) and reported."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    lines = []
    for number, raw in enumerate(data.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(RowProblem(path.name, number, f"not valid UTF-8 (byte {exc.start} of the line)"))
            lines.append("")
    return "\n".join(lines)


def load_custom(path: str | Path, list_id: str = "custom") -> LoadedList:
    """Parse a custom-list CSV; ListError when a required column is missing or no row is usable."""
    path = Path(path)
    data = read_bytes(path, "custom list CSV")
    problems: list[RowProblem] = []
    warnings: list[str] = []
    rows = iter_rows(_decode(data, path, problems), path.name, problems)
    header = next((row for _, row in rows if any(cell.strip() for cell in row)), None)
    columns = {name.strip().lower(): i for i, name in enumerate(header or [])}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ListError(
            f"{path}: custom list CSV lacks the column(s) {', '.join(missing)} "
            f"(needs a header with {', '.join(REQUIRED)})"
        )
    assert header is not None  # no header leaves every REQUIRED column missing: raised above
    width = len(header)
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != width:
            problems.append(RowProblem(path.name, line, f"expected {width} fields, found {len(row)}"))
            continue
        field = {col: row[i].strip() for col, i in columns.items()}
        reason = _check(field)
        if reason:
            problems.append(RowProblem(path.name, line, reason))
            continue
        groups.setdefault(field["entity_id"], []).append((line, field))
    good = sum(len(rows_) for rows_ in groups.values())
    if not groups or len(problems) > good:
        raise ListError(f"{path}: not a usable custom list: {good} usable rows, {len(problems)} bad")
    entities = [_entity(ent_id, rows_, list_id, warnings) for ent_id, rows_ in groups.items()]
    return build_list(list_id, "custom", None, [(path, data)], entities, problems, warnings)


def _check(field: dict[str, str]) -> str | None:
    if not field["entity_id"]:
        return "empty entity_id"
    if not field["name"]:
        return "empty name"
    if "\n" in field["name"] or "\r" in field["name"]:
        return "name spans several lines (an unbalanced quote?)"
    if field["schema"].lower() not in _SCHEMAS:
        return f"schema {field['schema'][:30]!r} is not one of person, organization, vessel, aircraft"
    return None


def _entity(ent_id: str, rows: list[tuple[int, dict[str, str]]], list_id: str, warnings: list[str]) -> Entity:
    """One entity from its rows: the first is_primary row (else the first row) names it."""
    primary = next((f for _, f in rows if f.get("is_primary", "").lower() in _TRUE), rows[0][1])
    schema = _SCHEMAS[primary["schema"].lower()]
    entity = Entity(id=ent_id, list_id=list_id, schema=schema, name=primary["name"])
    seen = {entity.name}
    for line, field in rows:
        if field["name"] not in seen:
            seen.add(field["name"])
            entity.aliases.append(Name(field["name"], AKA))
        _add_attributes(entity, field, line, warnings)
    return entity


def _add_attributes(entity: Entity, field: dict[str, str], line: int, warnings: list[str]) -> None:
    birth, country, program = field.get("birth_date"), field.get("country"), field.get("program")
    if birth:
        if not _ISO_DATE.match(birth):
            warnings.append(f"line {line}: birth_date {birth[:30]!r} is not YYYY[-MM[-DD]], ignored")
        elif all(b.date != birth for b in entity.birth_dates):
            entity.birth_dates.append(BirthDate(birth))
    if country and country not in entity.nationalities:
        entity.nationalities.append(country)
    if program and program not in entity.programs:
        entity.programs.append(program)
