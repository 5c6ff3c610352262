"""``score_rows`` drops the names its query tokens cannot lift to the floor (``kernels.reaching``): the
names it keeps, with every score and alignment feature, must be exactly those scoring without the
pruning at or over the floor. Compared on the real OFAC 2021 + UN lists with dev queries,
negatives (Arabic script: per-row floors) and the listed names the resolver screens list by list.
"""

from __future__ import annotations

import csv
import random
from functools import cache

import numpy as np
import pytest
from lists_support import eval_path, ofac_2021, un_2026

from service.engine import screener as screener_module
from service.engine.calibration import Logit, ScoreModel
from service.engine.kernels import NO_BOUND
from service.engine.prefilter import variant_bounds
from service.engine.scoring import RowScores, score_rows
from service.engine.screener import Query, Screener


@cache
def real_screener() -> Screener:
    return Screener.from_lists([ofac_2021(), un_2026()])


def dev_names(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    aliases = list(csv.DictReader(open(eval_path("alias_holdout_dev.csv"), encoding="utf-8")))
    negatives = list(csv.DictReader(open(eval_path("negatives_dev.csv"), encoding="utf-8")))
    return [r["query"] for r in rng.sample(aliases, n) + rng.sample(negatives, n)]


def kept(rs: RowScores, floor: np.ndarray) -> list[tuple]:
    """The candidates at or over their row's floor, every field, in a canonical order."""
    keep = rs.score >= floor[rs.row]
    fields = [rs.row, rs.var, rs.score, rs.query_cov, rs.name_cov, rs.evidence]
    fields += [getattr(rs.align, f) for f in rs.align.__slots__]
    return sorted(zip(*(f[keep].tolist() for f in fields), strict=True))


def test_pruned_scores_are_the_unpruned_ones_over_the_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    triples = {"pruned": 0, "all": 0}

    def both(idx, params, rows, weights, matches, floor, head, bound, pair_hook=None):
        pruned = score_rows(idx, params, rows, weights, matches, floor, head, bound, pair_hook)
        full = score_rows(idx, params, rows, weights, matches, 0.0, head, pair_hook=pair_hook)
        floors = np.broadcast_to(np.asarray(floor, np.float64), (len(rows),))
        assert floors.max() > 0
        assert kept(pruned, floors) == kept(full, floors)
        triples["pruned"] += len(pruned.row)
        triples["all"] += len(full.row)
        return pruned

    monkeypatch.setattr(screener_module, "score_rows", both)
    screener = real_screener()
    names = dev_names(300, 11) + ["محمد علي حسن", "Mohammed Al Ali Bin Hassan"]
    for start in range(0, len(names), 100):
        screener.screen([Query(n) for n in names[start : start + 100]], limit=10, threshold=0.0)
    # as the resolver screens: listed names against the other list only
    for list_id, other in (("ofac_sdn", "un_sc"), ("un_sc", "ofac_sdn")):
        listed = [e for e in screener.entities if e.list_id == list_id][::7][:300]
        assert listed
        screener.screen([Query(e.name, e.schema) for e in listed], limit=3, threshold=0.6, lists=[other])
    assert triples["pruned"] < triples["all"]  # it prunes something, and nothing that could reach the floor


def test_screening_under_a_threshold_prunes_only_what_cannot_reach_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a threshold, ``score_rows`` also drops the names whose calibrated score provably stays
    under the lowest one evidence could lift over it (``prefilter.calibrated_bound``): the matches,
    their scores and explanations are those of screening without that pruning, with and without
    schemas, birth dates and countries, at thresholds on both sides of the default."""
    screener = real_screener()
    names = dev_names(200, 17) + ["محمد علي حسن", "Jorge Rodriguez", "Banco Nacional de Cuba"]
    schemas = ["Person", "Organization", "Any"]
    queries = [Query(n, schemas[i % 3]) for i, n in enumerate(names)]
    queries += [Query(n, "Person", birth_date="1960-01-01", country="VE") for n in names[:60]]
    triples = {"pruned": 0, "all": 0}
    counted = screener_module.score_rows

    def counting(idx, params, rows, weights, matches, floor, head, bound, pair_hook=None):
        rs = counted(idx, params, rows, weights, matches, floor, head, bound, pair_hook)
        triples["pruned" if bound is not NO_BOUND else "all"] += len(rs.row)
        return rs

    monkeypatch.setattr(screener_module, "score_rows", counting)
    for threshold in (0.7, None, 0.97):
        pruned = screener.screen(queries, limit=10, threshold=threshold)
        with monkeypatch.context() as off:
            off.setattr(screener_module, "calibrated_bound", lambda *a: NO_BOUND)
            full = screener.screen(queries, limit=10, threshold=threshold)
        assert [[(m.list, m.entity_id, m.score, m.explanation) for m in r.matches] for r in pruned] == [
            [(m.list, m.entity_id, m.score, m.explanation) for m in r.matches] for r in full
        ]
        assert any(r.matches for r in pruned)
    assert 0 < triples["pruned"] < triples["all"] / 3  # it prunes most candidates


def test_the_calibrated_bound_covers_every_feature_of_the_model() -> None:
    """A model with a feature the bound does not know is refused, not bounded without it."""
    screener = real_screener()
    model = screener.model
    latin = model.latin
    extra = Logit(
        np.append(latin.mean, 0.0), np.append(latin.scale, 1.0), np.append(latin.coef, 0.0), latin.intercept
    )
    wider = ScoreModel(model.version, (*model.features, "new_feature"), extra, extra)
    variant_bounds(screener.index, model, screener._one_word, screener._initials, screener._w_surname)
    with pytest.raises(ValueError, match="does not cover"):
        variant_bounds(screener.index, wider, screener._one_word, screener._initials, screener._w_surname)
