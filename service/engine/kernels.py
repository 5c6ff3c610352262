"""Compiled loops (numba) for the steps of scoring that numpy can only do with many small sorts
and scatters: which (row, name) pairs the token triples can lift to the floor (``reaching``) and,
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

EXACT = 0.999  # an aligned pair this similar counts as spelled the same


@njit(cache=True, nogil=True)
def reaching(
    R: np.ndarray,
    V: np.ndarray,
    q_w: np.ndarray,
    listed: np.ndarray,
    floors: np.ndarray,
    totals: np.ndarray,
    var_wsum: np.ndarray,
    miss_query: float,
    miss_listed: float,
    acc: np.ndarray,
) -> np.ndarray:  # pragma: no cover - compiled
    """Per triple: whether the (row ``R``, variant ``V``) pair it belongs to can reach its row's
    floor (always where the floor is 0), bounded as if the query weight ``q_w`` and the listed
    weight ``listed`` (similarity-weighted) of all the pair's triples, summed in float32 in
    triple order, aligned in full and every other token of the row (``totals``) and of the name
    (``var_wsum``) were missed. ``blend`` grows with matched and shrinks with missed weight and
    its damping never raises a score; a query token aligns with one listed token at most, and
    only with one it reaches, so no alignment does better. A hair of slack covers float32
    rounding. Triples come row by row; ``acc`` is zeros, two per variant side by side (its query
    and listed sums: one cache line), and is left so. (numpy gathers ``q_w`` faster than this loop
    would; ``listed`` comes with the postings.)"""
    n = len(R)
    keep = np.empty(n, np.bool_)
    a = 0
    while a < n:
        r = R[a]
        b = a
        while b < n and R[b] == r:
            b += 1
        floor = floors[r]
        if floor <= 0:
            for i in range(a, b):
                keep[i] = True
            a = b
            continue
        for i in range(a, b):
            acc[2 * V[i]] += q_w[i]
            acc[2 * V[i] + 1] += listed[i]
        query_total = totals[r]
        for i in range(a, b):
            qm = min(np.float64(acc[2 * V[i]]), query_total)
            cm = min(acc[2 * V[i] + 1], var_wsum[V[i]])
            m = (qm + cm) / 2
            missed = miss_query * (query_total - qm) + miss_listed * (var_wsum[V[i]] - cm)
            keep[i] = m >= (floor - 1e-4) * max(m + missed, 1e-6)
        for i in range(a, b):
            acc[2 * V[i]] = 0.0
            acc[2 * V[i] + 1] = 0.0
        a = b
    return keep


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
