"""What resolution found, as rows for ``orinoco resolve -o clusters.csv`` and as counts per list pair."""

from __future__ import annotations

from collections import Counter
from itertools import permutations

from service.engine.model import Entity
from service.resolve import Resolution
from service.resolve.candidates import Key

CSV_COLUMNS = [
    "cluster_id",
    "cluster_size",
    "list",
    "entity_id",
    "schema",
    "name",
    "birth_dates",
    "countries",
    "links",
]


def cluster_rows(resolution: Resolution, entities: dict[Key, Entity]) -> list[dict[str, str | int]]:
    """One row per member of every cluster; ``links`` names the members it was linked to and why."""
    rows: list[dict[str, str | int]] = []
    for cluster in resolution.clusters:
        for member in cluster.members:
            e = entities[member]
            links = []
            for link in cluster.links:
                if member in (link.a, link.b):
                    other = link.b if member == link.a else link.a
                    links.append(f"{other[0]}:{other[1]} ({link.points:.2f}: {', '.join(link.evidence)})")
            rows.append(
                {
                    "cluster_id": cluster.id,
                    "cluster_size": len(cluster.members),
                    "list": member[0],
                    "entity_id": member[1],
                    "schema": e.schema,
                    "name": e.name,
                    "birth_dates": "; ".join(b.date for b in e.birth_dates),
                    "countries": "; ".join(sorted(set(e.nationalities + e.citizenships))),
                    "links": " | ".join(links),
                }
            )
    return rows


def linked_counts(resolution: Resolution) -> Counter[tuple[str, str]]:
    """``counts[(a, b)]``: how many records of list ``a`` are in one cluster with a record of ``b``."""
    counts: Counter[tuple[str, str]] = Counter()
    for cluster in resolution.clusters:
        lists = sorted({m[0] for m in cluster.members})
        for a, b in permutations(lists, 2):
            counts[(a, b)] += sum(1 for m in cluster.members if m[0] == a)
    return counts
