"""Prepared queries -> alert rows: the one function both engines run, so their output is identical."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

import pandas as pd
import pyarrow as pa

from service.engine.identifiers import parse_identifiers
from service.engine.screener import Query, Screener

SCREEN_BATCH = 2_000  # queries per screen() call: one token cdist per batch, bounded memory
ALERT_COLUMNS = [
    "input_id",
    "input_name",
    "list",
    "entity_id",
    "name",
    "matched_name",
    "score",
    "weak_alias",
    "explanation",
    "cluster_id",
    "also_listed_on",
]
# also_listed_on: the same party's records on the other loaded lists, "list:entity_id; ..."
ALERT_SCHEMA = pa.schema(
    [
        *((c, pa.string()) for c in ALERT_COLUMNS[:6]),
        ("score", pa.float64()),
        ("weak_alias", pa.bool_()),
        ("explanation", pa.string()),
        ("cluster_id", pa.string()),
        ("also_listed_on", pa.string()),
    ]
)


def _listed(records: list[dict]) -> str:
    return "; ".join(f"{r['list']}:{r['entity_id']}" for r in records)


def empty_alerts() -> pd.DataFrame:
    """The alerts of a chunk without any: the meta of the Dask partitions."""
    return ALERT_SCHEMA.empty_table().to_pandas()


def screen_queries(
    screener: Screener, queries: pd.DataFrame, limit: int, threshold: float | None
) -> pd.DataFrame:
    """One row per match, in query order and, per query, by score (the screener's order).

    A query that repeats within the chunk (same name, schema, birth date, country: customer files
    repeat common names) is screened once; each row still gets its own alert rows.
    """
    keys = list(
        zip(
            queries["input_name"],
            queries["schema"],
            queries["birth_date"],
            queries["country"],
            queries["identifiers"],
            strict=True,
        )
    )
    unique = list(dict.fromkeys(keys))
    alerts: dict[tuple, list[tuple]] = {}
    for start in range(0, len(unique), SCREEN_BATCH):
        batch = unique[start : start + SCREEN_BATCH]
        results = screener.screen(
            [
                Query(name, schema, birth or None, country or None, identifiers=parse_identifiers(idents))
                for name, schema, birth, country, idents in batch
            ],
            limit=limit,
            threshold=threshold,
        )
        for key, result in zip(batch, results, strict=True):
            alerts[key] = [
                (
                    m.list,
                    m.entity_id,
                    m.name,
                    m.matched_name,
                    m.score,
                    m.weak_alias,
                    json.dumps(m.explanation, separators=(",", ":"), ensure_ascii=False),
                    m.cluster_id,
                    _listed(m.also_listed_on),
                )
                for m in result.matches
            ]
    records = [
        dict(zip(ALERT_COLUMNS, (input_id, key[0], *match), strict=True))
        for input_id, key in zip(queries["input_id"], keys, strict=True)
        for match in alerts[key]
    ]
    return pa.Table.from_pylist(records, schema=ALERT_SCHEMA).to_pandas()


class LocalEngine:
    """Screens the chunks one after another in this process."""

    def __init__(self, screener: Screener, limit: int, threshold: float | None):
        self.screener, self.limit, self.threshold = screener, limit, threshold

    def screen_chunks(self, chunks: Iterable[tuple[int, pd.DataFrame]]) -> Iterator[tuple[int, pd.DataFrame]]:
        for k, queries in chunks:
            yield k, screen_queries(self.screener, queries, self.limit, self.threshold)
