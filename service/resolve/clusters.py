"""Links -> clusters: one party and all its listings.

Links are merged strongest first. A merge is refused when it would put two records of one list
into a cluster (a list that keeps two records apart means two parties), or persons whose birth
dates conflict: chains of name links must not build a cluster no single link would have made.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from service.engine.model import Entity
from service.resolve.agreement import Agreement, birth_agreement
from service.resolve.candidates import Key


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


def build_clusters(links: list[Link], entities: dict[Key, Entity]) -> tuple[list[Cluster], int]:
    """Clusters of two or more records, and how many links were refused by the merge rules."""
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
    for link in sorted(links, key=lambda x: (-x.points, x.a, x.b)):
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
    if {k[0] for k in ma} & {k[0] for k in mb}:
        return False
    return not any(
        birth_agreement(entities[x], entities[y]) is Agreement.CONFLICT
        for x in ma
        for y in mb
        if entities[x].schema == "Person"
    )
