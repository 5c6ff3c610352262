"""An upper bound of the calibrated score of query rows against an index, without aligning them.

A list delta is screened against a whole customer book (``Screener.may_match``): first each row is
bounded by its blend alone (``scoring.blend_bound``); the rows left are expanded into their
(query token, name variant, position, similarity) triples through the postings, as ``score_rows``
does, but instead of the one-to-one alignment each (row, variant) gets an interval for every
feature of the calibrated model (``calibration.features``) that holds for any alignment: the
variant's own features are known exactly, the matched weights are at most the sums of each token's
best pair on either side, a listed token no query token reaches is certainly missed, and so on.
The model is linear in its features, so the largest log-odds over the intervals bounds the score;
the issue-14 rules either leave the features as they are or cut the score to half (under any
threshold worth alerting at). A (row, variant) whose bound is under the floor cannot be a match.

Before the triples are grouped per token and per listed position, a coarse pass (``_coarse``) rules
out most (row, variant) with cheaper, looser intervals (sums over the triples, whole ranges for
what only the alignment decides, the features of the variant and of the row computed once each).
The few (row, variant) left (well under 1% of those bounded on a customer book) are then aligned
and scored as ``score_rows`` and ``Screener._score`` do, from the same triples in the same order
(``scoring.score_triples``, ``calibration.calibrated``): the intervals are loose
where the alignment decides (which query token is left over, how much of the name is covered),
and without this step ~7% of a synthetic book went on to be screened for ~0.02% that match.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from service.engine.calibration import (
    COMPLETE,
    IDENTICAL_WEIGHT,
    INCOMPLETE_FACTOR,
    ONE_WORD_COVER,
    PERSON,
    VESSEL,
    Logit,
    ScoreModel,
    calibrated,
    features,
)
from service.engine.index import ROLE_GIVEN, ROLE_SURNAME, NameIndex
from service.engine.kernels import EXACT  # a pair counted as identical
from service.engine.scoring import (
    Params,
    TokenMatches,
    _group_max,
    _ranges,
    blend_bound,
    row_weights,
    score_triples,
)

_SLACK = 1e-3  # in log-odds: scores are float32 computations; never drop a pair at a hair under
_SCORE_SLACK = 1e-4  # on the exact score: a guard, its float32 computations are screening's


def _by_part(model: ScoreModel, romanized: np.ndarray, bound: Callable[[Logit], np.ndarray]) -> np.ndarray:
    """``bound`` of the model part that scores each pair: the script part where its query was
    romanized from another script, the latin part elsewhere (computed only if needed)."""
    z = bound(model.latin)
    return np.where(romanized, bound(model.script), z) if romanized.any() else z


def _highest_logit(part: Logit, names: tuple[str, ...], intervals: dict, n: int) -> np.ndarray:
    """The highest log-odds ``part`` gives any feature values within ``intervals`` (it is linear)."""
    z = np.full(n, part.intercept)
    per_unit = part.coef / part.scale
    for j, name in enumerate(names):
        lo, hi = intervals[name]
        lo_c = per_unit[j] * (np.asarray(lo, np.float64) - part.mean[j])
        hi_c = per_unit[j] * (np.asarray(hi, np.float64) - part.mean[j])
        z += np.maximum(lo_c, hi_c)
    return z


def rows_may_match(
    idx: NameIndex,
    params: Params,
    model: ScoreModel,
    variant_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    floor: float,
    rows: np.ndarray,
    row_of: np.ndarray,
    tid: np.ndarray,
    matches: list[TokenMatches],
    weight: np.ndarray,
    row_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Of ``rows`` (row numbers): whether some name variant could score over ``floor`` for it.

    ``row_of``/``tid``/``weight``: per query token of every row (flat), its row, its token id (in
    ``matches``: its ``TokenMatches`` here) and its query weight; ``variant_facts``: the screener's
    per-variant one-word, initials, surname weight and head-token arrays; ``row_facts``: per row
    its total weight, consonant keys (scored by the blend alone), legal form, the query's schema
    index (-1: any) and whether the query was romanized."""
    one_word, initials, w_surname, head = variant_facts
    total, consonant, company, wanted, foreign = row_facts
    out = np.zeros(len(total), bool)
    if floor <= INCOMPLETE_FACTOR:  # a rule's cut leaves the score possibly over the floor
        out[rows] = True
        return out
    wanted_rows = np.zeros(len(total), bool)
    wanted_rows[rows] = True
    reaching = np.fromiter((len(m.var) > 0 for m in matches), bool, len(matches))[tid]
    flat = np.flatnonzero(wanted_rows[row_of] & reaching)
    if not len(flat):
        return out
    parts = [matches[t] for t in tid[flat].tolist()]
    lens = np.fromiter((len(m.var) for m in parts), np.int64, len(parts))
    V = np.concatenate([m.var for m in parts]).astype(np.int64)
    P = np.concatenate([m.pos for m in parts]).astype(np.int64)
    S32 = np.concatenate([m.vsim for m in parts])
    S = S32.astype(np.float64)
    F = np.repeat(flat, lens)  # the query token of each triple
    nvar, nflat = len(idx.var_name), len(row_of)
    logit_floor = np.log(floor / (1 - floor)) if floor < 1 else np.inf
    # per row: its tokens, the heaviest, and the heaviest that reaches nothing here (missed by
    # every alignment)
    q_len = np.bincount(row_of, minlength=len(total))
    q_max, q_idle = np.zeros(len(total)), np.zeros(len(total))
    np.maximum.at(q_max, row_of, weight)
    np.maximum.at(q_idle, row_of[~reaching], weight[~reaching])
    left = _coarse(
        idx,
        params,
        model,
        variant_facts,
        floor,
        logit_floor,
        row_of[F],
        V,
        P,
        S,
        weight[F],
        (total, consonant, company, wanted, foreign, q_len, q_max, q_idle),
    )
    F, V, P, S32, S = F[left], V[left], P[left], S32[left], S[left]
    if not len(F):
        return out
    keys, g = np.unique(row_of[F] * nvar + V, return_inverse=True)
    n = len(keys)
    row, var = keys // nvar, keys % nvar
    at = idx.var_ptr[V] + P
    cw = S * idx.var_weight[at]
    role = idx.var_role[at]

    # each query token's best pair in the group, on both sides
    k1, i1 = np.unique(g * nflat + F, return_inverse=True)
    best_s, best_cw = np.zeros(len(k1)), np.zeros(len(k1))
    np.maximum.at(best_s, i1, S)
    np.maximum.at(best_cw, i1, cw)
    g1 = k1 // nflat
    q_reach = np.bincount(g1, weight[k1 % nflat] * best_s, n)
    c_by_query = np.bincount(g1, best_cw, n)
    # each listed position's best pair in the group
    k2, i2 = np.unique(g * 64 + P, return_inverse=True)
    pos_cw = np.zeros(len(k2))
    np.maximum.at(pos_cw, i2, cw)
    pos_role = np.zeros(len(k2), np.int8)
    pos_role[i2] = role
    pos_head = np.zeros(len(k2), bool)
    pos_head[i2] = head[at]
    g2, p2 = k2 // 64, k2 % 64
    c_reach = np.minimum(c_by_query, np.bincount(g2, pos_cw, n))  # one-to-one: both sums bound it
    surname_reach = np.bincount(g2, pos_cw * (pos_role == ROLE_SURNAME), n)
    heads = np.bincount(g2, pos_head, n)
    s_max, s_min = np.zeros(n), np.full(n, np.inf)
    np.maximum.at(s_max, g, S)
    np.minimum.at(s_min, g, S)
    given_min, surname_min = np.ones(n), np.ones(n)
    np.minimum.at(given_min, g[role == ROLE_GIVEN], S[role == ROLE_GIVEN])
    np.minimum.at(surname_min, g[role == ROLE_SURNAME], S[role == ROLE_SURNAME])
    # the heaviest listed token no query token reaches is missed by every alignment
    clen = (idx.var_ptr[var + 1] - idx.var_ptr[var]).astype(np.int64)
    c_start = np.concatenate(([0], np.cumsum(clen)))
    c_flat = idx.var_weight[_ranges(idx.var_ptr[var], clen)].astype(np.float64)
    c_flat[c_start[g2] + p2] = 0.0
    c_miss_least = _group_max(c_flat, c_start).astype(np.float64)

    Q, W = total[row], idx.var_wsum[var].astype(np.float64)
    blend_ub = blend_bound(params, Q, q_reach, c_reach, W)
    qc = np.minimum(q_reach / np.maximum(Q, 1e-6), 1.0)
    nc = np.minimum(c_reach / np.maximum(W, 1e-6), 1.0)
    complete = np.minimum(qc, nc)
    names = idx.var_name[var]
    listed = idx.entity_schema[idx.name_entity[names]]
    want = wanted[row]
    one = one_word[var].astype(np.float64)
    ini = initials[var]
    weak = idx.name_weak[names].astype(np.float64)
    structured = w_surname[var] > 0
    craft = ((listed >= VESSEL) & (want < VESSEL)).astype(np.float64)
    mismatch = (want >= 0) & (want != listed) & (listed < VESSEL)
    person = listed == PERSON
    exact_any = s_max >= EXACT
    qt = np.minimum(q_len[row], 6).astype(np.float64)
    ct = np.minimum(clen, 6).astype(np.float64)
    # (low, high) of each feature of calibration.features, by name
    intervals = {
        "blend": (0.0, blend_ub),
        "query_coverage": (0.0, qc),
        "name_coverage": (0.0, nc),
        "matched_weight": (0.0, np.log1p(c_reach)),
        "query_missed": (np.maximum(Q - q_reach, 0), Q),
        "listed_missed": (np.maximum(W - c_reach, 0), W),
        "query_miss_max": (q_idle[row], q_max[row]),
        "listed_miss_max": (c_miss_least, W),
        "both_missed": (np.minimum(q_idle[row], c_miss_least), np.minimum(q_max[row], W)),
        "query_tokens": (qt, qt),
        "listed_tokens": (ct, ct),
        "aligned_pairs": (1.0, np.maximum(np.minimum(np.minimum(qt, ct), 6), 1)),
        "exact_share": (0.0, exact_any.astype(np.float64)),
        "similarity_min": (np.minimum(s_min, s_max), s_max),
        "structured": (structured, structured),
        "surname_coverage": (
            0.0,
            np.where(structured, np.minimum(surname_reach / np.maximum(w_surname[var], 1e-6), 1), 0),
        ),
        "given_only": (0.0, 0.0),  # given names only: cut by a rule (below)
        "one_word": (one, one),
        "one_word_partial": (one * (1 - qc), one),
        "listed_person": (person, person),
        "initials": (ini, ini),
        "initials_person": (ini & (want == PERSON), ini & (want == PERSON)),
        "weak_alias": (weak, weak),
        "weak_partial": (weak * (1 - complete), weak * (1 - COMPLETE)),  # not cut: complete enough
        "schema_mismatch": (mismatch, mismatch),
        "craft_listed": (craft, craft),
        "craft_partial": (craft * (1 - complete), craft * (1 - COMPLETE)),
        "company_form_vs_person": (company[row] & person, company[row] & person),
        "given_similarity": (given_min, 1.0),
        "surname_similarity": (surname_min, 1.0),
        "heads_aligned": (0.0, heads >= 2),
        "consonant_keys": (consonant[row], consonant[row]),
        "other_script": (foreign[row], foreign[row]),
    }
    z = _by_part(model, foreign[row], lambda part: _highest_logit(part, model.features, intervals, n))
    # the rules: where one must cut (the scores stays under half), the pair cannot reach the floor
    cut = (
        ((weak > 0) & (complete < COMPLETE))
        | ((craft > 0) & (complete < COMPLETE))
        | ((one > 0) & person & (qc < ONE_WORD_COVER))
        | (ini & ((complete < COMPLETE) | ~exact_any | (want == PERSON)))
    )
    identical = (
        (blend_ub >= 0.9999)
        & exact_any
        & (c_reach >= IDENTICAL_WEIGHT)
        & ~mismatch
        & ((craft == 0) | (want < 0))
        & (weak == 0)
    )
    ok = (~cut & (z + _SLACK >= logit_floor)) | identical
    # consonant keys of Arabic-script words are scored by the blend alone
    ok = np.where(consonant[row], blend_ub * (1 + 1e-4) + 1e-6 >= floor, ok)
    if ok.any():
        left = ok[g]  # the triples of the (row, variant) left
        out[
            _scored_rows(
                idx,
                params,
                model,
                variant_facts,
                floor,
                row_of,
                weight,
                row_facts,
                F[left],
                V[left],
                P[left],
                S32[left],
            )
        ] = True
    return out


