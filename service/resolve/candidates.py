"""Which pairs of records are worth deciding on: those sharing a number, and those the
screening engine finds similar by name. Everything else is never compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from service.engine.model import Entity
from service.engine.screener import Query, Screener
from service.resolve.identifiers import Identifier, identifiers, same_document

Key = tuple[str, str]  # (list id, entity id)

# A name pair scoring under this is not looked at: no rule links below it (see rules.py).
CANDIDATE_FLOOR = 0.6
CANDIDATES_PER_LIST = 3  # best matches kept per record and other list
# A "number" on more records than this is a placeholder or a shared registry code, not an identity.
MAX_SHARING = 4
BATCH = 512


def key(entity: Entity) -> Key:
    return entity.list_id, entity.id


def shared_identifiers(entities: Iterable[Entity]) -> dict[tuple[Key, Key], list[Identifier]]:
    """Pairs of records of different lists holding the same document number."""
    holders: dict[str, list[tuple[Entity, Identifier]]] = defaultdict(list)
    for e in entities:
        for ident in identifiers(e):
            holders[ident.key].append((e, ident))
    pairs: dict[tuple[Key, Key], list[Identifier]] = defaultdict(list)
    for held in holders.values():
        if len(held) < 2 or len(held) > MAX_SHARING:
            continue
        for i, (a, ia) in enumerate(held):
            for b, ib in held[i + 1 :]:
                if a.list_id != b.list_id and same_document(ia, ib):
                    pairs[_ordered(key(a), key(b))].append(ia)
    return dict(pairs)


def name_candidates(
    screener: Screener, entities: list[Entity], progress: Callable[[int, int], None] | None = None
) -> dict[tuple[Key, Key], float]:
    """Each record's name screened against every other list; the best score per pair, both ways.

    ``progress(done, total)`` hears after each batch how many records have been screened.
    """
    scores: dict[tuple[Key, Key], float] = {}
    done = 0
    by_list: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_list[e.list_id].append(e)
    for list_id, members in by_list.items():
        others = [x for x in screener.list_ids if x != list_id]
        if not others:
            continue
        for start in range(0, len(members), BATCH):
            batch = members[start : start + BATCH]
            queries = [Query(e.natural_name or e.name, e.schema) for e in batch]
            found = screener.best_scores(
                queries, limit=CANDIDATES_PER_LIST * len(others), threshold=CANDIDATE_FLOOR, lists=others
            )
            for e, matches in zip(batch, found, strict=True):
                for list_id, entity_id, score in matches:
                    pair = _ordered(key(e), (list_id, entity_id))
                    scores[pair] = max(scores.get(pair, 0.0), score)
            done += len(batch)
            if progress:
                progress(done, len(entities))
    return scores


def name_score(screener: Screener, a: Entity, b: Entity) -> float:
    """The name similarity of one pair found by a number and not by name: each record's name
    compared with every name of the other, the best of both ways."""
    score = 0.0
    for x, y in ((a, b), (b, a)):
        query = Query(x.natural_name or x.name, x.schema)
        for n in y.names():
            score = max(score, screener.compare(query, Query(n.natural or n.name, y.schema)).score)
    return score


def _ordered(a: Key, b: Key) -> tuple[Key, Key]:
    return (a, b) if a <= b else (b, a)
