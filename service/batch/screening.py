"""Prepared queries -> alert rows: the one function both engines run, so their output is identical."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa

from service.screener import Query, Screener

SCREEN_BATCH = 2_000  # queries per screen() call: one token cdist per batch, bounded memory
ALERT_COLUMNS = ["input_id", "input_name", "list", "entity_id", "name", "matched_name", "score",
                 "weak_alias", "explanation"]
ALERT_SCHEMA = pa.schema([*((c, pa.string()) for c in ALERT_COLUMNS[:6]), ("score", pa.float64()),
                          ("weak_alias", pa.bool_()), ("explanation", pa.string())])


def empty_alerts() -> pd.DataFrame:
    return ALERT_SCHEMA.empty_table().to_pandas()


def screen_queries(screener: Screener, queries: pd.DataFrame, limit: int,
                   threshold: float | None) -> pd.DataFrame:
    """One row per match, in query order and, per query, by score (the screener's order)."""
    records = []
    for start in range(0, len(queries), SCREEN_BATCH):
        part = queries.iloc[start:start + SCREEN_BATCH]
        batch = [Query(name, schema, birth or None, country or None) for name, schema, birth, country in
                 zip(part["input_name"], part["schema"], part["birth_date"], part["country"], strict=True)]
        results = screener.screen(batch, limit=limit, threshold=threshold)
        for input_id, input_name, result in zip(part["input_id"], part["input_name"], results, strict=True):
            records.extend(
                (input_id, input_name, m.list, m.entity_id, m.name, m.matched_name, m.score, m.weak_alias,
                 json.dumps(m.explanation, separators=(",", ":"), ensure_ascii=False))
                for m in result.matches)
    if not records:
        return empty_alerts()
    return pa.Table.from_pylist([dict(zip(ALERT_COLUMNS, r, strict=True)) for r in records],
                                schema=ALERT_SCHEMA).to_pandas()


class LocalEngine:
    """Screens the chunks one after another in this process."""

    def __init__(self, screener: Screener, limit: int, threshold: float | None):
        self.screener, self.limit, self.threshold = screener, limit, threshold

    def screen_chunks(self, chunks: Iterable[tuple[int, pd.DataFrame]]) -> Iterator[tuple[int, pd.DataFrame]]:
        for k, queries in chunks:
            yield k, screen_queries(self.screener, queries, self.limit, self.threshold)