def _coarse(
    idx: NameIndex,
    params: Params,
    model: ScoreModel,
    variant_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    floor: float,
    logit_floor: float,
    R: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    S: np.ndarray,
    QW: np.ndarray,
    row_facts: tuple[np.ndarray, ...],
) -> np.ndarray:
    """Of the triples (row ``R``, variant, position, similarity, query weight ``QW``): those of the
    (row, variant) the intervals below cannot rule out, a cheaper and looser version of
    ``rows_may_match``'s (most are ruled out here, before its grouping of the triples per token and
    per listed position). The matched weights are bounded by the sums over the triples (a query
    token's best pair is at most the sum of its pairs); the features that depend on the alignment
    alone take their whole range; those of the variant and of the row are exact, computed once
    per variant and per row."""
    one_word, initials, w_surname, _ = variant_facts
    total, consonant, company, wanted, foreign, q_len, q_max, q_idle = row_facts
    nvar = len(idx.var_name)
    keys, g = np.unique(R * nvar + V, return_inverse=True)
    n = len(keys)
    row, var = keys // nvar, keys % nvar
    at = idx.var_ptr[V] + P
    cw = S * idx.var_weight[at]
    Q, W = total[row], idx.var_wsum[var].astype(np.float64)
    q_ub, c_ub = np.bincount(g, QW * S, n), np.bincount(g, cw, n)
    surname_ub = np.bincount(g, cw * (idx.var_role[at] == ROLE_SURNAME), n)
    blend_ub = blend_bound(params, Q, q_ub, c_ub, W)
    qc = np.minimum(q_ub / np.maximum(Q, 1e-6), 1.0)
    # per variant, over all the index's variants (a delta's index is small)
    all_names = idx.var_name
    v_listed = idx.entity_schema[idx.name_entity[all_names]]
    v_person = v_listed == PERSON
    v_weak = idx.name_weak[all_names].astype(np.float64)
    v_len = np.minimum(np.diff(idx.var_ptr), 6).astype(np.float64)
    v_structured = w_surname > 0
    r_len = np.minimum(q_len, 6).astype(np.float64)
    want, listed, one = wanted[row], v_listed[var], one_word[var].astype(np.float64)
    craft = ((listed >= VESSEL) & (want < VESSEL)).astype(np.float64)
    mismatch = (want >= 0) & (want != listed) & (listed < VESSEL)
    ini = initials[var]
    # (low, high) of each feature and what it is per: "v" variant, "r" row, "g" (row, variant), "c" constant
    intervals = {
        "blend": ("g", 0.0, blend_ub),
        "query_coverage": ("g", 0.0, qc),
        "name_coverage": ("c", 0.0, 1.0),
        "matched_weight": ("g", 0.0, np.log1p(c_ub)),
        "query_missed": ("g", np.maximum(Q - q_ub, 0), Q),
        "listed_missed": ("g", np.maximum(W - c_ub, 0), W),
        "query_miss_max": ("r", q_idle, q_max),
        "listed_miss_max": ("v", 0.0, idx.var_wsum.astype(np.float64)),
        "both_missed": ("r", 0.0, q_max),
        "query_tokens": ("r", r_len, r_len),
        "listed_tokens": ("v", v_len, v_len),
        "aligned_pairs": ("c", 1.0, 6.0),
        "exact_share": ("c", 0.0, 1.0),
        "similarity_min": ("c", 0.0, 1.0),
        "structured": ("v", v_structured, v_structured),
        "surname_coverage": (
            "g",
            0.0,
            np.where(w_surname[var] > 0, np.minimum(surname_ub / np.maximum(w_surname[var], 1e-6), 1), 0),
        ),
        "given_only": ("c", 0.0, 0.0),  # cut by a rule
        "one_word": ("v", one_word, one_word),
        "one_word_partial": ("g", one * (1 - qc), one),
        "listed_person": ("v", v_person, v_person),
        "initials": ("v", initials, initials),
        "initials_person": ("g", ini & (want == PERSON), ini & (want == PERSON)),
        "weak_alias": ("v", v_weak, v_weak),
        "weak_partial": ("v", 0.0, v_weak),
        "schema_mismatch": ("g", mismatch, mismatch),
        "craft_listed": ("g", craft, craft),
        "craft_partial": ("g", 0.0, craft),
        "company_form_vs_person": ("g", company[row] & v_person[var], company[row] & v_person[var]),
        "given_similarity": ("c", 0.0, 1.0),
        "surname_similarity": ("c", 0.0, 1.0),
        "heads_aligned": ("c", 0.0, 1.0),
        "consonant_keys": ("r", consonant, consonant),
        "other_script": ("r", foreign, foreign),
    }
    zg = _by_part(
        model, foreign[row], lambda part: _highest_logit_by_kind(part, model.features, intervals, row, var)
    )
    # rows_may_match's rules only cut; its "identical" needs the blend at 1 and enough weight matched
    identical = (blend_ub >= 0.9999) & (c_ub >= IDENTICAL_WEIGHT) & ~mismatch & (v_weak[var] == 0)
    ok = (zg + _SLACK >= logit_floor) | identical
    ok = np.where(consonant[row], blend_ub * (1 + 1e-4) + 1e-6 >= floor, ok)
    return ok[g]


