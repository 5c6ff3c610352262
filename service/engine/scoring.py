"""Vectorized name scoring: query tokens against the vocabulary, then numpy aggregation.

1. Each distinct query token is compared with the vocabulary tokens that can reach the
   cutoffs (Jaro-Winkler on the folded token and on its transliteration skeleton): bounds on
   length, common prefix and common characters find them without a scan (``neighbours.py``),
   then ``rapidfuzz`` compares those; pairs under a cutoff are dropped. This is the only string
   work. ``full_scan`` compares with the whole vocabulary instead (same pairs, slower: the reference).
2. The surviving (query token, vocabulary token, similarity) triples are expanded through the
   postings into (query row, name variant, position) triples: only names sharing a similar
   token are ever touched, which is exactly the set exhaustive scoring would give a score > 0.
3. numpy sorts and reduces the triples into, per (query row, variant): the weighted share of
   the query explained by the name and the weighted share of the name explained by the query.
   Token weights are inverse document frequencies, so "mohammed" or "trading" count for little
   and a rare surname for much. Their blend, damped when only little rare evidence matched, is
   the score in [0, 1].
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler

from service.engine import kernels
from service.engine.budget import Budget
from service.engine.index import ROLE_GIVEN, ROLE_SURNAME, NameIndex
from service.engine.neighbours import NeighbourSearch, pair_similarity
from service.engine.normalize import CONSONANT_MARK, feminine_pair, skeleton
from service.engine.romanize import ALT_SEP, CLOSE_MARK

_MAXQ = 64  # query tokens per row (more are cut)


@dataclass(frozen=True, slots=True)
class Params:
    """The scorer's knobs; defaults were chosen on the dev evaluation split (see README)."""

    token_cutoff: float = 0.80  # Jaro-Winkler under this is no match at all
    floor: float = 0.78  # similarity is rescaled so that floor -> 0 and 1 -> 1
    skeleton_scale: float = 0.93  # a pair equal only in skeleton counts this much
    skeleton_cutoff: float = 0.90  # skeletons less alike than this do not count
    skeleton_gate: float = 0.7  # ...and count only where the spellings are at least this alike
    long_token: int = 8  # tokens this long are rarely alike by chance: their skeleton counts more
    long_skeleton_scale: float = 0.97
    consonant_cutoff: float = 0.90  # consonant keys of Arabic-script words: at least this alike
    consonant_scale: float = 0.6  # ...and then count this much (keys of 3 letters or less: only equal)
    close_sim: float = 0.75  # a vowel guess for an abjad word counts only this similar (rescaled)
    close_scale: float = 1.0  # ...and then this much (lower: fewer Arabic-script alerts, less recall)
    feminine_scale: float = 0.5  # a name and its feminine form ("Daniel" / "Daniela") count this much
    short_token: int = 3  # tokens this short must match at >= short_cutoff
    short_cutoff: float = 0.92
    miss_query: float = 0.5  # cost of query weight left unmatched (extra words typed)
    miss_listed: float = 1.0  # cost of listed-name weight left unmatched (words not typed)
    evidence_idf: float = 10.0  # matched rarity (sum of idf) needed for full confidence
    evidence_power: float = 0.5
    exact_power: float = 8.0


@dataclass(slots=True)
class TokenMatches:
    """For one query token: the similar vocabulary tokens and their (rescaled) similarity."""

    vocab: np.ndarray  # int32
    sim: np.ndarray  # float32
    var: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))  # postings expansion
    pos: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    vsim: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    # per posting: vsim times the listed token's weight (what it explains of the name), kept with
    # the postings: gathering the weights for every query costs cache misses on a large index
    vlisted: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    # per posting: whether the listed token there is a surname (the calibrated bound's surname sum)
    vsurname: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    _lookup: dict[int, float] | None = None

    def nbytes(self) -> int:
        arrays = (self.vocab, self.sim, self.var, self.pos, self.vsim, self.vlisted, self.vsurname)
        return sum(a.nbytes for a in arrays)

    def by_vocab(self) -> dict[int, float]:
        """vocabulary id -> similarity, for explanations (built once per cached token)."""
        if self._lookup is None:
            self._lookup = dict(zip(self.vocab.tolist(), self.sim.tolist(), strict=True))
        return self._lookup


