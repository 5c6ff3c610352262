"""The engine on the real shared OFAC 2021 + UN lists: the article's names, retrieval, compare."""

from __future__ import annotations

import csv
import random
from dataclasses import replace

import numpy as np
import pytest
from lists_support import eval_path, ofac_2021, un_2026
from rapidfuzz.distance import JaroWinkler

from service.engine.model import LoadedList
from service.engine.normalize import skeleton
from service.engine.screener import RAW_FLOOR, Query, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([ofac_2021(), un_2026()])


# Issue 14: at the default threshold set for a 1% alert budget on the six real lists, a surname
# alone and a listed person's first surname + given name score under it (0.87 and 0.91 at 0.92).
_UNDER_DEFAULT = pytest.mark.xfail(
    strict=True, reason="issue 14: ranks first, scores under the default threshold"
)


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("Tareck El-Aissami", "20250"),
        pytest.param("Al-Aissami", "20250", marks=_UNDER_DEFAULT),
        ("Tareck El Aissami", "20250"),
        ("Faouzi Kanaan", "10892"),
        ("Fawzi Canaan", "10892"),
        ("Ghazi Nasreddin", "10891"),
        ("Hezbollah", "4697"),
        pytest.param("Nicolas Maduro", "22790", marks=_UNDER_DEFAULT),
        ("Petroleos de Venezuela SA", "26367"),
        ("PDVSA", "26367"),
        ("Ali Khamenei", "26945"),
        ("FARC", "4711"),
        ("ELN", "4706"),
    ],
)
def test_article_names_rank_their_ofac_entity_first(screener: Screener, name: str, entity: str) -> None:
    matches = screener.screen([Query(name)])[0].matches
    assert matches, f"{name}: no match above the default threshold"
    assert (matches[0].list, matches[0].entity_id) == ("ofac_sdn", entity)


@pytest.mark.parametrize(("name", "entity"), [("Al-Aissami", "20250"), ("Nicolas Maduro", "22790")])
def test_article_names_under_the_default_still_rank_first(screener: Screener, name: str, entity: str) -> None:
    matches = screener.screen([Query(name)], threshold=0.0)[0].matches
    assert (matches[0].list, matches[0].entity_id) == ("ofac_sdn", entity) and matches[0].score > 0.85


@pytest.mark.parametrize("name", ["Hassan Rouhani", "Hugo Chavez", "Mahmoud Ahmadinejad"])
def test_unlisted_people_do_not_alert(screener: Screener, name: str) -> None:
    assert screener.screen([Query(name)])[0].matches == []


def test_original_script_alias_matches(screener: Screener) -> None:
    un = next(e for e in un_2026().entities if any(a.kind == "original_script" for a in e.aliases))
    script = next(a.name for a in un.aliases if a.kind == "original_script")
    top = screener.screen([Query(script)], limit=1)[0].matches[0]
    assert (top.list, top.entity_id) == ("un_sc", un.id)


def test_retrieval_finds_every_name_exhaustive_scoring_would_score(screener: Screener) -> None:
    """Postings-based retrieval == brute force over every listed name variant.

    Brute force compares each query token with every vocabulary token (plain and skeleton),
    marks every variant holding a token above the cutoffs, and that set must be exactly the
    set of variants the engine scored.
    """
    idx, p = screener.index, screener.params
    queries = list(csv.DictReader(open(eval_path("alias_holdout_dev.csv"), encoding="utf-8")))
    vocab = list(idx.vocab)
    skels = [skeleton(t) for t in vocab]
    vocab_len = np.array([len(t) for t in vocab])
    for i in random.Random(7).sample(range(len(queries)), 20):
        name = queries[i]["query"]
        rows = screener._rows([Query(name)])[0]  # every token variant the engine will score
        tokens = list(dict.fromkeys(t for row in rows for t in row))
        hit_vocab = np.zeros(len(vocab), bool)
        for q in tokens:
            # float32 like the engine, so that ties at a cutoff fall the same way
            plain = np.array([JaroWinkler.normalized_similarity(q, t) for t in vocab], np.float32)
            sk = np.array([JaroWinkler.normalized_similarity(skeleton(q), t) for t in skels], np.float32)
            sim = np.maximum(
                np.where(plain >= p.token_cutoff, plain, 0),
                np.where(
                    (sk >= p.skeleton_cutoff) & (plain >= p.skeleton_gate),
                    sk * np.float32(p.skeleton_scale),
                    0,
                ),
            )
            short = (vocab_len <= p.short_token) | (len(q) <= p.short_token)
            hit_vocab |= (sim > p.floor) & (~short | (sim >= p.short_cutoff))
        hit_var = np.add.reduceat(hit_vocab[idx.var_tok].astype(int), idx.var_ptr[:-1]) > 0
        screener.raw_floor = 0.0  # every candidate, however weak (screening drops those under RAW_FLOOR)
        try:
            scored = screener._score([Query(name)]).scores
        finally:
            screener.raw_floor = RAW_FLOOR
        assert set(scored.var.tolist()) == set(np.flatnonzero(hit_var).tolist()), name
        assert (scored.score > 0).all()


