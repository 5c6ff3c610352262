"""Which pairs of records are worth deciding on: those sharing a number, and those the
screening engine finds similar by name. Everything else is never compared."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import TypeVar

from service.engine.model import Entity
from service.engine.parallel import fork_map
from service.engine.screener import Query, Screener
from service.resolve.identifiers import Identifier, identifiers, same_document

Key = tuple[str, str]  # (list id, entity id)
J = TypeVar("J")  # what a judge of a pair makes of it

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
    screener: Screener,
    entities: list[Entity],
    progress: Callable[[int, int], None] | None = None,
    judge: Callable[[tuple[Key, Key], float], J] | None = None,
) -> dict[tuple[Key, Key], tuple[float, J | None]]:
    """Each record's name screened against every other list; per pair, the best score of both
    ways and ``judge(pair, score)`` of that score (None without a ``judge``).

    Batches of records are screened in forked processes (``fork_map``: one per CPU), each pair
    judged there too, so only the merge runs in this process; the pairs are merged in batch order
    (of two equal scores the first batch's stands: ``judge`` must depend on the pair and score
    alone). ``progress(done, total)`` hears how many records have been screened.
    """
    by_list: dict[str, list[Entity]] = defaultdict(list)
    for e in entities:
        by_list[e.list_id].append(e)
    jobs = [
        (list_id, start)
        for list_id, members in by_list.items()
        if any(x != list_id for x in screener.list_ids)
        for start in range(0, len(members), BATCH)
    ]

    def screen(job: tuple[str, int]) -> list[tuple[tuple[Key, Key], float, J | None]]:
        list_id, start = job
        batch = by_list[list_id][start : start + BATCH]
        others = [x for x in screener.list_ids if x != list_id]
        found = screener.best_scores(
            [Query(e.natural_name or e.name, e.schema) for e in batch],
            limit=CANDIDATES_PER_LIST * len(others),
            threshold=CANDIDATE_FLOOR,
            lists=others,
        )
        pairs = [
            (_ordered(key(e), (list_id_b, entity_id)), score)
            for e, matches in zip(batch, found, strict=True)
            for list_id_b, entity_id, score in matches
        ]
        return [(pair, score, judge(pair, score) if judge else None) for pair, score in pairs]

    sizes = [min(BATCH, len(by_list[list_id]) - start) for list_id, start in jobs]
    total = sum(sizes)

    def screened(done_jobs: int, _jobs: int) -> None:
        if progress:
            progress(sum(sizes[:done_jobs]), total)

    best: dict[tuple[Key, Key], tuple[float, J | None]] = {}
    for judged in fork_map(screen, jobs, progress=screened):
        for pair, score, verdict in judged:
            if pair not in best or score > best[pair][0]:
                best[pair] = (score, verdict)
    return best


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