def _highest_logit_by_kind(
    part: Logit, names: tuple[str, ...], intervals: dict, row: np.ndarray, var: np.ndarray
) -> np.ndarray:
    """``_highest_logit`` per (row, variant) of intervals given per variant ("v"), per row ("r"),
    per (row, variant) ("g") or constant ("c"): each summed where it is small, then gathered once."""
    per_unit = part.coef / part.scale
    z: dict[str, np.ndarray | float] = {"c": part.intercept, "v": 0.0, "r": 0.0, "g": 0.0}
    for j, name in enumerate(names):
        kind, lo, hi = intervals[name]
        lo_c = per_unit[j] * (np.asarray(lo, np.float64) - part.mean[j])
        hi_c = per_unit[j] * (np.asarray(hi, np.float64) - part.mean[j])
        z[kind] = z[kind] + np.maximum(lo_c, hi_c)
    v, r = np.asarray(z["v"]), np.asarray(z["r"])
    return np.zeros(len(row)) + z["g"] + z["c"] + (v[var] if v.ndim else v) + (r[row] if r.ndim else r)


def _scored_rows(
    idx: NameIndex,
    params: Params,
    model: ScoreModel,
    variant_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    floor: float,
    row_of: np.ndarray,
    weight: np.ndarray,
    row_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    F: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    S: np.ndarray,
) -> np.ndarray:
    """The rows (numbers) of which some (row, variant) scores over ``floor``, given all the
    (query token ``F``, variant, position, similarity) triples of those (row, variant) in the order
    ``score_rows`` builds them (row by row, token by token, each token's postings in order: the
    alignment breaks ties by that order), scored by ``scoring.score_triples`` and the model as
    ``Screener._score`` scores them."""
    one_word, initials, w_surname, head = variant_facts
    _, consonant, company, wanted, foreign = row_facts
    rows = np.unique(row_of[F])  # row_of is sorted: each row's tokens are contiguous
    first = np.searchsorted(row_of, rows)
    q_len = np.searchsorted(row_of, rows, side="right") - first
    weights = [
        weight[a : a + k].astype(np.float32) for a, k in zip(first.tolist(), q_len.tolist(), strict=True)
    ]
    R = np.searchsorted(rows, row_of[F])
    rs = score_triples(idx, params, row_weights(weights), R, F - first[R], V, P, S, np.zeros(len(rows)), head)
    r, var = rows[rs.row], rs.var
    names = idx.var_name[var]
    x = features(
        rs.align,
        rs.score,
        one_word[var],
        initials[var],
        w_surname[var],
        idx.name_weak[names],
        wanted[r],
        idx.entity_schema[idx.name_entity[names]],
        consonant[r],
        company[r],
        foreign[r],
    )
    final = np.where(consonant[r], rs.score, calibrated(model, x, wanted[r] >= 0))
    return r[final + _SCORE_SLACK >= floor]
