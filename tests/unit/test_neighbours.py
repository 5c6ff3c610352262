"""Neighbour search (engine/neighbours.py) finds exactly what a scan of the whole vocabulary finds.

The bounds it prunes with must never drop a pair the full scan keeps: compared here on tokens
hypothesis makes up, on the dev queries and negatives against the real OFAC 2021 + UN lists,
and on the screening results themselves.
"""

from __future__ import annotations

import csv
import random
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import eval_path, ofac_2021, un_2026
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.engine.neighbours import NeighbourSearch, build_neighbours, needed_table, pair_similarity
from service.engine.scoring import TokenMatcher
from service.engine.screener import Query, Screener

# Mostly letters, with the repeats, digits, odd characters and lengths past 64 the bounds must survive.
TOKENS = st.text(alphabet=st.sampled_from("aaaeeiioumnrslhdkbtyz0-é"), min_size=1, max_size=12) | st.text(
    alphabet="abn", min_size=60, max_size=90
)


def full_scan(
    queries: list[str],
    vocab: list[str],
    cutoff: float,
    score_cutoff: float,
    short: tuple[int, float] = (0, 0.0),
) -> set[tuple[int, int, float]]:
    """Every (query, vocabulary id, similarity) the scan keeps at ``cutoff`` (``short`` as in search)."""
    sim = process.cdist(
        queries, vocab, scorer=JaroWinkler.normalized_similarity, dtype=np.float32, score_cutoff=score_cutoff
    )
    out = set()
    for r, v in zip(*np.nonzero(sim), strict=True):
        need = short[1] if min(len(queries[r]), len(vocab[v])) <= short[0] else cutoff
        if sim[r, v] >= np.float32(need):
            out.add((int(r), int(v), float(sim[r, v])))
    return out


def searched(
    search: NeighbourSearch,
    queries: list[str],
    cutoff: float,
    score_cutoff: float,
    short: tuple[int, float] = (0, 0.0),
) -> set[tuple[int, int, float]]:
    r, v, s = search.search(queries, cutoff, score_cutoff, short)
    return {(int(a), int(b), float(c)) for a, b, c in zip(r, v, s, strict=True)}


@cache
def real_screener() -> Screener:
    return Screener.from_lists([ofac_2021(), un_2026()])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vocab=st.lists(TOKENS, min_size=1, max_size=60, unique=True),
    queries=st.lists(TOKENS, min_size=1, max_size=8),
    cutoff=st.sampled_from([0.7, 0.8, 0.9]),
)
def test_made_up_vocabularies_lose_no_pair(vocab: list[str], queries: list[str], cutoff: float) -> None:
    search = NeighbourSearch(vocab, build_neighbours(vocab))
    kept = searched(search, queries, cutoff, cutoff)
    assert full_scan(queries, vocab, cutoff, cutoff) <= kept
    assert all(s >= cutoff - 1e-6 for _, _, s in kept)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries=st.lists(TOKENS, min_size=1, max_size=6))
def test_made_up_tokens_against_the_real_vocabulary(queries: list[str]) -> None:
    index = real_screener().index
    vocab = list(index.vocab)
    search = NeighbourSearch(index.vocab, index.vocab_nb)
    short = (3, 0.92)
    expected = full_scan(queries, vocab, 0.8, 0.7, short)
    got = searched(search, queries, 0.8, 0.7, short)
    assert expected <= got
    assert {x for x in got if x[2] >= np.float32(0.8)} - expected <= {
        x for x in got if min(len(queries[x[0]]), len(vocab[x[1]])) <= 3
    }  # only short pairs under 0.92


def test_bounds_admit_the_closest_pairs() -> None:
    """The table's least common characters are what Jaro-Winkler needs, not more."""
    assert JaroWinkler.normalized_similarity("alex", "alexandrovich") > 0.8
    table = needed_table(4, 13, 0.8)
    assert table[4, 13] <= 4  # shares 4 first characters and all 4 of the query's: may reach 0.8
    assert JaroWinkler.normalized_similarity("a", "abc") == pytest.approx(0.8)
    assert needed_table(1, 3, 0.8)[1, 3] == 1
    assert needed_table(6, 6, 0.8)[0, 6] == 5  # no common first letter: J must reach 0.8 on its own


def test_a_vocabulary_round_trips_through_the_index_cache(tmp_path) -> None:
    from service.engine.index import build_index, load_index, save_index

    index = build_index([ofac_2021()])
    save_index(index, tmp_path / "i.npz")
    back = load_index(tmp_path / "i.npz")
    for name in ("vocab_nb", "skel_nb", "ckey_nb"):
        a, b = getattr(index, name), getattr(back, name)
        assert all(
            np.array_equal(getattr(a, f), getattr(b, f))
            for f in ("order", "signature", "length", "by_length", "bits")
        )


def test_pair_similarity_is_cdist_pair_by_pair() -> None:
    vocab = np.array(["kanaan", "canaan", "fawzi", "faouzi", "x"], dtype=object)
    queries = ["kanan", "fauzi"]
    rows, ids = np.array([0, 0, 1, 1, 1]), np.array([0, 1, 2, 3, 4])
    got = pair_similarity(queries, rows, vocab, ids, 0.7)
    full = process.cdist(
        queries, list(vocab), scorer=JaroWinkler.normalized_similarity, dtype=np.float32, score_cutoff=0.7
    )
    assert got.tolist() == [float(full[r, i]) for r, i in zip(rows, ids, strict=True)]


def dev_names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    aliases = list(csv.DictReader(open(eval_path("alias_holdout_dev.csv"), encoding="utf-8")))
    negatives = list(csv.DictReader(open(eval_path("negatives_dev.csv"), encoding="utf-8")))
    return [r["query"] for r in rng.sample(aliases, n) + rng.sample(negatives, n)]


def test_dev_queries_and_negatives_get_the_full_scans_token_matches() -> None:
    screener = real_screener()
    names = dev_names(500, 3) + ["محمد علي", "صدام حسين التكريتي", "Андрей Иванович", "O'Neil-Smith Jr."]
    rows = screener._rows([Query(n) for n in names])[0]
    tokens = list(dict.fromkeys(t for row in rows for t in row))
    slow = TokenMatcher(screener.index, screener.params, full_scan=True).match(tokens)
    one_batch = TokenMatcher(screener.index, screener.params).match(tokens)
    matcher = TokenMatcher(screener.index, screener.params)  # a few tokens a call, as single queries
    few = {}
    for start in range(0, len(tokens), 5):
        few.update(matcher.match(tokens[start : start + 5]))
    assert any(t.startswith("~") for t in tokens)  # Arabic consonant keys are compared too
    for fast in (one_batch, few):
        for t in tokens:
            assert fast[t].vocab.tolist() == slow[t].vocab.tolist(), t
            assert fast[t].sim.tolist() == slow[t].sim.tolist(), t
            assert np.array_equal(fast[t].var, slow[t].var), t


def test_screening_results_are_identical() -> None:
    lists = [ofac_2021(), un_2026()]
    index = real_screener().index
    names = dev_names(300, 5)
    fast = Screener(lists, index).screen([Query(n) for n in names], limit=10, threshold=0.0)
    slow = Screener(lists, index, full_scan=True).screen([Query(n) for n in names], limit=10, threshold=0.0)
    assert [[(m.list, m.entity_id, m.score, m.explanation) for m in r.matches] for r in fast] == [
        [(m.list, m.entity_id, m.score, m.explanation) for m in r.matches] for r in slow
    ]
