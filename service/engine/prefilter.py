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
"""

from __future__ import annotations

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
)
from service.engine.index import ROLE_GIVEN, ROLE_SURNAME, NameIndex
from service.engine.scoring import Params, TokenMatches, _group_max, _ranges, blend_bound

EXACT = 0.999  # a pair counted as identical (scoring._alignment)
_SLACK = 1e-3  # in log-odds: scores are float32 computations; never drop a pair at a hair under


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
    S = np.concatenate([m.vsim for m in parts]).astype(np.float64)
    F = np.repeat(flat, lens)  # the query token of each triple
    nvar, nflat = len(idx.var_name), len(row_of)
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
    # ...and so is the heaviest query token that reaches nothing here
    q_len = np.bincount(row_of, minlength=len(total))
    q_max, q_idle = np.zeros(len(total)), np.zeros(len(total))
    np.maximum.at(q_max, row_of, weight)
    np.maximum.at(q_idle, row_of[~reaching], weight[~reaching])

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
    z = _highest_logit(model.latin, model.features, intervals, n)
    other = foreign[row]
    if other.any():  # the script part scores the queries romanized from another script
        z = np.where(other, _highest_logit(model.script, model.features, intervals, n), z)
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
    logit_floor = np.log(floor / (1 - floor)) if floor < 1 else np.inf
    ok = (~cut & (z + _SLACK >= logit_floor)) | identical
    # consonant keys of Arabic-script words are scored by the blend alone
    ok = np.where(consonant[row], blend_ub * (1 + 1e-4) + 1e-6 >= floor, ok)
    out[row[ok]] = True
    return out
