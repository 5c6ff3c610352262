"""The Python API of the matching engine: ``Screener.from_lists(...)``, ``screen``, ``compare``.

No Flask here: the HTTP layer, the CLI and the batch tool all call this.
PLACEHOLDER BODY: a brute-force rapidfuzz scorer with the final interface, replaced by the
vectorized engine (index.py / scoring.py) in the next commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from service.model import SCHEMAS, Entity, ListVersion, LoadedList

ANY = "Any"
DEFAULT_THRESHOLD = 0.85


@dataclass(slots=True)
class Query:
    name: str
    schema: str = ANY
    birth_date: str | None = None
    country: str | None = None
    id: str | None = None


@dataclass(slots=True)
class Match:
    list_id: str
    entity_id: str
    schema: str
    name: str
    matched_name: str
    weak_alias: bool
    score: float
    programs: list[str]
    birth_dates: list[str]
    nationalities: list[str]
    explanation: dict = field(default_factory=dict)


@dataclass(slots=True)
class Result:
    query: Query
    matches: list[Match]


@dataclass(slots=True)
class Comparison:
    score: float
    explanation: dict


class Screener:
    """Screens names against the loaded lists."""

    def __init__(self, lists: list[LoadedList], default_threshold: float = DEFAULT_THRESHOLD):
        self.versions: list[ListVersion] = [lst.version for lst in lists]
        self.default_threshold = default_threshold
        self._entities: dict[tuple[str, str], Entity] = {
            (e.list_id, e.id): e for lst in lists for e in lst.entities}
        self._rows = [(e, n) for lst in lists for e in lst.entities for n in e.names()]
        self._choices = [(n.natural or n.name).lower() for _, n in self._rows]

    @classmethod
    def from_lists(cls, lists: list[LoadedList], **kwargs) -> Screener:
        return cls(lists, **kwargs)

    @property
    def list_ids(self) -> list[str]:
        return [v.id for v in self.versions]

    def entity(self, list_id: str, entity_id: str) -> Entity | None:
        return self._entities.get((list_id, entity_id))

    def screen(self, queries: list[Query], limit: int = 10, threshold: float | None = None,
               lists: list[str] | None = None) -> list[Result]:
        thr = self.default_threshold if threshold is None else threshold
        out = []
        for q in queries:
            best: dict[tuple[str, str], Match] = {}
            for _, score, i in process.extract(q.name.lower(), self._choices, scorer=fuzz.WRatio,
                                               limit=limit * 5):
                e, n = self._rows[i]
                s = score / 100
                if s < thr or (lists and e.list_id not in lists):
                    continue
                if q.schema in SCHEMAS and e.schema != q.schema:
                    continue
                key = (e.list_id, e.id)
                if key not in best or best[key].score < s:
                    best[key] = Match(e.list_id, e.id, e.schema, e.name, n.name, n.weak, s,
                                      e.programs, [b.date for b in e.birth_dates], e.nationalities,
                                      {"scorer": "WRatio"})
            out.append(Result(q, sorted(best.values(), key=lambda m: -m.score)[:limit]))
        return out

    def compare(self, a: Query, b: Query) -> Comparison:
        return Comparison(fuzz.WRatio(a.name.lower(), b.name.lower()) / 100, {"scorer": "WRatio"})
