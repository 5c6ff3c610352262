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

Before the triples are grouped per token and per listed position, a coarse pass rules out most
(row, variant) with cheaper, looser intervals (``calibrated_bound`` for ``kernels.reaching``: sums
over the triples, whole ranges for what only the alignment decides, the features of the variant
computed once per index and those of the row once per row). Screening itself prunes with that
pass too, before it aligns anything (``Screener._score`` under a threshold).
The few (row, variant) left (well under 1% of those bounded on a customer book) are then aligned
and scored as ``score_rows`` and ``Screener._score`` do, from the same triples in the same order
(``scoring.score_triples``, ``calibration.calibrated``): the intervals are loose
where the alignment decides (which query token is left over, how much of the name is covered),
and without this step ~7% of a synthetic book went on to be screened for ~0.02% that match.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
from service.engine.kernels import EXACT, NO_BOUND  # EXACT: a pair counted as identical
from service.engine.scoring import (
    Params,
    TokenMatches,
    _group_max,
    _ranges,
    blend_bound,
    reaching,
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


# The model's features that depend on the alignment of a (row, name) pair, in the order
# ``kernels.group_logit`` bounds them; the others are fixed by the name (``variant_bounds``), by
# the row, or bounded by constants.
GROUP_FEATURES = (
    "blend",
    "query_coverage",
    "matched_weight",
    "query_missed",
    "listed_missed",
    "surname_coverage",
    "one_word_partial",
    "initials_person",
    "schema_mismatch",
    "craft_listed",
    "craft_partial",
    "company_form_vs_person",
)
# ...and those fixed by the row, bounded from its facts (``kernels.row_logit``)
ROW_FEATURES = ("query_miss_max", "both_missed", "query_tokens", "consonant_keys", "other_script")
_CONSTANT_INTERVALS = {
    "name_coverage": (0.0, 1.0),
    "aligned_pairs": (1.0, 6.0),
    "exact_share": (0.0, 1.0),
    "similarity_min": (0.0, 1.0),
    "given_only": (0.0, 0.0),  # given names only: cut by a rule, under any floor over INCOMPLETE_FACTOR
    "given_similarity": (0.0, 1.0),
    "surname_similarity": (0.0, 1.0),
    "heads_aligned": (0.0, 1.0),
}


@dataclass(frozen=True, slots=True)
class VariantBounds:
    """What the calibrated bound of a (row, name) pair needs of each name variant of an index,
    computed once per index and model, one record a name: its surname weight, per model part the
    highest log-odds of the features fixed by the name, its listed schema index, one word,
    engine-made initials and weak alias (``kernels.group_logit``'s ``names``: on a list of a
    million names each array read apart was a cache miss); and of the model, what bounds the
    others."""

    model: ScoreModel
    table: np.ndarray  # float32 (nvar, 7): one record a name, read in one cache line (see above)
    coef: np.ndarray  # (2, features, 2): per part, (per unit, mean) of GROUP_FEATURES + ROW_FEATURES
    consts: np.ndarray  # IDENTICAL_WEIGHT, the slack, and per part the intercept
    # plus the constant features' highest contributions


def variant_bounds(
    idx: NameIndex, model: ScoreModel, one_word: np.ndarray, initials: np.ndarray, w_surname: np.ndarray
) -> VariantBounds:
    listed = idx.entity_schema[idx.name_entity[idx.var_name]]
    weak = idx.name_weak[idx.var_name].astype(np.float64)
    length = np.minimum(np.diff(idx.var_ptr), 6).astype(np.float64)
    structured = (w_surname > 0).astype(np.float64)
    one, person, ini = one_word.astype(np.float64), (listed == PERSON).astype(np.float64), initials
    intervals = {
        "listed_miss_max": (0.0, idx.var_wsum.astype(np.float64)),
        "listed_tokens": (length, length),
        "structured": (structured, structured),
        "one_word": (one, one),
        "listed_person": (person, person),
        "initials": (ini, ini),
        "weak_alias": (weak, weak),
        "weak_partial": (0.0, weak),
    }
    bounded = [*intervals, *GROUP_FEATURES, *ROW_FEATURES, *_CONSTANT_INTERVALS]
    if sorted(bounded) != sorted(model.features):  # a feature left out would make the bound unsound
        raise ValueError(f"the calibrated bound does not cover the model's features: {model.features}")
    parts = (model.latin, model.script)
    var_z = [_highest_sum(part, model.features, intervals) for part in parts]
    table = np.stack(np.broadcast_arrays(w_surname, *var_z, listed, one_word, initials, weak), axis=1).astype(
        np.float32
    )
    coef = np.stack([_coefficients(part, model.features, GROUP_FEATURES + ROW_FEATURES) for part in parts])
    base = [float(_highest_sum(part, model.features, _CONSTANT_INTERVALS)) + part.intercept for part in parts]
    consts = np.array([IDENTICAL_WEIGHT, _SLACK, *base], np.float64)
    return VariantBounds(model, table, coef, consts)


def calibrated_bound(vb: VariantBounds, floor: float, row_facts: tuple[np.ndarray, ...]) -> tuple:
    """``kernels.reaching``'s ``bound`` for rows scored against ``floor`` (a calibrated score;
    ``kernels.NO_BOUND`` unless it is over INCOMPLETE_FACTOR: a rule's cut may leave a score
    over a lower one), from ``row_facts``: per row its tokens, heaviest token and heaviest token
    reaching nothing (``ROW_FEATURES`` bound from them), consonant keys, legal form, schema index
    wanted (-1: any) and whether it was romanized (the model part)."""
    if floor <= INCOMPLETE_FACTOR or floor >= 1:
        return NO_BOUND
    q_len, q_max, q_idle, consonant, company, wanted, foreign = row_facts
    nums = np.stack([q_idle, q_max, np.minimum(q_len, 6)], axis=1).astype(np.float64)
    facts = np.stack([foreign, consonant, wanted, company], axis=1).astype(np.int8)
    logit_floor = float(np.log(floor / (1 - floor)))
    return (logit_floor, float(floor), nums, facts, vb.table, vb.coef, vb.consts)


def _highest_sum(part: Logit, names: tuple[str, ...], intervals: dict) -> np.ndarray:
    """The summed highest contributions of the features in ``intervals`` (arrays or scalars)."""
    per_unit = part.coef / part.scale
    z: np.ndarray | float = 0.0
    for j, name in enumerate(names):
        if name in intervals:
            lo, hi = intervals[name]
            lo_c = per_unit[j] * (np.asarray(lo, np.float64) - part.mean[j])
            hi_c = per_unit[j] * (np.asarray(hi, np.float64) - part.mean[j])
            z = z + np.maximum(lo_c, hi_c)
    return np.asarray(z, np.float64)


def _coefficients(part: Logit, names: tuple[str, ...], wanted: tuple[str, ...]) -> np.ndarray:
    """(per unit, mean) of each of the ``wanted`` features, in that order."""
    j = [names.index(f) for f in wanted]
    return np.stack([(part.coef / part.scale)[j], part.mean[j]], axis=1).astype(np.float64)


def rows_may_match(
    idx: NameIndex,
    params: Params,
    vb: VariantBounds,
    variant_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    floor: float,
    raw_floor: np.ndarray,
    rows: np.ndarray,
    row_of: np.ndarray,
    tid: np.ndarray,
    matches: list[TokenMatches],
    weight: np.ndarray,
    row_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> np.ndarray:
    """Of ``rows`` (row numbers): whether some name variant could score over ``floor`` for it,
    among those over their row's ``raw_floor`` of the plain blend (screening's candidates: the
    model was fitted on those alone, and may say anything of the others).

    ``row_of``/``tid``/``weight``: per query token of every row (flat), its row, its token id (in
    ``matches``: its ``TokenMatches`` here) and its query weight; ``variant_facts``: the screener's
    per-variant one-word, initials, surname weight and head-token arrays; ``row_facts``: per row
    its total weight, consonant keys (scored by the blend alone), legal form, the query's schema
    index (-1: any) and whether the query was romanized; ``vb``: the index's ``variant_bounds``."""
    model = vb.model
    one_word, initials, w_surname, head = variant_facts
    total, consonant, company, wanted, foreign = row_facts
    out = np.zeros(len(total), bool)
    if floor <= INCOMPLETE_FACTOR:  # a rule's cut leaves the score possibly over the floor
        out[rows] = True
        return out
    wanted_rows = np.zeros(len(total), bool)
    wanted_rows[rows] = True
    reaches = np.fromiter((len(m.var) > 0 for m in matches), bool, len(matches))[tid]
    flat = np.flatnonzero(wanted_rows[row_of] & reaches)
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
    np.maximum.at(q_idle, row_of[~reaches], weight[~reaches])
    # the cheaper, looser bound first (``kernels.reaching``): most (row, variant) go here
    at = idx.var_ptr[V] + P
    left = reaching(
        params,
        raw_floor,
        total,
        row_of[F],
        V,
        weight[F] * S,
        S32 * idx.var_weight[at],
        idx.var_wsum,
        idx.var_role[at] == ROLE_SURNAME,
        calibrated_bound(vb, floor, (q_len, q_max, q_idle, consonant, company, wanted, foreign)),
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
    every = {f: intervals[f] for f in model.features}  # each feature bounded here (a KeyError if not)
    z = _by_part(
        model,
        foreign[row],
        lambda part: part.intercept + _highest_sum(part, model.features, every) + np.zeros(n),
    )
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
                raw_floor,
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


def _scored_rows(
    idx: NameIndex,
    params: Params,
    model: ScoreModel,
    variant_facts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    floor: float,
    raw_floor: np.ndarray,
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
    ``Screener._score`` scores them: only names over their row's ``raw_floor``."""
    one_word, initials, w_surname, head = variant_facts
    _, consonant, company, wanted, foreign = row_facts
    rows = np.unique(row_of[F])  # row_of is sorted: each row's tokens are contiguous
    first = np.searchsorted(row_of, rows)
    q_len = np.searchsorted(row_of, rows, side="right") - first
    weights = [
        weight[a : a + k].astype(np.float32) for a, k in zip(first.tolist(), q_len.tolist(), strict=True)
    ]
    R = np.searchsorted(rows, row_of[F])
    rs = score_triples(idx, params, row_weights(weights), R, F - first[R], V, P, S, raw_floor[rows], head)
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
