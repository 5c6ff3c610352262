"""Links -> clusters: one party and all its listings.

Links are merged strongest first. A merge is refused when it would put two records of one list
into a cluster (a list that keeps two records apart means two parties), or persons whose birth
dates conflict: chains of name links must not build a cluster no single link would have made.
The one exception is a relisting: a list that names one party under two programmes in two records
(Canada lists EL AISSAMI MADDAH, Tareck Zaidan under the Venezuela regulations and again under
JVCFOR), the same names and no conflicting birth date; those records are joined first.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from itertools import combinations

from service.engine.model import Entity
from service.engine.normalize import fold, tokenize
from service.resolve.agreement import Agreement, birth_agreement
from service.resolve.candidates import Key
from service.resolve.rules import LINK_POINTS


@dataclass(slots=True)
class Link:
    a: Key
    b: Key
    points: float
    evidence: list[str]
    by_identifier: bool

    def to_dict(self) -> dict:
        return {
            "a": {"list": self.a[0], "entity_id": self.a[1]},
            "b": {"list": self.b[0], "entity_id": self.b[1]},
            "points": self.points,
            "by_identifier": self.by_identifier,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class Cluster:
    id: str
    members: list[Key]
    links: list[Link] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "members": [{"list": m[0], "entity_id": m[1]} for m in self.members],
            "links": [link.to_dict() for link in self.links],
        }


def cluster_id(members: list[Key]) -> str:
    """Stable while the membership is: the same records give the same id on every load."""
    digest = hashlib.sha256("\n".join(f"{a}:{b}" for a, b in sorted(members)).encode()).hexdigest()
    return "C" + digest[:12]


RELISTED = "the same names under another programme of the same list"


def _names(e: Entity) -> frozenset[str]:
    return frozenset(" ".join(sorted(tokenize(fold(n.name)))) for n in e.names())


def relisted(a: Entity, b: Entity) -> bool:
    """Two records of one list naming one party under different programmes: the same names (in
    any order), both with programmes and none shared (one programme, two records: two parties)."""
    return (
        a.list_id == b.list_id
        and a.schema == b.schema
        and bool(a.programs and b.programs)
        and not set(a.programs) & set(b.programs)
        and _names(a) == _names(b)
    )


def relistings(entities: dict[Key, Entity]) -> list[Link]:
    """The links between relisted records (``relisted``), which the merge takes first."""
    groups: dict[tuple, list[Key]] = {}
    for k, e in entities.items():
        if e.programs:
            groups.setdefault((e.list_id, e.schema, _names(e)), []).append(k)
    return [
        Link(a, b, LINK_POINTS, [RELISTED], False)
        for keys in groups.values()
        for a, b in combinations(sorted(keys), 2)
        if relisted(entities[a], entities[b])
    ]


def build_clusters(
    links: list[Link], entities: dict[Key, Entity], relisted: list[Link] | None = None
) -> tuple[list[Cluster], int]:
    """Clusters of two or more records, and how many links were refused by the merge rules.

    Relistings (``relistings``, or ``relisted`` when the caller found them) are joined before any
    link between lists."""
    parent: dict[Key, Key] = {}
    members: dict[Key, list[Key]] = {}
    accepted: dict[Key, list[Link]] = {}

    def root(k: Key) -> Key:
        parent.setdefault(k, k)
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    refused = 0
    queue = (relistings(entities) if relisted is None else relisted) + sorted(
        links, key=lambda x: (-x.points, x.a, x.b)
    )
    for link in queue:
        ra, rb = root(link.a), root(link.b)
        if ra == rb:
            accepted.setdefault(ra, []).append(link)
            continue
        ma, mb = members.get(ra, [ra]), members.get(rb, [rb])
        if not _compatible(ma, mb, entities):
            refused += 1
            continue
        parent[rb] = ra
        members[ra] = ma + mb
        members.pop(rb, None)
        accepted[ra] = accepted.get(ra, []) + accepted.pop(rb, []) + [link]
    clusters = []
    for r, keys in members.items():
        ordered = sorted(keys)
        clusters.append(Cluster(cluster_id(ordered), ordered, accepted.get(r, [])))
    clusters.sort(key=lambda c: c.members)
    return clusters, refused


def _compatible(ma: list[Key], mb: list[Key], entities: dict[Key, Entity]) -> bool:
    for x in ma:
        for y in mb:
            ex, ey = entities[x], entities[y]
            if x[0] == y[0] and not relisted(ex, ey):
                return False
            if ex.schema == "Person" and birth_agreement(ex, ey) is Agreement.CONFLICT:
                return False
    return True
