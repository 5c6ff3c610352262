"""Compiled loops (numba) for the steps of scoring that numpy can only do with many small sorts
and scatters: which (row, name) pairs the token triples can lift to the floor, and under a
threshold to the calibrated floor (``reaching``, with the bounds of ``row_logit``/``group_logit``) and,
per (row, name), the one-to-one alignment of its triples (``align``) and what the calibrated score
needs of it (``figures``); and the neighbour search's filter of a query token's candidates by
their character signatures (``signature_candidates``: ten numpy calls a token before).

On a warm query the scoring steps were half of the time, spread over dozens of numpy calls on arrays
of a few hundred elements; on a list of a million names, most of it. The loops compute what the
numpy code they replaced computed (float64 where its ``bincount`` summed; float32 sums in the
order the pairs formed, where numpy's SIMD reductions summed in their own order: a score may
differ from that code's in its last bit, under 1e-6); ``tests/unit/test_kernels.py`` checks them
against a plain-Python reference. numba compiles each loop at its first call, for the argument
types it meets (index arrays read from the cache are read-only: another specialization), and
caches the compiled code on disk next to this file (or, where that is read-only, in the user's
cache directory), so only the first process after an install compiles it (a few seconds).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from service.engine.model import PERSON, VESSEL

EXACT = 0.999  # an aligned pair this similar counts as spelled the same


# ``reaching``'s ``bound`` when there is no calibrated floor (``prefilter.calibrated_bound``
# builds one): the same types, empty
NO_BOUND = (
    -np.inf,
    0.0,
    np.zeros((0, 3)),
    np.zeros((0, 4), np.int8),
    np.zeros((0, 7), np.float32),
    np.zeros((2, 0, 2)),
    np.zeros(4),
)


@njit(cache=True, nogil=True)
def reaching(
    R: np.ndarray,
    V: np.ndarray,
    q_w: np.ndarray,
    listed: np.ndarray,
    floors: np.ndarray,
    totals: np.ndarray,
    var_wsum: np.ndarray,
    blend_params: np.ndarray,
    acc: np.ndarray,
    surname: np.ndarray,
    bound: tuple,
) -> np.ndarray:  # pragma: no cover - compiled
    """Per triple: whether the (row ``R``, variant ``V``) pair it belongs to can reach its row's
    floor (always where the floor is 0), bounded as if the query weight ``q_w`` (times the
    triple's similarity) and the listed weight ``listed`` (similarity-weighted) of all the pair's
    triples, summed in triple order, aligned in full and every other token of the row
    (``totals``) and of the name (``var_wsum``) were missed. ``blend`` grows with matched and
    shrinks with missed weight and its damping never raises a score; a query token aligns with one
    listed token at most, and only with one it reaches, so no alignment does better. A hair of
    slack covers float32 rounding. ``blend_params``: ``miss_query``, ``miss_listed``,
    ``evidence_idf``, ``evidence_power``, ``exact_power``.

    With a calibrated ``bound`` (``prefilter.calibrated_bound``'s arrays: empty ones turn it off),
    the pair must also be able to score over its calibrated floor: the same sums, with those of the
    triples on a listed surname (``surname``), bound the model's features that depend on the
    alignment (``group_logit``); those of the name and of the row come precomputed.

    Triples come row by row; ``acc`` is float32 zeros, four per variant side by side (query,
    listed and surname sums, summed in triple order, and the pair's decision once made), and is
    left so."""
    logit_floor, prob_floor, row_nums, row_facts, names, coef, consts = bound
    calibrated = len(row_nums) > 0
    n = len(R)
    keep = np.empty(n, np.bool_)
    a = 0
    while a < n:
        r = R[a]
        b = a
        while b < n and R[b] == r:
            b += 1
        floor = floors[r]
        if floor <= 0 and not calibrated:
            for i in range(a, b):
                keep[i] = True
            a = b
            continue
        for i in range(a, b):
            acc[4 * V[i]] += q_w[i]
            acc[4 * V[i] + 1] += listed[i]
            if calibrated and surname[i]:
                acc[4 * V[i] + 2] += listed[i]
        query_total = totals[r]
        row_z = row_logit(row_nums, row_facts, r, coef, consts) if calibrated else 0.0
        for i in range(a, b):
            v = 4 * V[i]
            if acc[v + 3] == 0.0:
                q_sum, c_sum, s_sum = np.float64(acc[v]), np.float64(acc[v + 1]), np.float64(acc[v + 2])
                listed_total = np.float64(var_wsum[V[i]])
                qm = min(q_sum, query_total)
                cm = min(c_sum, listed_total)
                m = (qm + cm) / 2
                missed = blend_params[0] * (query_total - qm) + blend_params[1] * (listed_total - cm)
                ok = m >= (floor - 1e-4) * max(m + missed, 1e-6)
                if ok and calibrated:
                    # the blend's bound without its damping first: its powers cost more than the rest
                    base = _blend_base(blend_params, query_total, q_sum, c_sum, listed_total)
                    if row_facts[r, 1]:  # consonant keys: scored by the blend alone
                        ok = _damped(blend_params, base, c_sum) * (1 + 1e-4) + 1e-6 >= prob_floor
                    else:
                        part = row_facts[r, 0]
                        z = group_logit(
                            query_total,
                            q_sum,
                            c_sum,
                            s_sum,
                            listed_total,
                            row_z,
                            row_facts,
                            r,
                            names,
                            V[i],
                            coef,
                        )
                        z += consts[1] - logit_floor  # the slack
                        ok = z + _highest(coef, part, 0, 0.0, base) >= 0 or _identical(
                            base, c_sum, row_facts, r, names, V[i], consts
                        )
                        if ok:
                            ub = _damped(blend_params, base, c_sum)
                            ok = z + _highest(coef, part, 0, 0.0, ub) >= 0 or _identical(
                                ub, c_sum, row_facts, r, names, V[i], consts
                            )
                acc[v + 3] = 1.0 if ok else 2.0
            keep[i] = acc[v + 3] == 1.0
        for i in range(a, b):
            acc[4 * V[i]] = 0.0
            acc[4 * V[i] + 1] = 0.0
            acc[4 * V[i] + 2] = 0.0
            acc[4 * V[i] + 3] = 0.0
        a = b
    return keep


@njit(cache=True, nogil=True)
def _blend_base(
    blend_params: np.ndarray, query_total: float, query_reach: float, listed_reach: float, listed_least: float
) -> float:  # pragma: no cover - compiled
    """``scoring.blend_bound`` for one pair, before its damping (which never raises it)."""
    matched = (query_reach + listed_reach) / 2
    miss_q = max(query_total - query_reach, 0.0)
    miss_l = max(listed_least - listed_reach, 0.0)
    return min(matched / max(matched + blend_params[0] * miss_q + blend_params[1] * miss_l, 1e-6), 1.0)


@njit(cache=True, nogil=True)
def _damped(
    blend_params: np.ndarray, base: float, listed_reach: float
) -> float:  # pragma: no cover - compiled
    """``scoring.blend_bound`` from its undamped ``base`` (a square root and three squarings for
    the default powers: ``pow`` is most of the bound's time on a list of a million names)."""
    reach = min(1.0, listed_reach / blend_params[2])
    evidence = np.sqrt(reach) if blend_params[3] == 0.5 else reach ** blend_params[3]
    if blend_params[4] == 8.0:
        exact = base * base
        exact *= exact
        exact *= exact
    else:
        exact = base ** blend_params[4]
    return base * (evidence + (1 - evidence) * exact)


@njit(cache=True, nogil=True)
def _highest(
    coef: np.ndarray, part: int, j: int, lo: float, hi: float
) -> float:  # pragma: no cover - compiled
    """The larger log-odds contribution of feature ``j`` (per unit, mean) at ``lo`` and ``hi``."""
    return max(coef[part, j, 0] * (lo - coef[part, j, 1]), coef[part, j, 0] * (hi - coef[part, j, 1]))


@njit(cache=True, nogil=True)
def row_logit(
    nums: np.ndarray, facts: np.ndarray, r: int, coef: np.ndarray, consts: np.ndarray
) -> float:  # pragma: no cover - compiled
    """The highest log-odds of the features fixed by row ``r`` (``prefilter.ROW_FEATURES``, after
    the 12 group features in ``coef``) plus its part's intercept and constant features
    (``consts``): ``nums`` are per row its heaviest token reaching nothing, heaviest token and
    tokens (at most 6), ``facts`` its part, consonant keys, schema wanted and legal form."""
    part, consonant = facts[r, 0], float(facts[r, 1])
    z = consts[2 + part]
    z += _highest(coef, part, 12, nums[r, 0], nums[r, 1])
    z += _highest(coef, part, 13, 0.0, nums[r, 1])
    z += _highest(coef, part, 14, nums[r, 2], nums[r, 2])
    z += _highest(coef, part, 15, consonant, consonant)
    z += _highest(coef, part, 16, float(part), float(part))
    return z


@njit(cache=True, nogil=True)
def group_logit(
    query_total: float,
    q_ub: float,
    c_ub: float,
    surname_ub: float,
    listed_total: float,
    row_z: float,
    row_facts: np.ndarray,
    r: int,
    names: np.ndarray,
    v: int,
    coef: np.ndarray,
) -> float:  # pragma: no cover - compiled
    """The highest log-odds the features of row ``r`` against name ``v`` can take but the blend
    (its bound is the caller's, ``_highest`` of feature 0): those fixed
    by the row (``row_z``) and by the name (its record in ``names``, see
    ``prefilter.VariantBounds``) given, those of ``prefilter.GROUP_FEATURES`` (in that order in
    ``coef``) bounded from the pair's sums. ``row_facts``: per row its part, consonant keys,
    schema index wanted (-1: any), legal form."""
    part, want, company = row_facts[r, 0], row_facts[r, 2], row_facts[r, 3]
    w_surname, var_z = np.float64(names[v, 0]), np.float64(names[v, 1 + part])
    listed, one, initials = int(names[v, 3]), np.float64(names[v, 4]), names[v, 5] > 0
    qc = min(q_ub / max(query_total, 1e-6), 1.0)
    mismatch = 1.0 if want >= 0 and want != listed and listed < VESSEL else 0.0
    craft = 1.0 if listed >= VESSEL and want < VESSEL else 0.0
    surname_cov = min(surname_ub / max(w_surname, 1e-6), 1.0) if w_surname > 0 else 0.0
    ini_person = 1.0 if initials and want == PERSON else 0.0
    cp = 1.0 if company and listed == PERSON else 0.0
    z = row_z + var_z
    z += _highest(coef, part, 1, 0.0, qc)
    z += _highest(coef, part, 2, 0.0, np.log1p(c_ub))
    z += _highest(coef, part, 3, max(query_total - q_ub, 0.0), query_total)
    z += _highest(coef, part, 4, max(listed_total - c_ub, 0.0), listed_total)
    z += _highest(coef, part, 5, 0.0, surname_cov)
    z += _highest(coef, part, 6, one * (1 - qc), one)
    z += _highest(coef, part, 7, ini_person, ini_person)
    z += _highest(coef, part, 8, mismatch, mismatch)
    z += _highest(coef, part, 9, craft, craft)
    z += _highest(coef, part, 10, 0.0, craft)
    z += _highest(coef, part, 11, cp, cp)
    return z


@njit(cache=True, nogil=True)
def _identical(
    blend_ub: float, c_ub: float, row_facts: np.ndarray, r: int, names: np.ndarray, v: int, consts: np.ndarray
) -> bool:  # pragma: no cover - compiled
    """Whether row ``r`` and name ``v`` may be identical names, which score 1 whatever the model
    (``calibration.calibrated``; a hair of slack: the sums are float32)."""
    want, listed = row_facts[r, 2], int(names[v, 3])
    mismatch = want >= 0 and want != listed and listed < VESSEL
    return blend_ub >= 0.9998 and c_ub >= consts[0] * (1 - 1e-5) and not mismatch and names[v, 6] == 0


@njit(cache=True, nogil=True)
def align(
    R: np.ndarray,
    Q: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    S: np.ndarray,
    q_contrib: np.ndarray,
    c_contrib: np.ndarray,
):  # pragma: no cover - compiled
    """Per (row, variant) group of triples (given sorted by group, in their order inside one), its
    one-to-one alignment.

    Each round, a free triple pairs when it is the best free triple of its query token (``Q``)
    and of its listed position (``P``) in the group: highest similarity ``S``, then first in
    order; tokens that paired are used, and triples holding one are no longer free. ``q_contrib``
    and ``c_contrib``: what each triple explains of the query and of the listed name if it pairs
    (similarity times the token's weight, float32, computed by numpy: a fused multiply-add here
    would round otherwise). Returns per group its row, variant, and matched query and listed
    weight (float32, summed in the order the pairs formed: round, then triple order); and the
    pairs (triple positions) of group g at ``chosen[ptr[g]:ptr[g + 1]]``, in that order."""
    n = len(R)
    groups = 0  # allocated at their number: a million-name list's queries have ~1e5 triples
    for j in range(n):
        if j == 0 or R[j] != R[j - 1] or V[j] != V[j - 1]:
            groups += 1
    row = np.empty(groups, np.int64)
    var = np.empty(groups, np.int64)
    q_sum = np.empty(groups, np.float32)
    c_sum = np.empty(groups, np.float32)
    ptr = np.empty(groups + 1, np.int64)
    chosen = np.empty(n, np.int64)
    free = np.empty(n, np.bool_)
    best = np.empty(n, np.bool_)
    found = 0
    g = 0
    a = 0
    while a < n:
        b = a
        while b < n and R[b] == R[a] and V[b] == V[a]:
            b += 1
        ptr[g] = found
        for j in range(a, b):
            free[j] = True
        while True:
            any_pair = False
            for j in range(a, b):
                best[j] = False
                if not free[j]:
                    continue
                ok = True
                for k in range(a, b):
                    if k == j or not free[k] or (Q[k] != Q[j] and P[k] != P[j]):
                        continue
                    if S[k] > S[j] or (S[k] == S[j] and k < j):
                        ok = False
                        break
                best[j] = ok
                any_pair = any_pair or ok
            if not any_pair:
                break
            for j in range(a, b):  # this round's pairs, in order
                if best[j]:
                    chosen[found] = j
                    found += 1
            for j in range(a, b):
                if best[j]:
                    for k in range(a, b):
                        if Q[k] == Q[j] or P[k] == P[j]:
                            free[k] = False
        qs = np.float32(0.0)
        cs = np.float32(0.0)
        for i in range(ptr[g], found):
            qs += q_contrib[chosen[i]]
            cs += c_contrib[chosen[i]]
        row[g] = R[a]
        var[g] = V[a]
        q_sum[g] = qs
        c_sum[g] = cs
        g += 1
        a = b
    ptr[groups] = found
    return row, var, q_sum, c_sum, ptr, chosen[:found]


@njit(cache=True, nogil=True)
def figures(
    groups: np.ndarray,
    row: np.ndarray,
    var: np.ndarray,
    ptr: np.ndarray,
    chosen: np.ndarray,
    Q: np.ndarray,
    P: np.ndarray,
    S: np.ndarray,
    c_contrib: np.ndarray,
    qw: np.ndarray,
    row_off: np.ndarray,
    var_ptr: np.ndarray,
    var_weight: np.ndarray,
    var_role: np.ndarray,
    head: np.ndarray,
    given: int,
    surname: int,
):  # pragma: no cover - compiled
    """What the calibrated score needs of the alignments of ``groups`` (those worth it: the others'
    listed tokens are never read), from ``align``'s pairs: listed given-name and surname weight
    matched (float64, summed in pair order), pairs, identical pairs, weakest similarity, weakest
    given-name and surname similarity (1: none), heaviest query token and listed token left
    unmatched, query and listed tokens, and listed heads aligned (first surname, first given name)."""
    m = len(groups)
    c_given = np.zeros(m, np.float64)
    c_surname = np.zeros(m, np.float64)
    pairs = np.empty(m, np.int64)
    exact = np.zeros(m, np.int64)
    sim_min = np.ones(m, np.float32)
    given_sim = np.ones(m, np.float32)
    surname_sim = np.ones(m, np.float32)
    q_miss = np.zeros(m, np.float32)
    c_miss = np.zeros(m, np.float32)
    q_tokens = np.empty(m, np.int64)
    c_tokens = np.empty(m, np.int64)
    heads = np.zeros(m, np.int64)
    q_used = np.zeros(64, np.bool_)
    c_used = np.zeros(64, np.bool_)
    for i in range(m):
        g = groups[i]
        r0 = row[g]
        start = var_ptr[var[g]]
        pairs[i] = ptr[g + 1] - ptr[g]
        for t in chosen[ptr[g] : ptr[g + 1]]:
            s = S[t]
            at = start + P[t]
            role = var_role[at]
            if role == given:
                c_given[i] += np.float64(c_contrib[t])
                given_sim[i] = min(given_sim[i], s)
            elif role == surname:
                c_surname[i] += np.float64(c_contrib[t])
                surname_sim[i] = min(surname_sim[i], s)
            if s >= EXACT:
                exact[i] += 1
            sim_min[i] = min(sim_min[i], s)
            if head[at]:
                heads[i] += 1
            q_used[Q[t]] = True
            c_used[P[t]] = True
        q_tokens[i] = row_off[r0 + 1] - row_off[r0]
        c_tokens[i] = var_ptr[var[g] + 1] - start
        for k in range(q_tokens[i]):
            if not q_used[k]:
                q_miss[i] = max(q_miss[i], qw[row_off[r0] + k])
            q_used[k] = False
        for k in range(c_tokens[i]):
            if not c_used[k]:
                c_miss[i] = max(c_miss[i], var_weight[start + k])
            c_used[k] = False
    return (
        c_given,
        c_surname,
        pairs,
        exact,
        sim_min,
        given_sim,
        surname_sim,
        q_miss,
        c_miss,
        q_tokens,
        c_tokens,
        heads,
    )


@njit(cache=True, nogil=True)
def _common(a: np.uint64, b: np.uint64) -> int:  # pragma: no cover - compiled
    """Bits set in both (LLVM turns the loop into one popcount instruction)."""
    x = a & b
    c = 0
    while x:
        x &= x - np.uint64(1)
        c += 1
    return c


@njit(cache=True, nogil=True)
def signature_candidates(
    sig: np.uint64,
    loose: int,
    by_length_sig: np.ndarray,
    by_length: np.ndarray,
    lo: int,
    threshold: np.ndarray,
    signature: np.ndarray,
    length: np.ndarray,
    table: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """``neighbours.NeighbourSearch.candidates`` in one pass: the sorted positions whose common
    characters with the query (signature ``sig``, ``loose`` occurrences without a bit) reach what
    their length needs, first among the length-ordered span from ``lo`` (``threshold`` each, no
    prefix shared) outside the nested prefix ranges ``starts``/``ends`` (k + 1 first characters
    shared inside the k-th), then inside those ranges (``table[prefix, length]``)."""
    out = np.empty(len(threshold) + (ends[0] - starts[0] if len(starts) else 0), np.int64)
    n = 0
    lo1 = starts[0] if len(starts) else 0
    hi1 = ends[0] if len(starts) else 0
    for i in range(len(threshold)):
        if _common(by_length_sig[lo + i], sig) >= threshold[i] - loose:
            p = by_length[lo + i]
            if p < lo1 or p >= hi1:
                out[n] = p
                n += 1
    for j in range(lo1, hi1):
        prefix = 0
        for k in range(len(starts)):
            if starts[k] <= j < ends[k]:
                prefix = k + 1
        if _common(signature[j], sig) >= table[prefix, length[j]] - loose:
            out[n] = j
            n += 1
    return out[:n]