def test_compare_explains_a_pair(screener: Screener) -> None:
    c = screener.compare(Query("Faouzi Kanaan"), Query("KAN'AN, Fawzi Mustafa"))
    assert 0.9 < c.score < 1.0
    pairs = {p["query"]: p["listed"] for p in c.explanation["tokens"]}
    assert pairs == {"faouzi": "fawzi", "kanaan": "kanan"}


def test_the_readme_pair_alerts_against_the_primary_name(screener: Screener) -> None:
    c = screener.compare(Query("Faouzi Kanaan"), Query("KAN'AN, Fawzi Mustafa"))
    assert c.score > screener.default_threshold
    assert (
        screener.compare(Query("Hugo Chavez"), Query("CHAVEZ FRIAS, Adan Coromoto")).score
        < screener.default_threshold
    )


def test_screening_any_text_never_raises(screener: Screener) -> None:
    odd = [
        "",
        " ",
        "\u202e\u200d",
        "a" * 100_000,
        "😀" * 50,
        "e\u0301" * 500,
        "\x00\x01",
        "Ali" * 300,
        "محمد 金正恩 Иван",
        "-'-,.",
        "0123456789",
    ]
    results = screener.screen([Query(s) for s in odd], threshold=0.0)
    assert len(results) == len(odd)
    assert all(0 <= m.score <= 1 for r in results for m in r.matches)
    assert np.isfinite([m.score for r in results for m in r.matches]).all()


def test_arabic_script_names_find_their_romanized_entity() -> None:
    """UN individuals' Arabic-script names against the UN list stripped of every original-script
    alias: only the romanized names are left to find them by."""
    un = un_2026()
    stripped, queries = [], []
    for e in un.entities:
        script = [a.name for a in e.aliases if a.kind == "original_script"]
        queries += [(s, e.id) for s in script if any("\u0621" <= c <= "\u064a" for c in s)]
        stripped.append(replace(e, aliases=[a for a in e.aliases if a.kind != "original_script"]))
    screener = Screener.from_lists([LoadedList(un.version, stripped)])
    results = screener.screen([Query(q) for q, _ in queries], limit=1, threshold=0.0)
    found = sum(
        bool(r.matches) and r.matches[0].entity_id == e for (_, e), r in zip(queries, results, strict=True)
    )
    assert len(queries) > 300
    assert found / len(queries) > 0.7, f"{found}/{len(queries)}"


@pytest.mark.parametrize("threshold", [0.35, 0.5, 0.7])
def test_a_threshold_returns_exactly_the_matches_above_it(screener: Screener, threshold: float) -> None:
    """Names that common query tokens alone reach are skipped when they cannot reach the
    threshold; everything that can is scored exactly as with no threshold at all."""
    rows = list(csv.DictReader(open(eval_path("alias_holdout_dev.csv"), encoding="utf-8")))
    negatives = list(csv.DictReader(open(eval_path("negatives_dev.csv"), encoding="utf-8")))
    rng = random.Random(11)
    queries = [Query(r["query"]) for r in rng.sample(rows, 250) + rng.sample(negatives, 250)]
    queries += [Query("Muhammad Ali"), Query("Co Ltd"), Query("Ahmad")]  # common tokens only
    limited = screener.screen(queries, limit=10_000, threshold=threshold)
    everything = screener.screen(queries, limit=10_000, threshold=0.0)
    for query, got, full in zip(queries, limited, everything, strict=True):
        # scores are reported rounded to 4 places: one that rounds to the threshold may be either side
        expected = [(m.list, m.entity_id, m.score) for m in full.matches if m.score > threshold]
        found = [(m.list, m.entity_id, m.score) for m in got.matches if m.score != threshold]
        assert found == expected, query.name


def test_screening_some_lists_scores_as_screening_all(screener: Screener) -> None:
    """Asked for some lists, the screener scores only their names: the same matches, the same scores
    as screening every list and keeping those lists' matches."""
    rows = list(csv.DictReader(open(eval_path("alias_holdout_dev.csv"), encoding="utf-8")))
    negatives = list(csv.DictReader(open(eval_path("negatives_dev.csv"), encoding="utf-8")))
    rng = random.Random(17)
    queries = [Query(r["query"]) for r in rng.sample(rows, 100) + rng.sample(negatives, 100)]
    everything = screener.screen(queries, limit=10_000, threshold=0.3)
    for lists in (["un_sc"], ["ofac_sdn"]):
        some = screener.screen(queries, limit=10_000, threshold=0.3, lists=lists)
        for got, full in zip(some, everything, strict=True):
            assert [(m.entity_id, m.score, m.explanation) for m in got.matches] == [
                (m.entity_id, m.score, m.explanation) for m in full.matches if m.list in lists
            ]
