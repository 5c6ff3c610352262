"""jellyfish's phonetic codes and edit distance over the aligned token pairs of a candidate, as
candidate features of the calibrated score (``train_score.py --jellyfish``, ``score_compare.py``).

The alignment pairs each query token with at most one listed token (``kernels.align``); for the
pairs of the candidates screening scores, ``PairPhonetics.figures`` (a ``scoring.PairHook``) gives
per candidate how much of the matched listed weight agrees on Metaphone, on NYSIIS and on the
Match Rating comparison, whether every pair does, and the Damerau-Levenshtein similarity of its
pairs (weighted mean and minimum). Each distinct (query token, listed token) pair is computed once.
The engine does not use them: on the dev validation split none added recall at the 1% point
beyond the noise (bench/README.md, "jellyfish as features").
"""

from __future__ import annotations

import jellyfish
import numpy as np

from service.engine.normalize import CONSONANT_MARK
from service.engine.romanize import ALT_SEP, CLOSE_MARK

PAIR_FIGURES = (
    "metaphone",  # share of the matched listed weight whose pair has the same Metaphone code
    "nysiis",  # ...the same NYSIIS code
    "match_rating",  # ...passes jellyfish's Match Rating comparison
    "dl_mean",  # Damerau-Levenshtein similarity (1 - distance / longer length), weighted mean
    "dl_min",  # ...of the least similar pair
    "metaphone_all",  # every pair has the same Metaphone code (0/1)
    "nysiis_all",
    "match_rating_all",
)
_NONE = (0.0, 0.0, 0.0, 0.0)  # a consonant key of an Arabic-script word: no spelling to code


def _pair(q: str, c: str) -> tuple[float, float, float, float]:
    """(Metaphone agrees, NYSIIS agrees, Match Rating agrees, Damerau-Levenshtein similarity)."""
    if q == c:
        return (1.0, 1.0, 1.0, 1.0)
    dl = 1.0 - jellyfish.damerau_levenshtein_distance(q, c) / max(len(q), len(c), 1)
    return (
        float(jellyfish.metaphone(q) == jellyfish.metaphone(c)),
        float(jellyfish.nysiis(q) == jellyfish.nysiis(c)),
        float(bool(jellyfish.match_rating_comparison(q, c))),
        dl,
    )


class PairPhonetics:
    """The figures of (query token, listed vocabulary token) pairs, cached (bounded)."""

    def __init__(self, vocab: np.ndarray, max_pairs: int = 1 << 20):
        self.vocab = vocab
        self._cache: dict[tuple[str, int], tuple[float, float, float, float]] = {}
        self._max = max_pairs

    def pair(self, q: str, v: int) -> tuple[float, float, float, float]:
        got = self._cache.get((q, v))
        if got is None:
            if len(self._cache) > self._max:
                self._cache.clear()
            c = str(self.vocab[v])
            if q.startswith(CONSONANT_MARK):
                got = _NONE
            elif ALT_SEP in q:  # the romanizations of a word in another script: the best of them
                alts = [_pair(a.lstrip(CLOSE_MARK), c) for a in q.split(ALT_SEP)]
                got = (*(max(a[i] for a in alts) for i in range(4)),)  # type: ignore[assignment]
            else:
                got = _pair(q, c)
            self._cache[(q, v)] = got
        return got

    def figures(
        self, tokens: list[str], pk: np.ndarray, pq: np.ndarray, pv: np.ndarray, pw: np.ndarray, n: int
    ) -> np.ndarray:
        """``scoring.PairHook``: PAIR_FIGURES of each of the ``n`` candidates."""
        out = np.zeros((n, len(PAIR_FIGURES)), np.float32)
        if not len(pq):
            return out
        ids: dict[str, int] = {}
        tid = np.fromiter((ids.setdefault(t, len(ids)) for t in tokens), np.int64, len(tokens))
        names, nv = list(ids), len(self.vocab)
        uniq, inv = np.unique(tid[pq] * nv + pv, return_inverse=True)
        vals = np.array([self.pair(names[k // nv], k % nv) for k in uniq.tolist()], np.float64)[inv]
        w = pw.astype(np.float64)
        total = np.maximum(np.bincount(pk, w, n), 1e-9)
        for j in range(4):
            out[:, j] = np.bincount(pk, w * vals[:, j], n) / total
        for j, col in ((4, 3), (5, 0), (6, 1), (7, 2)):
            least = np.ones(n)
            np.minimum.at(least, pk, vals[:, col])
            out[:, j] = least
        return out
