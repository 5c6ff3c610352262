"""The compiled loops of ``service.engine.kernels`` against plain-Python versions written from
their definitions: per (row, name) the sums that bound it, the one-to-one alignment (mutual best
pairs in rounds, ties to the first triple) and its figures. Random triples with few distinct
tokens, positions and similarities, so that ties and shared tokens are frequent."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from service.engine import kernels

GIVEN, SURNAME = 1, 2


@st.composite
def triples(draw: st.DrawFn) -> dict:
    """Triples row by row (rows ascending), as ``score_rows`` builds them, over a small index."""
    nvar = draw(st.integers(1, 6))
    var_len = np.asarray(draw(st.lists(st.integers(1, 5), min_size=nvar, max_size=nvar)), np.int64)
    var_ptr = np.concatenate(([0], np.cumsum(var_len))).astype(np.int64)
    ntok = int(var_ptr[-1])
    rows = draw(st.integers(1, 4))
    q_len = np.asarray(draw(st.lists(st.integers(1, 4), min_size=rows, max_size=rows)), np.int64)
    R, Q, V, P = [], [], [], []
    for r in range(rows):
        for _ in range(draw(st.integers(0, 12))):
            v = draw(st.integers(0, nvar - 1))
            R.append(r)
            Q.append(draw(st.integers(0, int(q_len[r]) - 1)))
            V.append(v)
            P.append(draw(st.integers(0, int(var_len[v]) - 1)))
    n, nq = len(R), int(q_len.sum())
    sims = st.sampled_from([0.3, 0.5, 0.9, 0.9995, 1.0])
    weights = st.sampled_from([0.5, 1.25, 3.0, 7.5])
    return {
        "nvar": nvar,
        "var_ptr": var_ptr,
        "var_weight": np.asarray(draw(st.lists(weights, min_size=ntok, max_size=ntok)), np.float32),
        "var_role": np.asarray(draw(st.lists(st.integers(0, 3), min_size=ntok, max_size=ntok)), np.int8),
        "head": np.asarray(draw(st.lists(st.booleans(), min_size=ntok, max_size=ntok)), bool),
        "row_off": np.concatenate(([0], np.cumsum(q_len))).astype(np.int64),
        "qw": np.asarray(draw(st.lists(weights, min_size=nq, max_size=nq)), np.float32),
        "floors": np.asarray(draw(st.lists(st.sampled_from([0.0, 0.2, 0.5]), min_size=rows, max_size=rows))),
        "R": np.asarray(R, np.int64),
        "Q": np.asarray(Q, np.int64),
        "V": np.asarray(V, np.int64),
        "P": np.asarray(P, np.int64),
        "S": np.asarray(draw(st.lists(sims, min_size=n, max_size=n)), np.float32),
    }


def reference_reaching(t: dict, q_w: np.ndarray, listed: np.ndarray, totals: np.ndarray) -> list[bool]:
    wsum = np.add.reduceat(t["var_weight"], t["var_ptr"][:-1])
    out = []
    for i in range(len(t["R"])):
        r, v = t["R"][i], t["V"][i]
        if t["floors"][r] <= 0:
            out.append(True)
            continue
        same = [j for j in range(len(t["R"])) if t["R"][j] == r and t["V"][j] == v]
        q, c = np.float32(0), np.float32(0)
        for j in same:
            q, c = np.float32(q + q_w[j]), np.float32(c + listed[j])
        qm, cm = min(float(q), totals[r]), float(min(c, wsum[v]))
        m = (qm + cm) / 2
        missed = 0.5 * (totals[r] - qm) + 1.0 * (float(wsum[v]) - cm)
        out.append(m >= (t["floors"][r] - 1e-4) * max(m + missed, 1e-6))
    return out


@given(triples())
@settings(max_examples=300, deadline=None)
def test_reaching_bounds_each_pair_from_all_its_triples(t: dict) -> None:
    q_w = t["qw"][t["row_off"][t["R"]] + t["Q"]]
    listed = (t["S"] * t["var_weight"][t["var_ptr"][t["V"]] + t["P"]]).astype(np.float32)
    totals = np.add.reduceat(t["qw"], t["row_off"][:-1]).astype(np.float64)
    wsum = np.add.reduceat(t["var_weight"], t["var_ptr"][:-1])
    acc = np.zeros(4 * t["nvar"], np.float32)
    blend = np.array([0.5, 1.0, 10.0, 0.5, 8.0])
    none = np.zeros(len(t["R"]), bool)
    keep = kernels.reaching(
        t["R"], t["V"], q_w, listed, t["floors"], totals, wsum, blend, acc, none, kernels.NO_BOUND
    )
    assert keep.tolist() == reference_reaching(t, q_w, listed, totals)
    assert not acc.any()  # the scratch is left zeroed for the next call


def reference_align(R, Q, V, P, S):
    """Per group (consecutive triples of one row and variant): the pairs in the order they form."""
    groups, a = [], 0
    while a < len(R):
        b = a
        while b < len(R) and (R[b], V[b]) == (R[a], V[a]):
            b += 1
        free, chosen = set(range(a, b)), []
        while free:

            def beats(k: int, j: int) -> bool:
                return S[k] > S[j] or (S[k] == S[j] and k < j)

            best = [
                j
                for j in sorted(free)
                if not any(beats(k, j) for k in free if k != j and (Q[k] == Q[j] or P[k] == P[j]))
            ]
            chosen += best
            used_q, used_p = {Q[j] for j in best}, {P[j] for j in best}
            free = {k for k in free if Q[k] not in used_q and P[k] not in used_p}
        groups.append((a, chosen))
        a = b
    return groups


@given(triples())
@settings(max_examples=300, deadline=None)
def test_align_pairs_mutual_best_triples_in_rounds_and_its_figures(t: dict) -> None:
    o = np.argsort(t["R"] * t["nvar"] + t["V"], kind="stable")
    R, Q, V, P, S = (t[k][o] for k in "RQVPS")
    q_contrib = (S * t["qw"][t["row_off"][R] + Q]).astype(np.float32)
    c_contrib = (S * t["var_weight"][t["var_ptr"][V] + P]).astype(np.float32)
    row, var, q_sum, c_sum, ptr, chosen = kernels.align(R, Q, V, P, S, q_contrib, c_contrib)
    expected = reference_align(R, Q, V, P, S)
    assert len(row) == len(expected)
    assert np.concatenate([c for _, c in expected] or [np.zeros(0, np.int64)]).tolist() == chosen.tolist()
    groups = np.arange(len(row))[::-1].copy()  # any subset, in any order
    figures = kernels.figures(
        groups, row, var, ptr, chosen, Q, P, S, c_contrib, t["qw"], t["row_off"], t["var_ptr"],
        t["var_weight"], t["var_role"], t["head"], GIVEN, SURNAME,
    )  # fmt: skip
    for i, g in enumerate(groups):
        a, pairs = expected[g]
        assert (row[g], var[g]) == (R[a], V[a])
        assert chosen[ptr[g] : ptr[g + 1]].tolist() == pairs
        qs, cs = np.float32(0), np.float32(0)
        for j in pairs:
            qs, cs = np.float32(qs + q_contrib[j]), np.float32(cs + c_contrib[j])
        assert (q_sum[g], c_sum[g]) == (qs, cs)
        start = t["var_ptr"][V[a]]
        at = [start + P[j] for j in pairs]
        role = t["var_role"][at]
        given_w = sum(float(c_contrib[j]) for j, x in zip(pairs, role, strict=True) if x == GIVEN)
        surname_w = sum(float(c_contrib[j]) for j, x in zip(pairs, role, strict=True) if x == SURNAME)
        q_tokens = t["row_off"][R[a] + 1] - t["row_off"][R[a]]
        c_tokens = t["var_ptr"][V[a] + 1] - start
        q_left = [t["qw"][t["row_off"][R[a]] + k] for k in range(q_tokens) if k not in {Q[j] for j in pairs}]
        c_left = [t["var_weight"][start + k] for k in range(c_tokens) if k not in {P[j] for j in pairs}]
        want = (
            given_w,
            surname_w,
            len(pairs),
            sum(S[j] >= kernels.EXACT for j in pairs),
            min([1.0, *(S[j] for j in pairs)]),
            min([1.0, *(S[j] for j, x in zip(pairs, role, strict=True) if x == GIVEN)]),
            min([1.0, *(S[j] for j, x in zip(pairs, role, strict=True) if x == SURNAME)]),
            max([0.0, *q_left]),
            max([0.0, *c_left]),
            q_tokens,
            c_tokens,
            int(t["head"][at].sum()),
        )
        got = tuple(f[i] for f in figures)
        assert got == want