class TokenMatcher:
    """Query token -> similar vocabulary tokens, with a bounded cache (names repeat a lot)."""

    def __init__(
        self, index: NameIndex, params: Params, cache_bytes: int = 256 << 20, full_scan: bool = False
    ):
        self.index, self.params = index, params
        self.full_scan = full_scan
        self.vocab_id = {t: i for i, t in enumerate(index.vocab)}
        self._skel_found: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # skeleton -> (ids, similarity)
        self._vocab_nb = NeighbourSearch(index.vocab, index.vocab_nb)
        self._skel_nb = NeighbourSearch(index.skel_vocab, index.skel_nb)
        self._ckey_nb = NeighbourSearch(index.ckey_vocab, index.ckey_nb)
        self._vocab = list(index.vocab)
        self._skels = list(index.skel_vocab)
        self._vocab_len = np.fromiter((len(t) for t in self._vocab), np.int32, len(self._vocab))
        self._vocab_final_a = np.fromiter((t.endswith("a") for t in self._vocab), bool, len(self._vocab))
        self._ckeys = list(index.ckey_vocab)
        # skeleton / consonant key id -> the vocabulary tokens that have it (CSR)
        self._skel_members, self._skel_ptr = _members(index.vocab_skel, len(self._skels))
        self._ckey_members, self._ckey_ptr = _members(index.vocab_ckey, len(self._ckeys))
        self._cache: dict[str, TokenMatches] = {}
        self._cache_bytes, self._cached_bytes = cache_bytes, 0

    def match(self, tokens: list[str], budget: Budget | None = None) -> dict[str, TokenMatches]:
        """Each token's matches; with a ``budget``, its deadline is checked between cdist chunks.

        The cache is bounded by bytes, not tokens (on a large list a common token's postings are
        big): past the bound it is cleared, only here at the start of a call, so that every token
        found cached or computed below is still there when the call returns."""
        if self._cached_bytes > self._cache_bytes:
            self._cache.clear()
            self._skel_found.clear()
            self._cached_bytes = 0
        alternatives = [t for t in dict.fromkeys(tokens) if ALT_SEP in t and t not in self._cache]
        if alternatives:
            self._alternatives(alternatives, budget)
        missing = [t for t in dict.fromkeys(tokens) if t not in self._cache]
        if missing:
            for start in range(0, len(missing), 256):
                if budget:
                    budget.check()
                chunk = missing[start : start + 256]
                for tok, tm in zip(chunk, self._compute(chunk), strict=True):
                    self._cache[tok] = tm
                    self._cached_bytes += tm.nbytes()
        return {t: self._cache[t] for t in tokens}

    def _alternatives(self, tokens: list[str], budget: Budget | None = None) -> None:
        """Cache each "a|b|c" token as the best of its alternatives per vocabulary token.

        An alternative marked ``CLOSE_MARK`` (a guess at the vowels of a name written without
        them) counts only where it is close to a listed spelling, its consonant key doing the rest.
        """
        parts = {
            t: [(p.lstrip(CLOSE_MARK), p.startswith(CLOSE_MARK)) for p in t.split(ALT_SEP)] for t in tokens
        }
        found = self.match([p for ps in parts.values() for p, _ in ps], budget)
        for tok, ps in parts.items():
            hits = [(found[p].vocab, found[p].sim, close) for p, close in ps]
            voc = np.concatenate([v for v, _, _ in hits])
            sim = np.concatenate([_close(self.params, s) if close else s for _, s, close in hits])
            order = np.lexsort((-sim, voc))
            first = order[run_starts(voc[order])]
            tm = TokenMatches(voc[first], sim[first])
            tm.var, tm.pos, tm.vsim, tm.vlisted, tm.vsurname = _expand(self.index, tm.vocab, tm.sim)
            self._cache[tok] = tm
            self._cached_bytes += tm.nbytes()

    def _compute(self, tokens: list[str]) -> list[TokenMatches]:
        """Similar vocabulary tokens of each token: rapidfuzz calls, then sparse numpy only."""
        workers = -1 if len(tokens) > 16 and self.full_scan else 1
        latin = [i for i, t in enumerate(tokens) if not t.startswith(CONSONANT_MARK)]
        arabic = [i for i, t in enumerate(tokens) if t.startswith(CONSONANT_MARK)]
        parts = []
        if latin:
            r, v, s = self._spelling_pairs([tokens[i] for i in latin], workers)
            parts.append((np.asarray(latin)[r], v, s))
        if arabic:
            r, v, s = self._consonant_pairs([tokens[i][1:] for i in arabic], workers)
            parts.append((np.asarray(arabic)[r], v, s))
        row = np.concatenate([x[0] for x in parts]).astype(np.int64)
        voc = np.concatenate([x[1] for x in parts]).astype(np.int64)
        sim = np.concatenate([x[2] for x in parts]).astype(np.float32)
        tok_len = np.fromiter((len(t) for t in tokens), np.int32, len(tokens))
        consonant = np.zeros(len(tokens), bool)
        consonant[arabic] = True
        return self._token_matches(tokens, tok_len, consonant, row, voc, sim)

    def _consonant_pairs(self, keys: list[str], workers: int):
        """Arabic-script words, as consonant keys, against the consonant keys of the vocabulary."""
        p = self.params
        if self.full_scan:
            ck = process.cdist(
                keys,
                self._ckeys,
                scorer=JaroWinkler.normalized_similarity,
                dtype=np.float32,
                workers=workers,
                score_cutoff=p.consonant_cutoff,
            )
            r, k = np.nonzero(ck)
            s = ck[r, k]
        else:
            r, k, s = self._ckey_nb.search(keys, p.consonant_cutoff, p.consonant_cutoff)
        short = np.fromiter((len(keys[i]) <= p.short_token for i in r), bool, len(r))
        keep = ~short | (s >= 1.0)
        r, k, s = r[keep], k[keep], s[keep]
        counts = self._ckey_ptr[k + 1] - self._ckey_ptr[k]
        v = self._ckey_members[_ranges(self._ckey_ptr[k], counts)]
        return np.repeat(r, counts), v, np.repeat(s, counts)

    def _spelling_pairs(self, tokens: list[str], workers: int):
        """Folded tokens against the vocabulary: plain Jaro-Winkler, and on skeletons."""
        p = self.params
        gate_cutoff = min(p.token_cutoff, p.skeleton_gate)
        skels = [self._skeleton(t) for t in tokens]
        if self.full_scan:
            plain = process.cdist(
                tokens,
                self._vocab,
                scorer=JaroWinkler.normalized_similarity,
                dtype=np.float32,
                workers=workers,
                score_cutoff=gate_cutoff,
            )
            skel = process.cdist(
                skels,
                self._skels,
                scorer=JaroWinkler.normalized_similarity,
                dtype=np.float32,
                workers=workers,
                score_cutoff=p.skeleton_cutoff,
            )
            r1, v1 = np.nonzero(plain >= p.token_cutoff)
            s1 = plain[r1, v1]
            r2, k2 = np.nonzero(skel)
            sk = skel[r2, k2]
        else:
            # A pair with a short token counts only from short_cutoff on, whichever way it matched.
            r1, v1, s1 = self._vocab_nb.search(
                tokens, p.token_cutoff, gate_cutoff, (p.short_token, p.short_cutoff)
            )
            keep = s1 >= p.token_cutoff
            r1, v1, s1 = r1[keep], v1[keep], s1[keep]
            r2, k2, sk = self._skeleton_pairs(skels)
        # Skeleton pairs, expanded from skeletons to the vocabulary tokens that have them,
        # kept where the plain spellings are at least somewhat alike.
        counts = self._skel_ptr[k2 + 1] - self._skel_ptr[k2]
        v2 = self._skel_members[_ranges(self._skel_ptr[k2], counts)]
        r2, sk = np.repeat(r2, counts), np.repeat(sk, counts)
        tok_len = np.fromiter((len(t) for t in tokens), np.int32, len(tokens))
        scale = np.where(tok_len >= p.long_token, p.long_skeleton_scale, p.skeleton_scale).astype(np.float32)
        s2 = sk * scale[r2]
        if self.full_scan:
            alike = plain[r2, v2]
        else:
            alike = pair_similarity(tokens, r2, self.index.vocab, v2, gate_cutoff)
        gate = alike >= p.skeleton_gate
        return np.concatenate((r1, r2[gate])), np.concatenate((v1, v2[gate])), np.concatenate((s1, s2[gate]))

    def _skeleton(self, token: str) -> str:
        """A listed token's skeleton is in the index; only a new one is computed (regular expressions)."""
        v = self.vocab_id.get(token)
        return skeleton(token) if v is None else self._skels[self.index.vocab_skel[v]]

    def _skeleton_pairs(self, skels: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(token row, skeleton id, similarity), rows ascending, from one search per skeleton not
        seen before: tokens share skeletons ("mohammed", "muhammad", "mohamad")."""
        p = self.params
        new = [sk for sk in dict.fromkeys(skels) if sk not in self._skel_found]
        if new:
            r, k, s = self._skel_nb.search(new, p.skeleton_cutoff, p.skeleton_cutoff)
            cuts = np.searchsorted(r, np.arange(len(new) + 1)).tolist()
            for i, sk in enumerate(new):
                self._skel_found[sk] = (k[cuts[i] : cuts[i + 1]], s[cuts[i] : cuts[i + 1]])
        found = [self._skel_found[sk] for sk in skels]
        counts = np.fromiter((len(f[0]) for f in found), np.int64, len(found))
        if not counts.sum():
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32)
        return (
            np.repeat(np.arange(len(skels)), counts),
            np.concatenate([f[0] for f in found]),
            np.concatenate([f[1] for f in found]),
        )

    def _token_matches(
        self,
        tokens: list[str],
        tok_len: np.ndarray,
        consonant: np.ndarray,
        row: np.ndarray,
        voc: np.ndarray,
        sim: np.ndarray,
    ) -> list[TokenMatches]:
        """Best pair per (token, vocabulary token), cutoffs, rescaling, postings expansion.

        Consonant keys had their own length rule; their similarity is scaled after rescaling, as is
        a name's against its feminine form's.
        """
        p, idx = self.params, self.index
        order = np.lexsort((-sim, voc, row))
        first = order[run_starts(row[order] * len(self._vocab) + voc[order])]
        row, voc, sim = row[first], voc[first], sim[first]
        short = ((self._vocab_len[voc] <= p.short_token) | (tok_len[row] <= p.short_token)) & ~consonant[row]
        keep = (sim >= p.token_cutoff) & (~short | (sim >= p.short_cutoff))
        row, voc = row[keep], voc[keep].astype(np.int32)
        sim = np.clip((sim[keep] - p.floor) / (1.0 - p.floor), 0.0, 1.0)
        sim = (sim * np.where(consonant[row], p.consonant_scale, 1.0)).astype(np.float32)
        sim[self._feminine(tokens, tok_len, row, voc)] *= np.float32(p.feminine_scale)
        bounds = np.searchsorted(row, np.arange(len(tok_len) + 1))
        out = []
        for i in range(len(tok_len)):
            cols, s = voc[bounds[i] : bounds[i + 1]], sim[bounds[i] : bounds[i + 1]]
            tm = TokenMatches(cols, s)
            tm.var, tm.pos, tm.vsim, tm.vlisted, tm.vsurname = _expand(idx, cols, s)
            out.append(tm)
        return out

    def _feminine(
        self, tokens: list[str], tok_len: np.ndarray, row: np.ndarray, voc: np.ndarray
    ) -> np.ndarray:
        """Which (token row, vocabulary token) pairs are a name and its feminine form
        (``normalize.feminine_pair``); only pairs one letter apart, the longer ending in "a", are read."""
        diff = self._vocab_len[voc] - tok_len[row]
        query_a = np.fromiter((t.endswith("a") for t in tokens), bool, len(tokens))
        maybe = np.flatnonzero(((diff == 1) & self._vocab_final_a[voc]) | ((diff == -1) & query_a[row]))
        out = np.zeros(len(row), bool)
        for k in maybe.tolist():
            out[k] = feminine_pair(tokens[row[k]], self._vocab[voc[k]])
        return out


def _close(p: Params, sim: np.ndarray) -> np.ndarray:
    """A vowel guess's similarity: in full where close to the listed spelling, else as a consonant key."""
    return np.where(sim >= p.close_sim, sim * p.close_scale, sim * p.consonant_scale).astype(np.float32)


def _expand(idx: NameIndex, vocab: np.ndarray, sim: np.ndarray):
    """Vocabulary tokens -> every (variant, position) holding them, with the similarity, the
    similarity times the listed token's weight there, and whether that token is a surname."""
    starts = idx.post_ptr[vocab]
    lens = idx.post_ptr[vocab + 1] - starts
    take = _ranges(starts, lens)
    var, pos, vsim = idx.post_var[take], idx.post_pos[take], np.repeat(sim, lens)
    at = idx.var_ptr[var] + pos
    return var, pos, vsim, vsim * idx.var_weight[at], idx.var_role[at] == ROLE_SURNAME


def _members(ids: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR of ``ids``: for each value < n, the positions holding it."""
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(ids, minlength=n), out=ptr[1:])
    return np.argsort(ids, kind="stable").astype(np.int64), ptr


def _ranges(starts: np.ndarray, lens: np.ndarray) -> np.ndarray:
    """Concatenated ``arange(start, start + len)`` for every pair, without a Python loop."""
    total = int(lens.sum())
    if total == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(starts - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    return offsets + np.arange(total)


@dataclass(slots=True)
class RowScores:
    """Scores of name variants for query rows (one row = one variant of one query)."""

    row: np.ndarray  # int32
    var: np.ndarray  # int32
    score: np.ndarray  # float32
    query_cov: np.ndarray
    name_cov: np.ndarray
    evidence: np.ndarray
    align: Alignment  # what the calibrated score's features need


@dataclass(slots=True)
class Alignment:
    """Per (row, variant): the matched and missed weight on both sides and how it matched."""

    q_matched: np.ndarray  # query weight explained (similarity-weighted)
    q_total: np.ndarray  # the row's query weight
    c_matched: np.ndarray  # listed weight explained (similarity-weighted)
    c_total: np.ndarray  # the variant's listed weight
    c_given: np.ndarray  # listed weight of given-name tokens explained
    c_surname: np.ndarray  # listed weight of surname tokens explained
    pairs: np.ndarray  # aligned token pairs
    exact: np.ndarray  # ...of them identical
    sim_min: np.ndarray  # the weakest aligned pair's similarity
    q_miss_max: np.ndarray  # the heaviest query token left unmatched (0: none)
    c_miss_max: np.ndarray  # the heaviest listed token left unmatched (0: none)
    q_tokens: np.ndarray  # tokens in the row
    c_tokens: np.ndarray  # tokens in the variant
    given_sim: np.ndarray  # the weakest similarity of an aligned listed given name (1: none aligned)
    surname_sim: np.ndarray  # ...of an aligned listed surname
    heads: np.ndarray  # how many of the listed first surname and first given name are aligned (0-2)
    extra: np.ndarray  # (n, k): what a ``PairHook`` made of the aligned pairs (k = 0 without one)


PairHook = Callable[[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray, int], np.ndarray]
"""Per-candidate figures of the aligned pairs, for measuring candidate features (bench/train_score.py
--jellyfish): called with the rows' query tokens (flat, as ``row_weights`` lays them out) and, per
pair of the candidates returned, its candidate, query token (position in that list), listed
vocabulary token and the listed weight it explains, and the number of candidates; returns an
(n, k) array. Screening passes none."""


def score_rows(
    idx: NameIndex,
    params: Params,
    rows: list[list[str]],
    weights: list[np.ndarray],
    matches: dict[str, TokenMatches],
    floor: float | np.ndarray = 0.0,
    head: np.ndarray | None = None,
    bound: tuple = kernels.NO_BOUND,
    pair_hook: PairHook | None = None,
) -> RowScores:
    """Score every name variant sharing a similar token with each row, all rows at once.

    With ``floor`` > 0 (one for all rows, or one per row), only names scoring at least their
    row's floor are returned, and a name is dropped before its alignment when the query tokens
    that reach it provably cannot lift it there (``kernels.reaching``): every name returned scores
    exactly as without the floor, and the long postings of "muhammad", "al" or "co" are not
    aligned for nothing. With a calibrated ``bound`` (``prefilter.calibrated_bound``), a name is
    also dropped when no alignment could give it a calibrated score over that bound's floor.
    """
    part_row, part_tok, parts = [], [], []
    for r, toks in enumerate(rows):
        for i, tok in enumerate(toks[:_MAXQ]):
            tm = matches[tok]
            if len(tm.var):
                part_row.append(r)
                part_tok.append(i)
                parts.append(tm)
    if not parts:
        z = np.zeros(0, np.float32)
        none = Alignment(*[z] * 16, extra=np.zeros((0, 0), np.float32))  # type: ignore[misc]
        return RowScores(np.zeros(0, np.int32), np.zeros(0, np.int32), z, z, z, z, none)
    part_len = np.fromiter((len(tm.var) for tm in parts), np.int64, len(parts))
    R = np.repeat(np.asarray(part_row, np.int64), part_len)
    Q = np.repeat(np.asarray(part_tok, np.int64), part_len)
    V = np.concatenate([tm.var for tm in parts]).astype(np.int64)
    P = np.concatenate([tm.pos for tm in parts]).astype(np.int64)
    S = np.concatenate([tm.vsim for tm in parts])
    L = np.concatenate([tm.vlisted for tm in parts])
    floors = np.broadcast_to(np.asarray(floor, np.float64), (len(rows),))
    rw = row_weights(weights)
    calibrated = bound is not kernels.NO_BOUND
    if floors.any() or calibrated:
        U = np.concatenate([tm.vsurname for tm in parts]) if calibrated else np.zeros(0, bool)
        q_w = rw.flat[rw.offsets[R] + Q] * S
        keep = reaching(params, floors, rw.totals, R, V, q_w, L, idx.var_wsum, U, bound)
        R, Q, V, P, S, L = R[keep], Q[keep], V[keep], P[keep], S[keep], L[keep]
    tokens = [t for toks in rows for t in toks[:_MAXQ]] if pair_hook else None
    return score_triples(idx, params, rw, R, Q, V, P, S, floors, head, L, tokens, pair_hook)


def score_triples(
    idx: NameIndex,
    params: Params,
    rw: RowWeights,
    R: np.ndarray,
    Q: np.ndarray,
    V: np.ndarray,
    P: np.ndarray,
    S: np.ndarray,
    floors: np.ndarray,
    head: np.ndarray | None = None,
    listed: np.ndarray | None = None,
    tokens: list[str] | None = None,
    pair_hook: PairHook | None = None,
) -> RowScores:
    """``score_rows`` from its rows' weights (``row_weights``) and its (row ``R``, query token
    ``Q``, variant, position, similarity) triples, in its order (row by row, token by token, each
    token's postings in order: the alignment breaks ties by it), and their ``listed`` weight
    (``TokenMatches.vlisted``; computed when not given); names under their row's floor
    (``floors``, one per row) are dropped. The delta pre-filter scores the few pairs its bounds
    leave through here, exactly as screening does. ``pair_hook`` (with the rows' flat ``tokens``)
    fills ``Alignment.extra``."""
    nvar = len(idx.var_name)
    qw, row_off = rw.flat, rw.offsets
    o = stable_order(R * nvar + V)  # by (row, variant), in triple order inside each
    R, Q, V, P = (a[o].astype(np.int64, copy=False) for a in (R, Q, V, P))
    S = S[o].astype(np.float32, copy=False)
    c_contrib = S * idx.var_weight[idx.var_ptr[V] + P] if listed is None else listed[o]
    row, var, q_sum, c_sum, ptr, chosen = kernels.align(R, Q, V, P, S, S * qw[row_off[R] + Q], c_contrib)
    q_total = rw.totals.astype(np.float32)[row]
    c_total = idx.var_wsum[var]
    score, evidence = blend(params, q_sum, q_total, c_sum, c_total - c_sum)
    # only names at or over their row's floor are returned: their listed tokens alone are read
    kept = np.flatnonzero(score >= floors[row]) if floors.any() else np.arange(len(row))
    c_given, c_surname, *counts = kernels.figures(
        kept,
        row,
        var,
        ptr,
        chosen,
        Q,
        P,
        S,
        c_contrib,
        qw,
        row_off,
        idx.var_ptr,
        idx.var_weight,
        idx.var_role,
        np.zeros(len(idx.var_tok), bool) if head is None else head,
        ROLE_GIVEN,
        ROLE_SURNAME,
    )
    pairs, exact, sim_min, given_sim, surname_sim, q_miss, c_miss, q_tokens, c_tokens, heads = counts
    if pair_hook is not None and tokens is not None:
        cnt = ptr[kept + 1] - ptr[kept]
        t = chosen[_ranges(ptr[kept], cnt)]
        pv = idx.var_tok[idx.var_ptr[V[t]] + P[t]]
        pk = np.repeat(np.arange(len(kept)), cnt)
        extra = pair_hook(tokens, pk, row_off[R[t]] + Q[t], pv, c_contrib[t], len(kept))
    else:
        extra = np.zeros((len(kept), 0), np.float32)
    row, var, score, evidence = row[kept], var[kept], score[kept], evidence[kept]
    q_sum, c_sum, q_total, c_total = q_sum[kept], c_sum[kept], q_total[kept], c_total[kept]
    align = Alignment(
        q_sum,
        q_total,
        c_sum,
        c_total,
        c_given.astype(np.float32),
        c_surname.astype(np.float32),
        pairs,
        exact,
        sim_min,
        q_miss,
        c_miss,
        q_tokens,
        c_tokens,
        given_sim,
        surname_sim,
        heads,
        extra,
    )
    query_cov = np.minimum(q_sum / np.maximum(q_total, 1e-6), 1.0)
    name_cov = np.minimum(c_sum / np.maximum(c_total, 1e-6), 1.0)
    return RowScores(row.astype(np.int32), var.astype(np.int32), score, query_cov, name_cov, evidence, align)


@dataclass(frozen=True, slots=True)
class RowWeights:
    """The query weights of token rows as scoring reads them (at most ``_MAXQ`` tokens a row)."""

    flat: np.ndarray  # float32: every row's token weights, row after row
    offsets: np.ndarray  # int64: where each row starts in ``flat`` (and where the last ends)
    totals: np.ndarray  # float64: each row's total weight


def row_weights(weights: list[np.ndarray]) -> RowWeights:
    cut = [w[:_MAXQ] for w in weights]
    offsets = np.concatenate(([0], np.cumsum([len(w) for w in cut]))).astype(np.int64)
    totals = np.array([float(w.sum()) for w in cut])
    return RowWeights(np.concatenate(cut).astype(np.float32), offsets, totals)


def take(rs: RowScores, keep: np.ndarray) -> RowScores:
    """The candidates of ``rs`` where ``keep``."""
    al = rs.align
    return RowScores(
        rs.row[keep],
        rs.var[keep],
        rs.score[keep],
        rs.query_cov[keep],
        rs.name_cov[keep],
        rs.evidence[keep],
        Alignment(*(getattr(al, f)[keep] for f in al.__slots__)),
    )


def reaching(
    params: Params,
    floors: np.ndarray,
    totals: np.ndarray,
    R: np.ndarray,
    V: np.ndarray,
    q_w: np.ndarray,
    listed: np.ndarray,
    var_wsum: np.ndarray,
    surname: np.ndarray,
    bound: tuple = kernels.NO_BOUND,
) -> np.ndarray:
    """Per (row ``R``, variant, ...) triple, rows ascending: whether its name can reach its row's
    floor (``floors``; ``totals``: each row's query weight), and with a calibrated ``bound`` its
    calibrated floor too (``kernels.reaching``), from each triple's query weight times its
    similarity ``q_w``, the similarity-weighted listed weight ``listed`` (``TokenMatches.vlisted``)
    and whether that listed token is a ``surname``. A token reaching a name at two positions
    counts twice: rare, and a larger sum only loosens the bound."""
    return kernels.reaching(
        R.astype(np.int64, copy=False),
        V.astype(np.int64, copy=False),
        q_w.astype(np.float32, copy=False),
        listed.astype(np.float32, copy=False),
        floors.astype(np.float64, copy=False),
        totals.astype(np.float64, copy=False),
        var_wsum,
        np.array(
            [
                params.miss_query,
                params.miss_listed,
                params.evidence_idf,
                params.evidence_power,
                params.exact_power,
            ]
        ),
        _scratch(len(var_wsum)),
        surname,
        bound,
    )


_SCRATCH = threading.local()


def _scratch(n: int) -> np.ndarray:
    """4n float32 zeros for ``kernels.reaching``, kept per thread: it leaves them zeroed, and fresh
    ones would cost a page fault per 256 names touched (milliseconds a query on a list of a
    million names). float32: on such a list the kernel's time is its cache misses."""
    have = getattr(_SCRATCH, "array", None)
    if have is None or len(have) < 4 * n:
        have = _SCRATCH.array = np.zeros(4 * n, np.float32)
    return have[: 4 * n]


def blend_bound(
    params: Params,
    query_total: np.ndarray,
    query_reach: np.ndarray,
    listed_reach: np.ndarray,
    listed_least: np.ndarray,
) -> np.ndarray:
    """An upper bound of ``blend`` for a query row against every name variant it reaches, from sums
    that bound any alignment: ``query_reach`` >= the query weight explained (each reaching token's
    weight times its best similarity), ``listed_reach`` >= the listed weight explained (each reaching
    token's heaviest listed match times its similarity: the alignment pairs a query token once), and
    ``listed_least`` <= the listed weight of every variant reached.

    ``blend`` grows with both matched weights and shrinks with both missed ones, and its damping
    grows with the listed weight matched and never lifts a score: the same formula at these values
    is at least the score of any alignment. A row whose bound is under the candidates' floor has no
    candidate (``Screener.may_match``)."""
    matched = (query_reach + listed_reach) / 2
    miss_q = np.maximum(query_total - query_reach, 0)
    miss_l = np.maximum(listed_least - listed_reach, 0)
    base = matched / np.maximum(matched + params.miss_query * miss_q + params.miss_listed * miss_l, 1e-6)
    base = np.minimum(base, 1.0)
    evidence = np.minimum(1.0, listed_reach / params.evidence_idf) ** params.evidence_power
    return base * (evidence + (1 - evidence) * base**params.exact_power)


def stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` of non-negative integer keys. When a key and its index fit
    in 63 bits together, the keys are sorted as values with their index in the low bits: numpy's
    vectorized sort of values is several times faster than its argsort."""
    n = len(keys)
    if n < 2:
        return np.arange(n, dtype=np.int64)
    bits = (n - 1).bit_length()
    if int(keys.min()) < 0 or int(keys.max()).bit_length() + bits > 63:
        return np.argsort(keys, kind="stable")
    packed = (keys.astype(np.int64) << bits) | np.arange(n, dtype=np.int64)
    packed.sort()
    return packed & ((1 << bits) - 1)


def blend(params: Params, query_matched, query_total, listed_matched, listed_missed):
    """A weighted Tversky index of the two token sets, damped when little rarity matched.

    matched / (matched + a * unmatched query weight + b * unmatched listed weight): typing
    fewer words than the list holds costs more than typing extra ones, and an unmatched rare
    token costs more than an unmatched common one because weights are idf.
    """
    matched = (query_matched + listed_matched) / 2
    miss_q = np.maximum(query_total - query_matched, 0)
    miss_l = np.maximum(listed_missed, 0)
    base = matched / np.maximum(matched + params.miss_query * miss_q + params.miss_listed * miss_l, 1e-6)
    evidence = np.minimum(1.0, listed_matched / params.evidence_idf) ** params.evidence_power
    # An exact, complete match is never damped: identical names score 1.
    evidence = evidence + (1 - evidence) * base**params.exact_power
    return np.asarray(base * evidence, np.float32), np.asarray(evidence, np.float32)


def _group_max(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Max of ``values`` over each run starting at ``starts`` (the last entry closes the runs); 0 if empty."""
    out = np.zeros(len(starts) - 1, np.float32)
    nonempty = starts[1:] > starts[:-1]
    if len(values):
        out[nonempty] = np.maximum.reduceat(values, starts[:-1][nonempty])
    return out


def query_weights(
    tokens: list[str],
    matches: dict[str, TokenMatches] | None,
    vocab_id: dict[str, int],
    vocab_weight: np.ndarray,
    max_idf: float,
) -> np.ndarray:
    """A known token weighs its idf; an unknown one the idf of its best match (when ``matches`` are
    given and one is close), else the largest idf."""
    out = []
    for t in tokens:
        v = vocab_id.get(t)
        if v is None and matches is not None:
            tm = matches[t]
            v = int(tm.vocab[np.argmax(tm.sim)]) if len(tm.vocab) and tm.sim.max() >= 0.75 else None
        out.append(max_idf if v is None else float(vocab_weight[v]))
    return np.asarray(out, np.float32)


def best_per_entity(
    idx: NameIndex,
    score: np.ndarray,
    rs: RowScores,
    row_query: np.ndarray,
    lists: list[str] | None,
    floor: float,
):
    """Per (query, entity) the best-scoring name variant if its ``score`` (the calibrated one, per
    row of ``rs``) is over ``floor``.

    Returns (query, entity, score, row of ``rs``) arrays."""
    ent = idx.name_entity[idx.var_name[rs.var]]
    q = row_query[rs.row]
    keep = score > floor if floor > 0 else np.ones(len(ent), bool)
    if lists:
        allowed = np.isin(idx.list_ids, lists)
        keep &= allowed[idx.entity_list[ent]]
    pos = np.flatnonzero(keep)
    key = q[pos].astype(np.int64) * len(idx.entity_ids) + ent[pos]
    order = np.lexsort((-score[pos], key))
    sel = pos[order[run_starts(key[order])]]
    return q[sel], ent[sel], score[sel], sel


def run_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal keys (empty in, empty out)."""
    mask = np.ones(len(sorted_keys), bool)
    mask[1:] = sorted_keys[1:] != sorted_keys[:-1]
    return mask
