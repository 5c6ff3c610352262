"""Customer rows -> the names to screen, and the rows that cannot be screened with the reason.

A row is screened once per non-empty name column; a row whose name columns are all empty, or a
name that no screening could be trusted on (too long, no letters), is rejected, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from service.engine.identifiers import parse_identifiers
from service.engine.normalize import MAX_NAME_CHARS
from service.engine.screener import ANY, QUERY_SCHEMAS

QUERY_COLUMNS = ["row", "name_column", "input_id", "input_name", "schema", "birth_date", "country",
                 "identifiers"]
REJECT_COLUMNS = ["row", "input_id", "column", "input_name", "reason"]


@dataclass(frozen=True, slots=True)
class Columns:
    """Which input columns hold what; only ``names`` is required."""

    names: tuple[str, ...]
    id: str | None = None
    schema: str | None = None
    birth_date: str | None = None
    country: str | None = None
    identifiers: str | None = None  # "passport:C1668015:VE; imo:9187629"

    def wanted(self) -> list[str]:
        optional = (self.id, self.schema, self.birth_date, self.country, self.identifiers)
        return list(dict.fromkeys([*self.names, *(c for c in optional if c)]))


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be screened, or None."""
    if not name:
        return "empty name"
    if len(name) > MAX_NAME_CHARS:
        return f"name longer than {MAX_NAME_CHARS} characters"
    if not any(ch.isalpha() for ch in name):
        return "name has no letters"
    return None


def prepare(chunk: pd.DataFrame, first_row: int, columns: Columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(queries, rejects) for one chunk; ``row`` is the 1-based data row number in the whole file."""
    queries, rejects = [], []
    n = len(chunk)
    ids = chunk[columns.id].tolist() if columns.id else [str(first_row + i) for i in range(n)]
    schemas = _optional(chunk, columns.schema, n)
    births = _optional(chunk, columns.birth_date, n)
    countries = _optional(chunk, columns.country, n)
    idents = _optional(chunk, columns.identifiers, n)
    names = [chunk[c].tolist() for c in columns.names]
    for i in range(n):
        row, input_id = first_row + i, ids[i]
        schema = schemas[i].strip() or ANY
        screened = 0
        try:
            parse_identifiers(idents[i])
            bad_identifiers = None
        except ValueError as exc:
            bad_identifiers = str(exc)
        for col, values in enumerate(names):
            name = values[i].strip()
            problem = name_problem(name)
            if problem is None and schema not in QUERY_SCHEMAS:
                problem = f"unknown schema (expected one of {', '.join(QUERY_SCHEMAS[:-1])})"
            problem = problem or bad_identifiers
            if problem is None:
                queries.append((row, col, input_id, name, schema, births[i].strip(), countries[i].strip(),
                                idents[i].strip()))
                screened += 1
            elif name:
                rejects.append((row, input_id, columns.names[col], name, problem))
        if not screened and not any(v[i].strip() for v in names):
            rejects.append((row, input_id, ",".join(columns.names), "", "empty name"))
    return pd.DataFrame(queries, columns=QUERY_COLUMNS), pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def _optional(chunk: pd.DataFrame, column: str | None, n: int) -> list[str]:
    return chunk[column].tolist() if column else [""] * n
