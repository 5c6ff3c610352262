"""The resolver's faster candidate generation (pairs decided in the forked processes that screen
them, jobs taken as processes become free) gives exactly the clusters of the plain algorithm:
every list's records screened against the other lists in this process, the best score of both ways per
pair, each pair decided, the links merged. Compared on three real lists, forked and not."""

from __future__ import annotations

import pytest
from lists_support import reference_path

from service.engine import parallel
from service.engine.screener import Query, Screener
from service.lists import load_source
from service.resolve import Resolution, resolve
from service.resolve.candidates import (
    CANDIDATE_FLOOR,
    CANDIDATES_PER_LIST,
    key,
    name_score,
    shared_identifiers,
)
from service.resolve.clusters import Link, build_clusters
from service.resolve.rules import decide


def plain_resolution(lists, screener: Screener) -> Resolution:
    """The resolution written as plainly as possible: each list's records screened in one batch, in
    this process."""
    entities = {key(e): e for lst in lists for e in lst.entities}
    scores: dict = {}
    for list_id in screener.list_ids:
        records = [e for e in entities.values() if e.list_id == list_id]
        others = [x for x in screener.list_ids if x != list_id]
        found = screener.best_scores(
            [Query(e.natural_name or e.name, e.schema) for e in records],
            limit=CANDIDATES_PER_LIST * len(others),
            threshold=CANDIDATE_FLOOR,
            lists=others,
        )
        for e, matches in zip(records, found, strict=True):
            for other, entity_id, score in matches:
                pair = tuple(sorted((key(e), (other, entity_id))))
                scores[pair] = max(scores.get(pair, 0.0), score)
    numbers = shared_identifiers(entities.values())
    links = []
    for pair in scores.keys() | numbers.keys():
        a, b = entities[pair[0]], entities[pair[1]]
        decision = decide(
            a, b, scores[pair] if pair in scores else name_score(screener, a, b), numbers.get(pair, [])
        )
        if decision.linked:
            links.append(Link(pair[0], pair[1], decision.points, decision.evidence, bool(decision.shared)))
    clusters, refused = build_clusters(links, entities)
    return Resolution(clusters, candidates=len(scores.keys() | numbers.keys()), refused=refused)


@pytest.fixture(scope="module")
def lists_and_screener(tmp_path_factory):
    lists = [
        load_source("un", reference_path("un_sc_2026-02/consolidated.xml")),
        load_source("au", reference_path("au_dfat_2024-11/regulation8_consolidated.xlsx")),
        load_source("ca", reference_path("ca_sema_2020-04/sema-lmes.xml")),
    ]
    return lists, Screener.from_lists(lists, tmp_path_factory.mktemp("index"))


@pytest.fixture(scope="module")
def plain(lists_and_screener) -> Resolution:
    return plain_resolution(*lists_and_screener)


def as_dicts(resolution: Resolution) -> tuple[list[dict], int, int]:
    return [c.to_dict() for c in resolution.clusters], resolution.candidates, resolution.refused


@pytest.mark.parametrize("processes", [1, 2])
def test_clusters_are_those_of_the_plain_algorithm(lists_and_screener, plain, monkeypatch, processes):
    monkeypatch.setattr(parallel, "processes", lambda: processes)
    resolution = resolve(*lists_and_screener)
    assert len(plain.clusters) > 300  # Australia lists most UN parties
    assert any(link.by_identifier for c in plain.clusters for link in c.links)
    assert as_dicts(resolution) == as_dicts(plain)
