"""Entity resolution: records of the same party on different lists, linked into clusters.

``resolve(lists, screener)`` finds candidate pairs (shared identifier numbers, and names the
screening engine finds similar), decides each pair with the rules in ``rules.py``, and merges
the links into clusters (``clusters.py``). The result answers "where else is this party listed?"
for screening results, entity records and ``orinoco resolve``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from service.engine.model import Entity, LoadedList
from service.engine.parallel import fork_call
from service.engine.screener import Screener
from service.resolve.candidates import Key, key, name_candidates, name_score, shared_identifiers
from service.resolve.clusters import Cluster, Link, build_clusters, relistings
from service.resolve.rules import Decision, decide

__all__ = ["Cluster", "Link", "Resolution", "resolve"]


@dataclass(slots=True)
class Resolution:
    clusters: list[Cluster]
    candidates: int = 0  # pairs decided
    refused: int = 0  # links the merge rules refused
    _by_member: dict[Key, Cluster] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_member = {m: c for c in self.clusters for m in c.members}

    def cluster_of(self, list_id: str, entity_id: str) -> Cluster | None:
        return self._by_member.get((list_id, entity_id))

    def cluster_id(self, list_id: str, entity_id: str) -> str | None:
        cluster = self.cluster_of(list_id, entity_id)
        return cluster.id if cluster else None

    def cluster_dict(self, list_id: str, entity_id: str) -> dict | None:
        cluster = self.cluster_of(list_id, entity_id)
        return cluster.to_dict() if cluster else None

    def also_listed_on(self, list_id: str, entity_id: str) -> list[dict]:
        """The other records of the same party: ``[{"list": ..., "entity_id": ...}]``."""
        cluster = self.cluster_of(list_id, entity_id)
        if cluster is None:
            return []
        return [{"list": m[0], "entity_id": m[1]} for m in cluster.members if m != (list_id, entity_id)]


def resolve(
    lists: list[LoadedList],
    screener: Screener,
    use_identifiers: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Resolution:
    """Cluster the records of ``lists`` (screened by ``screener``, built over the same lists).

    ``use_identifiers=False`` resolves on names, birth dates and countries alone: how the
    identifier links are recovered without the numbers measures the name rules' recall.
    """
    entities: dict[Key, Entity] = {key(e): e for lst in lists for e in lst.entities}
    if len({lst.version.id for lst in lists}) < 2:
        return Resolution([])
    numbers = shared_identifiers(entities.values()) if use_identifiers else {}

    def linked(pair: tuple[Key, Key], score: float) -> Decision | None:
        decision = decide(entities[pair[0]], entities[pair[1]], score, numbers.get(pair, []))
        return decision if decision.linked else None

    # The relisted records of each list (names normalized: a third of a second) are found by a
    # forked process meanwhile...
    relisted = fork_call(lambda: relistings(entities))
    # ...and each pair the names found is decided where it was screened (forked processes)...
    names = name_candidates(screener, list(entities.values()), progress, judge=linked)
    decided = {pair: verdict for pair, (_, verdict) in names.items()}
    for pair in numbers.keys() - names.keys():  # ...the few found by a number alone, here
        decided[pair] = linked(pair, name_score(screener, entities[pair[0]], entities[pair[1]]))
    links = [Link(pair[0], pair[1], d.points, d.evidence, bool(d.shared)) for pair, d in decided.items() if d]
    clusters, refused = build_clusters(links, entities, relisted.result())
    return Resolution(clusters, candidates=len(decided), refused=refused)
