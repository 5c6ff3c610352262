"""The vocabulary tokens that can be Jaro-Winkler-alike to a query token, without comparing all.

A cold query token used to be compared with the whole vocabulary (~27k tokens, ~3 ms a token);
this finds the same pairs from bounds that hold for every pair, then compares only the few
tokens left (rapidfuzz), so the result is exactly the full scan's.

The bounds. Strings of lengths l1 and l2 with m matching characters have a Jaro similarity
J <= (m/l1 + m/l2 + 1) / 3, and m is at most the number of characters (repetitions counted)
they have in common; Jaro-Winkler adds 0.1 * prefix * (1 - J) when J > 0.7, the prefix being
the common first characters, at most 4. So a cutoff c needs J >= max(0.7, (c - 0.1 p) / (1 - 0.1 p))
(or J >= c when c <= 0.7), which needs a least number of common characters for each
(prefix, l2): the ``_needed`` table of a query token. Each vocabulary token keeps a 64-bit
signature of its character counts (one bit per (character, k-th occurrence), the 64 most
frequent in the vocabulary; occurrences without a bit are counted as possibly common), so the
common characters are bounded by one AND and one popcount (``kernels.signature_candidates``, one
compiled pass per query token). The vocabulary is sorted, so the tokens sharing the query's first
k characters are one range (``bisect``): the prefix costs nothing.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.engine import kernels

SYMBOLS = 27  # a..z, and one class for every other character
MAX_REPEAT = 8  # the k-th occurrences of a character a signature bit may stand for
SIGNED_CHARS = 64  # characters of a token read into its signature; a longer token matches any
PREFIX_WEIGHT = 0.1  # rapidfuzz's Jaro-Winkler default
MAX_PREFIX = 4
BOOST_THRESHOLD = 0.7  # Jaro-Winkler adds the prefix bonus only above this Jaro similarity
_SLACK = 1e-6  # scores are compared in float32 afterwards: never drop a pair at a hair under


@dataclass(slots=True)
class Neighbours:
    """A vocabulary prepared for neighbour search (built once per list version, cached with the index)."""

    order: np.ndarray  # int32: vocabulary ids in the lexicographic order of their strings
    signature: np.ndarray  # uint64 per sorted position: its (character, k-th occurrence) bits
    length: np.ndarray  # int32 per sorted position
    by_length: np.ndarray  # int32: sorted positions in the order of their lengths
    bits: np.ndarray  # int8 (SYMBOLS, MAX_REPEAT): the bit of the k-th occurrence of a character, or -1

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (self.order, self.signature, self.length, self.by_length, self.bits))


def build_neighbours(strings: np.ndarray | list[str]) -> Neighbours:
    """Sort the vocabulary and compute every token's signature, vectorized."""
    strings = [str(s) for s in strings]
    n = len(strings)
    order = np.asarray(sorted(range(n), key=strings.__getitem__), np.int32)
    ordered = [strings[i] for i in order]
    length = np.fromiter((len(s) for s in ordered), np.int32, n)
    by_length = np.argsort(length, kind="stable").astype(np.int32)
    bits = np.full(SYMBOLS * MAX_REPEAT, -1, np.int8)
    if n == 0:
        return Neighbours(order, np.zeros(0, np.uint64), length, by_length, bits.reshape(SYMBOLS, MAX_REPEAT))
    chars = np.array([s[:SIGNED_CHARS] for s in ordered], dtype=f"<U{SIGNED_CHARS}").view(np.uint32)
    chars = chars.reshape(n, SIGNED_CHARS)
    valid = chars != 0
    sym = np.where((chars >= 97) & (chars <= 122), chars.astype(np.int64) - 97, SYMBOLS - 1)
    rows = np.broadcast_to(np.arange(n)[:, None], chars.shape)
    counts = np.bincount((rows[valid] * SYMBOLS + sym[valid]), minlength=n * SYMBOLS).reshape(n, SYMBOLS)
    # The 64 (character, k-th occurrence) elements most tokens have get a bit each.
    held = (counts[:, :, None] > np.arange(MAX_REPEAT)).sum(axis=0)  # (SYMBOLS, MAX_REPEAT)
    ranked = np.argsort(-held, axis=None, kind="stable")[:64]
    ranked = ranked[held.ravel()[ranked] > 0]
    bits[ranked] = np.arange(len(ranked))
    has = np.zeros((n, 64), bool)
    has[:, : len(ranked)] = counts[:, ranked // MAX_REPEAT] > (ranked % MAX_REPEAT)
    signature = np.packbits(has, axis=1, bitorder="little").view("<u8").ravel().astype(np.uint64)
    signature[length > SIGNED_CHARS] = np.uint64(0xFFFFFFFFFFFFFFFF)  # not read whole: any overlap
    return Neighbours(order, signature, length, by_length, bits.reshape(SYMBOLS, MAX_REPEAT))


class NeighbourSearch:
    """Exact Jaro-Winkler neighbours of query strings in one vocabulary, through ``Neighbours``.

    Tokens sharing no first character with the query need the most characters in common: they are
    tested in the order of their lengths against a threshold per length (cached per query length).
    Tokens sharing the first characters are one small range of the sorted vocabulary.
    """

    def __init__(self, strings: np.ndarray | list[str], nb: Neighbours):
        self.nb = nb
        self.sorted = [str(strings[i]) for i in nb.order]
        self._strings = np.array(self.sorted, dtype=object)
        self._max_len = int(nb.length.max(initial=0))
        self._sig_by_length = nb.signature[nb.by_length]
        self._length_start = np.searchsorted(nb.length[nb.by_length], np.arange(self._max_len + 2))
        self._plans: dict[tuple, tuple[np.ndarray, np.ndarray, int]] = {}

    def search(
        self, queries: list[str], cutoff: float, score_cutoff: float, short: tuple[int, float] = (0, 0.0)
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(query row, vocabulary id, similarity) of every pair with Jaro-Winkler >= ``cutoff``
        (>= ``short[1]`` where either string has at most ``short[0]`` characters), the similarity
        as ``rapidfuzz.process.cdist(..., dtype=float32, score_cutoff=score_cutoff)`` gives it
        (``score_cutoff`` <= ``cutoff``: pairs in between may come back too)."""
        out_r, out_v, out_s = [], [], []
        for r, q in enumerate(queries):
            pos = self.candidates(q, cutoff, short)
            if not len(pos):
                continue
            sim = process.cdist(
                [q],
                self._strings[pos],
                scorer=JaroWinkler.normalized_similarity,
                dtype=np.float32,
                score_cutoff=score_cutoff,
            )[0]
            keep = np.flatnonzero(sim)
            out_r.append(np.full(len(keep), r, np.int64))
            out_v.append(pos[keep])
            out_s.append(sim[keep])
        if not out_r:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return (
            np.concatenate(out_r),
            self.nb.order[np.concatenate(out_v)].astype(np.int64),
            np.concatenate(out_s),
        )

    def candidates(self, q: str, cutoff: float, short: tuple[int, float] = (0, 0.0)) -> np.ndarray:
        """Sorted positions whose bound reaches the cutoff: a superset of the tokens whose
        Jaro-Winkler similarity to ``q`` does."""
        nb = self.nb
        sig, loose = self._signature(q)
        table, threshold, lo = self._plan(len(q), cutoff, short)
        # Tokens sharing the first k characters: nested ranges of the sorted vocabulary.
        starts, ends = [], []
        start, end = 0, len(self.sorted)
        for k in range(1, min(len(q), MAX_PREFIX) + 1):
            start = bisect_left(self.sorted, q[:k], start, end)
            end = bisect_left(self.sorted, q[: k - 1] + chr(ord(q[k - 1]) + 1), start, end)
            if start == end:
                break
            starts.append(start)
            ends.append(end)
        return kernels.signature_candidates(
            np.uint64(sig),
            loose,
            self._sig_by_length,
            nb.by_length,
            lo,
            threshold,
            nb.signature,
            nb.length,
            table,
            np.asarray(starts, np.int64),
            np.asarray(ends, np.int64),
        )

    def _signature(self, q: str) -> tuple[int, int]:
        """The query's signature over this vocabulary's bits, and its occurrences without a bit."""
        counts: dict[int, int] = {}
        for ch in q:
            s = ord(ch) - 97
            s = s if 0 <= s < SYMBOLS - 1 else SYMBOLS - 1
            counts[s] = counts.get(s, 0) + 1
        sig, loose = 0, 0
        bits = self.nb.bits
        for s, c in counts.items():
            for k in range(min(c, MAX_REPEAT)):
                b = int(bits[s, k])
                if b >= 0:
                    sig |= 1 << b
                else:
                    loose += 1
            loose += max(c - MAX_REPEAT, 0)
        return sig, loose

    def _plan(self, l1: int, cutoff: float, short: tuple[int, float]) -> tuple[np.ndarray, np.ndarray, int]:
        """For a query length: the ``needed_table``, and the common characters needed by each
        token sharing no first character, over the span of the length order where some can (from
        position ``lo``)."""
        key = (l1, cutoff, short)
        plan = self._plans.get(key)
        if plan is None:
            table = needed_table(l1, self._max_len, cutoff, short)
            lengths = np.flatnonzero(table[0] < NEVER)
            if len(lengths):
                lo, hi = int(self._length_start[lengths[0]]), int(self._length_start[lengths[-1] + 1])
            else:
                lo = hi = 0
            threshold = table[0][self.nb.length[self.nb.by_length[lo:hi]]]
            plan = self._plans[key] = (table, threshold, lo)
        return plan


NEVER = 1 << 14  # more common characters than any two names have


def needed_table(l1: int, max_len: int, cutoff: float, short: tuple[int, float] = (0, 0.0)) -> np.ndarray:
    """needed[p, l2]: the common characters a token of length l2 sharing its first p characters
    with a query of length l1 must have to reach ``cutoff`` (``short[1]`` when either length is
    at most ``short[0]``); NEVER when no number of them is enough. int32 (MAX_PREFIX + 1, max_len + 1)."""
    l2 = np.arange(max_len + 1, dtype=np.float64)
    cut = np.where((l2 <= short[0]) | (l1 <= short[0]), max(cutoff, short[1]), cutoff) - _SLACK
    table = np.full((MAX_PREFIX + 1, max_len + 1), NEVER, np.int32)
    for p in range(MAX_PREFIX + 1):
        boosted = np.maximum((cut - PREFIX_WEIGHT * p) / (1 - PREFIX_WEIGHT * p), BOOST_THRESHOLD)
        j_min = np.where(cut <= BOOST_THRESHOLD, cut, boosted)
        with np.errstate(divide="ignore", invalid="ignore"):
            m = np.ceil((3 * j_min - 1) * l1 * l2 / (l1 + l2) - _SLACK)
        m = np.maximum(m, 1)
        ok = (l2 > 0) & (m <= np.minimum(l1, l2))
        table[p, ok] = m[ok].astype(np.int32)
    return table


def pair_similarity(
    queries: list[str], rows: np.ndarray, strings: np.ndarray, ids: np.ndarray, score_cutoff: float
) -> np.ndarray:
    """Jaro-Winkler of ``queries[rows[i]]`` and ``strings[ids[i]]`` for every i (float32, 0 under
    ``score_cutoff``, as ``cdist`` gives it). ``rows`` ascending: one ``cdist`` row per query,
    which prepares the query once (``cpdist`` would prepare it for every pair)."""
    out = np.zeros(len(rows), np.float32)
    if not len(rows):
        return out
    starts = np.flatnonzero(np.diff(rows, prepend=-1)).tolist() + [len(rows)]
    for a, b in zip(starts[:-1], starts[1:], strict=True):
        out[a:b] = process.cdist(
            [queries[int(rows[a])]],
            strings[ids[a:b]],
            scorer=JaroWinkler.normalized_similarity,
            dtype=np.float32,
            score_cutoff=score_cutoff,
        )[0]
    return out
