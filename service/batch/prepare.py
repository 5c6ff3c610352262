"""Customer rows -> the names to screen, and the rows that cannot be screened with the reason.

A row is screened once per non-empty name column; a row whose name columns are all empty, or a
name that no screening could be trusted on (too long, no letters), is rejected, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from service.batch.io import LINE, PROBLEM
from service.engine.identifiers import parse_identifiers
from service.engine.normalize import name_problem
from service.engine.screener import ANY, QUERY_SCHEMAS

QUERY_COLUMNS = [
    "row",
    "name_column",
    "input_id",
    "input_name",
    "schema",
    "birth_date",
    "country",
    "identifiers",
]
REJECT_COLUMNS = ["row", "line", "input_id", "column", "input_name", "reason"]


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


MAX_REJECT_CHARS = 1000  # of a rejected name kept in the rejects file


def cut(name: str) -> str:
    """A rejected name as the rejects file keeps it: at most MAX_REJECT_CHARS, its length noted.

    >>> cut("x" * 5000)[-29:]
    'xxx... [cut: 5000 characters]'
    """
    if len(name) <= MAX_REJECT_CHARS:
        return name
    return f"{name[:MAX_REJECT_CHARS]}... [cut: {len(name)} characters]"


def prepare(chunk: pd.DataFrame, first_row: int, columns: Columns) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(queries, rejects) for one chunk; ``row`` is the 1-based data row number in the whole file,
    ``line`` the row's first line in a CSV file ("" for other formats). A row that could not be
    read (``io.PROBLEM``) is rejected whole, with that reason."""
    queries, rejects = [], []
    n = len(chunk)
    ids = chunk[columns.id].tolist() if columns.id else [str(first_row + i) for i in range(n)]
    lines, unreadable = _optional(chunk, LINE, n), _optional(chunk, PROBLEM, n)
    schemas = _optional(chunk, columns.schema, n)
    births = _optional(chunk, columns.birth_date, n)
    countries = _optional(chunk, columns.country, n)
    idents = _optional(chunk, columns.identifiers, n)
    names = [chunk[c].tolist() for c in columns.names]
    for i in range(n):
        row, input_id, line = first_row + i, ids[i], lines[i]
        if unreadable[i]:
            rejects.append((row, line, input_id, "", "", f"unreadable row: {unreadable[i]}"))
            continue
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
            problem = problem and f"name {problem}"
            if problem is None and schema not in QUERY_SCHEMAS:
                problem = f"unknown schema (expected one of {', '.join(QUERY_SCHEMAS[:-1])})"
            problem = problem or bad_identifiers
            if problem is None:
                queries.append(
                    (
                        row,
                        col,
                        input_id,
                        name,
                        schema,
                        births[i].strip(),
                        countries[i].strip(),
                        idents[i].strip(),
                    )
                )
                screened += 1
            elif name:
                rejects.append((row, line, input_id, columns.names[col], cut(name), problem))
        if not screened and not any(v[i].strip() for v in names):
            rejects.append((row, line, input_id, ",".join(columns.names), "", f"name {name_problem('')}"))
    return pd.DataFrame(queries, columns=QUERY_COLUMNS), pd.DataFrame(rejects, columns=REJECT_COLUMNS)


def _optional(chunk: pd.DataFrame, column: str | None, n: int) -> list[str]:
    return chunk[column].tolist() if column and column in chunk else [""] * n
