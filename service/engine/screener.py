"""The Python API of the matching engine: ``Screener.from_lists(...)``, ``screen``, ``compare``.

No Flask here: the HTTP layer, the CLI and the batch tool all call this. Screening a batch of
queries is one pass of ``scoring.score_rows`` over all of them; only the returned matches
(at most ``limit`` per query) are then explained one by one.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from service.engine import calibration, evidence, identifiers
from service.engine.budget import Budget
from service.engine.calibration import FEATURES, ScoreModel
from service.engine.identifiers import Identifier, IdentifierIndex
from service.engine.index import (
    INDEX_FORMAT,
    ROLE_GIVEN,
    ROLE_INITIALS,
    ROLE_SURNAME,
    NameIndex,
    apply_weights,
    build_index,
    cached_index,
)
from service.engine.kernels import NO_BOUND
from service.engine.model import SCHEMAS, BirthDate, Document, Entity, ListVersion, LoadedList, Name
from service.engine.name_parts import LEGAL_CANON
from service.engine.normalize import arabic_consonant_keys, name_variants, resegment
from service.engine.prefilter import VariantBounds, calibrated_bound, rows_may_match, variant_bounds
from service.engine.romanize import alternative_rows, replaces_generic, shown
from service.engine.scoring import (
    _MAXQ,
    PairHook,
    Params,
    RowScores,
    TokenMatcher,
    TokenMatches,
    best_per_entity,
    blend_bound,
    query_weights,
    run_starts,
    score_rows,
    take,
)

ANY = "Any"
QUERY_SCHEMAS = (*SCHEMAS, ANY)  # what a query may ask for: a listed schema, or any
DEFAULT_PARAMS = Params()
# At most 1% of the 25,000 dev negatives (innocent customers) alert at it on the six real reference
# lists, with their schema and as names only (points for score model
# 2026-12-07.3 with the query re-cut as the lists cut it, feminine forms apart, and the rules on
# one-word names for a company's name and a romanized name; bench/operating.py --choose-threshold:
# 0.9044 / 0.9154), rounded up to 0.916. A calibrated score: it holds when lists are added.
DEFAULT_THRESHOLD = 0.916
# Name variants whose plain blend (scoring.blend) is under this are never candidates: the
# calibrated model was trained on candidates over it, and it prunes the long postings.
RAW_FLOOR = 0.2
CONSONANT_FLOOR = 0.5  # ...times this for the consonant keys of an Arabic-script query
# Screening under a threshold prunes with the calibrated bound on indexes of at most this many name
# variants. Its cost is per (row, name) over the raw floor (~0.1-0.2 us), its gain the alignment
# and model of those it drops: on OFAC + UN it drops most and batches of synthetic customers score
# 1.5x faster; on a million Faker names a query reaches thousands of look-alikes, it dropped a
# third of them and cost ~0.4 ms a query more than it saved (bench/README.md, fourth pass).
BOUND_NAMES = 300_000
# A subset's vocabulary this small is compared with every token in one rapidfuzz call (the same
# pairs as the neighbour search, which costs more per token than such a scan of a few thousand).
SMALL_VOCABULARY = 5000
CHUNK = 128  # queries scored at once under a budget: their candidate arrays are what takes memory


class PartyLinks(Protocol):
    """Where else a listed record's party is listed. ``service.resolve.Resolution`` is one; the
    engine only asks, so it never imports the resolver (which screens with the engine)."""

    def cluster_id(self, list_id: str, entity_id: str) -> str | None: ...

    def also_listed_on(self, list_id: str, entity_id: str) -> list[dict]: ...

    def cluster_dict(self, list_id: str, entity_id: str) -> dict | None: ...


@dataclass(slots=True)
class Query:
    name: str
    schema: str = ANY
    birth_date: str | None = None
    country: str | None = None
    id: str | int | None = None  # echoed back as the caller gave it (the API takes a string or an integer)
    identifiers: list[Identifier] = field(default_factory=list)


@dataclass(slots=True)
class Match:
    # builtins.list: inside this class "list" is the field below
    list: str  # the list id: the field is called "list" in the API
    entity_id: str
    schema: str
    name: str
    matched_name: str
    weak_alias: bool
    score: float
    programs: builtins.list[str]
    birth_dates: builtins.list[BirthDate]  # these four as in the entity record (/v1/entities): one shape
    nationalities: builtins.list[str]
    citizenships: builtins.list[str]
    explanation: dict = field(default_factory=dict)
    cluster_id: str | None = None  # the party's cluster when other lists list it too
    # [{"list", "entity_id"}] of that cluster
    also_listed_on: builtins.list[dict] = field(default_factory=builtins.list)


@dataclass(slots=True)
class Result:
    query: Query
    matches: list[Match]
    threshold: float  # the threshold these matches passed (the default when none was asked)


@dataclass(slots=True)
class Comparison:
    score: float
    explanation: dict


NAME_ROWS_FORMAT = INDEX_FORMAT  # NameRows change with the normalization, as the index does


class NameRows(NamedTuple):
    """What screening a name starts from, computed from the name alone (no list): its first
    spelling variants, the consonant keys of its Arabic-script words, the rows of its
    romanizations, whether those leave the generic reading in (``romanize.replaces_generic``), and
    whether it holds a legal form. A tuple: a monitored customer keeps its names' as JSON arrays,
    read back by ``NameRows(*array)`` a million at a time."""

    variants: list[list[str]]
    keys: list[str]
    romanized: list[list[str]]
    generic: bool
    company: bool


def name_rows(name: str) -> NameRows:
    """The ``NameRows`` of a name (normalization, romanization; the costly part of a cold query)."""
    variants = name_variants(name)[:4]
    romanized = alternative_rows(name)
    return NameRows(
        variants,
        arabic_consonant_keys(name),
        romanized,
        not (romanized and replaces_generic(name)),
        any(t in LEGAL_CANON for v in variants for t in v),
    )


class Screener:
    """Screens names against the loaded lists."""

    def __init__(
        self,
        lists: list[LoadedList],
        index: NameIndex,
        params: Params = DEFAULT_PARAMS,
        default_threshold: float = DEFAULT_THRESHOLD,
        weight_source: Screener | None = None,
        model: ScoreModel | None = None,
        full_scan: bool = False,
    ):
        """``full_scan`` compares query tokens with the whole vocabulary instead of searching its
        neighbour index: the same results, slower; the reference for tests and benchmarks."""
        self.versions: list[ListVersion] = [lst.version for lst in lists]
        self.default_threshold = default_threshold
        self.params = params
        self.index = index
        self._entities: list[Entity] = [e for lst in lists for e in lst.entities]
        self._by_key = {(e.list_id, e.id): e for e in self._entities}
        self._identifiers = IdentifierIndex(self._entities)
        self._vocab_weight = index.token_weight(np.arange(len(index.vocab)))
        self._matcher = TokenMatcher(index, params, full_scan=full_scan)
        self.pair_hook: PairHook | None = None  # bench/train_score.py --jellyfish: candidate features
        self._vocab_id = self._matcher.vocab_id
        self._weights = weight_source or self  # whose token statistics weigh query tokens
        self.model = model or calibration.load_model()
        self.raw_floor = RAW_FLOOR
        ntok = np.diff(index.var_ptr)
        self._one_word = ntok == 1
        self._initials = np.zeros(len(ntok), bool)
        self._initials[ntok > 0] = index.var_role[index.var_ptr[:-1][ntok > 0]] == ROLE_INITIALS
        surname = index.var_weight * (index.var_role == ROLE_SURNAME)
        self._w_surname = np.add.reduceat(surname, index.var_ptr[:-1]) if len(surname) else surname
        self._w_surname[ntok == 0] = 0
        self._head = _heads(index)
        self._variants_on: dict[tuple[str, ...], np.ndarray] = {}  # see _on_lists
        self.links: PartyLinks | None = None  # set by whoever resolved the lists (service.serving)
        self.whole: Screener | None = None  # set by subset: joins and weighs query tokens as this one
        self._bounds = _TokenBounds()  # per-token figures of may_match
        self._skeleton_set: frozenset[str] | None = None  # the listed skeletons, for _merged
        self._vb: VariantBounds | None = None  # the calibrated bound's per-variant part
        self._weight_cache: dict[str, float] = {}  # see _token_weights

    @classmethod
    def from_lists(cls, lists: list[LoadedList], cache_dir: str | Path | None = None, **kwargs) -> Screener:
        """Build (or load from ``cache_dir``, keyed by the lists' checksums) the index."""
        index = cached_index(lists, Path(cache_dir) if cache_dir else None)
        return cls(lists, index, **kwargs)

    @property
    def list_ids(self) -> list[str]:
        return [v.id for v in self.versions]

    def entity(self, list_id: str, entity_id: str) -> Entity | None:
        return self._by_key.get((list_id, entity_id))

    @property
    def entities(self) -> list[Entity]:
        """Every loaded record, list by list (read-only)."""
        return self._entities

    def subset(self, keys: list[tuple[str, str]]) -> Screener:
        """A Screener over only these (list id, entity id) records, scoring as this one would.

        Token weights (unknown tokens' too) and joined words stay those of all the loaded lists, so a
        customer screened against a list delta gets the score a full screening would give it."""
        by_list: dict[str, list[Entity]] = {}
        for list_id, entity_id in keys:
            found = self._by_key.get((list_id, entity_id))
            if found is not None:
                by_list.setdefault(list_id, []).append(found)
        part = self._over([LoadedList(v, by_list[v.id]) for v in self.versions if v.id in by_list])
        part.links = self.links
        return part

    def _over(self, parts: list[LoadedList]) -> Screener:
        """A Screener over ``parts`` that weighs tokens (unknown ones too) and joins words as this one
        does: a list delta's records (``subset``), or one name (``compare``)."""
        part_index = build_index(parts)
        part_index.idf = self._idf_for(part_index.vocab)
        apply_weights(part_index)
        part = Screener(
            parts,
            part_index,
            self.params,
            self.default_threshold,
            weight_source=self,
            model=self.model,
            full_scan=len(part_index.vocab) <= SMALL_VOCABULARY,
        )
        part.whole = self
        return part

    def warm_up(self) -> None:
        """Screen one listed name, so that this process has compiled (or read from numba's cache)
        the scoring loops of ``kernels`` for this index's arrays before it forks workers."""
        if self._entities:
            self.screen([Query(self._entities[0].name)], limit=1)
        if self._prunes_calibrated():
            self._variant_bounds()

    def _prunes_calibrated(self) -> bool:
        """Whether screening under a threshold prunes with the calibrated bound (``BOUND_NAMES``)."""
        return len(self.index.var_name) <= BOUND_NAMES

    def _variant_bounds(self) -> VariantBounds:
        """The per-variant part of the calibrated bound screening prunes with (built at first use,
        and again if the model was swapped)."""
        if self._vb is None or self._vb.model is not self.model:
            self._vb = variant_bounds(self.index, self.model, self._one_word, self._initials, self._w_surname)
        return self._vb

    # -- screening -------------------------------------------------------------------------

    def effective_threshold(self, threshold: float | None) -> float:
        """The threshold a request asked for, else this screener's default (set when it was built)."""
        return self.default_threshold if threshold is None else threshold

    def screen(
        self,
        queries: list[Query],
        limit: int = 10,
        threshold: float | None = None,
        lists: list[str] | None = None,
        budget: Budget | None = None,
        prepared: list[NameRows] | None = None,
    ) -> list[Result]:
        """Match every query against the lists; matches sorted by score, at most ``limit``.

        With a person's or organization's schema given, a vessel or aircraft never ranks above a
        match of that schema. Each ``Result`` reports the threshold used (``threshold``, else the
        default). With a ``budget``, queries are scored CHUNK at a time (memory stays bounded),
        candidates are charged before they are scored and the deadline is checked between steps:
        past either, ``OverBudget`` is raised and nothing is returned. ``prepared``: the queries'
        ``name_rows``, when the caller kept them (the same results, without normalizing again).
        """
        if budget is None or len(queries) <= CHUNK:
            return self._screen(queries, limit, threshold, lists, budget, prepared)
        return [
            r
            for start in range(0, len(queries), CHUNK)
            for r in self._screen(
                queries[start : start + CHUNK],
                limit,
                threshold,
                lists,
                budget,
                prepared[start : start + CHUNK] if prepared else None,
            )
        ]

    def _screen(
        self,
        queries: list[Query],
        limit: int,
        threshold: float | None,
        lists: list[str] | None,
        budget: Budget | None,
        prepared: list[NameRows] | None = None,
    ) -> list[Result]:
        thr = self.effective_threshold(threshold)
        scored, candidates = self._ranked(queries, limit, thr, lists, budget, prepared)
        results = []
        for query, cands in zip(queries, candidates, strict=True):
            if budget:
                budget.count_matches(min(len(cands), limit))
            matches = [self._match(query, e, s, scored, k) for _, _, e, s, k in cands[:limit]]
            results.append(Result(query, matches, thr))
        return results

    def best_scores(
        self, queries: list[Query], limit: int, threshold: float, lists: list[str] | None = None
    ) -> list[list[tuple[str, str, float]]]:
        """Per query, the (list id, entity id, score) of the matches ``screen`` would return, in
        its order, without explaining them: for callers that only need the scores (the resolver)."""
        _, candidates = self._ranked(queries, limit, threshold, lists, None)
        ents = self._entities
        return [
            [(ents[e].list_id, ents[e].id, round(-final, 4)) for _, final, e, _, _ in cands[:limit]]
            for cands in candidates
        ]

    def _ranked(
        self,
        queries: list[Query],
        limit: int,
        thr: float,
        lists: list[str] | None,
        budget: Budget | None,
        prepared: list[NameRows] | None = None,
    ) -> tuple[_Scored, list[list[tuple[bool, float, int, float, int]]]]:
        """The scored candidates, and per query its matches over ``thr`` ranked as ``screen`` returns
        them: (behind, -final score, entity, name score, candidate), at least ``limit`` when there are."""
        # Only candidates that evidence could lift over the threshold, a few past the limit
        # (evidence may reorder them), are adjusted and explained.
        floor = evidence.floor_for(thr)
        scored = self._score(queries, lists, budget, prepared, floor if thr > 0 else 0.0)
        q, ent, score, sel = best_per_entity(
            self.index, scored.final, scored.scores, scored.row_query, lists, floor
        )
        order = np.lexsort((-score, q))
        starts = np.searchsorted(q[order], q[order], side="left")
        order = order[np.arange(len(order)) - starts < limit + 5]
        candidates: list[list[tuple[bool, float, int, float, int]]] = [[] for _ in queries]
        craft = scored.x[:, FEATURES.index("craft_listed")] > 0
        for k in order:
            query = queries[q[k]]
            final = self._final(query, int(ent[k]), float(score[k]))
            if final > thr or thr == 0:
                behind = bool(craft[sel[k]]) and query.schema in SCHEMAS
                candidates[q[k]].append((behind, -final, int(ent[k]), float(score[k]), int(sel[k])))
        self._by_identifier(queries, candidates, lists)
        for cands in candidates:
            cands.sort(key=lambda c: (c[0], c[1]))
        return scored, candidates

    def _final(self, query: Query, e: int, score: float) -> float:
        """The name score with the query's birth date, country and identifiers applied."""
        if not (query.birth_date or query.country or query.identifiers):
            return score
        entity = self._entities[e]
        final = evidence.shift(score, evidence.adjust(query.birth_date, query.country, entity)[0])
        status, _ = identifiers.compare(query.identifiers, entity)
        if status == "match":
            final = max(final, identifiers.MATCH_SCORE)
        elif status == "conflict":
            final = evidence.shift(final, identifiers.CONFLICT_FACTOR)
        return min(1.0, final)

    def _by_identifier(self, queries: list[Query], candidates: list[list], lists: list[str] | None) -> None:
        """Records found by a query's identifier alone join its candidates, whatever their names."""
        for query, cands in zip(queries, candidates, strict=True):
            if not query.identifiers:
                continue
            have = {c[2] for c in cands}
            for e in self._identifiers.lookup(query.identifiers):
                entity = self._entities[e]
                if e not in have and (not lists or entity.list_id in lists):
                    cands.append((False, -self._final(query, e, 0.0), e, 0.0, -1))

    def may_match(
        self, prepared: list[NameRows], schemas: list[str] | None = None, threshold: float | None = None
    ) -> np.ndarray:
        """Per query, given as its ``name_rows`` (and its schema, default any): False when screening
        it here (names only, no identifiers) provably gives no match over ``threshold`` (default:
        this screener's), whatever its birth date and country; with ``threshold`` 0, no candidate.

        Vectorized over all the rows, in two steps. A row none of whose tokens reaches a listed name
        has no candidate; one that does is bounded by ``scoring.blend_bound`` from per-token sums (the
        query weights ``_score`` gives, each token's best similarity and heaviest listed match, the
        lightest variant it reaches) against the floor candidates need. The rows left are bounded
        per name variant they reach by ``prefilter.rows_may_match`` against the lowest calibrated
        score evidence could lift over the threshold. On a list delta's subset nearly every customer
        of a book is ruled out, and only the others are scored; per-token figures are kept."""
        full_rows, owner, consonant, company, foreign = self._prepared_rows(prepared)
        rows = [toks[:_MAXQ] for toks in full_rows]
        out = np.zeros(len(prepared), bool)
        if not rows:
            return out
        lens = np.fromiter(map(len, rows), np.int64, len(rows))
        tokens = list(chain.from_iterable(rows))
        bounds = self._bounds
        bounds.learn_reach(self, tokens)
        tid = np.fromiter(map(bounds.ids.__getitem__, tokens), np.int64, len(tokens))
        row_of = np.repeat(np.arange(len(rows)), lens)
        qsim = bounds.qsim[tid]
        reach = qsim > 0
        has = np.bincount(row_of[reach], minlength=len(rows)) > 0
        need = has[row_of]  # only the rows a token reaches need the weights of all their tokens
        bounds.learn_weights(self, tid[need])
        w = np.where(need, bounds.weight[tid], 0.0)
        total = np.bincount(row_of, w, len(rows))
        q_reach = np.bincount(row_of[reach], (w * qsim)[reach], len(rows))
        c_reach = np.bincount(row_of[reach], bounds.listed[tid[reach]], len(rows))
        least = np.full(len(rows), np.inf)
        np.minimum.at(least, row_of[reach], bounds.least[tid[reach]])
        least[~has] = 0.0
        bound = blend_bound(self.params, total, q_reach, c_reach, least)
        floor = np.where(consonant, self.raw_floor * CONSONANT_FLOOR, self.raw_floor)
        keep = has & (bound * (1 + 1e-4) + 1e-6 >= floor)  # scores are float32 sums: a hair of slack
        thr = self.effective_threshold(threshold)
        if thr > 0 and keep.any():
            wanted = _schema_indices(schemas or [ANY] * len(prepared))[owner]
            keep = rows_may_match(
                self.index,
                self.params,
                self._variant_bounds(),
                (self._one_word, self._initials, self._w_surname, self._head),
                evidence.floor_for(thr),
                floor,
                np.flatnonzero(keep),
                row_of,
                tid,
                bounds.matches,
                w,
                (total, consonant, company, wanted, foreign),
            )
        out[owner[keep]] = True
        return out

    def _rows(
        self, queries: list[Query], prepared: list[NameRows] | None = None
    ) -> tuple[list[list[str]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Token rows to score: a few spelling variants of each query, its tokens joined where the
        lists join them, and the consonant keys of Arabic-script words; per row, its query, whether
        it is consonant keys, whether its query holds a legal form ("LLC"), and whether its query
        is written in another script (romanized: its spellings are guesses)."""
        return self._prepared_rows(prepared or [name_rows(q.name) for q in queries])

    def _prepared_rows(
        self, prepared: list[NameRows]
    ) -> tuple[list[list[str]], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``_rows`` of names given as their ``name_rows``."""
        rows, row_query, consonant, company, foreign = [], [], [], [], []
        for qi, nr in enumerate(prepared):
            other_script = bool(nr.romanized or nr.keys)
            for toks, is_keys in self._name_rows(nr):
                rows.append(toks)
                row_query.append(qi)
                consonant.append(is_keys)
                company.append(nr.company)
                foreign.append(other_script)
        return (
            rows,
            np.asarray(row_query, np.int32),
            np.asarray(consonant, bool),
            np.asarray(company, bool),
            np.asarray(foreign, bool),
        )

    def _name_rows(self, nr: NameRows) -> list[tuple[list[str], bool]]:
        """A name's rows as this screener scores them, each with whether it is consonant keys."""
        variants, merged = nr.variants, None
        if nr.generic:
            merged = (self.whole or self)._merged(variants[0]) if variants else None
        else:
            variants = []
        return [
            *((v, False) for v in variants),
            *([(merged, False)] if merged else []),
            *([(nr.keys, True)] if nr.keys else []),
            *((r, False) for r in nr.romanized),
        ]

    def _merged(self, tokens: list[str]) -> list[str] | None:
        """The query's tokens re-cut where the lists write the name in other words
        (``normalize.resegment``: "Mohammad Bagher" -> "mohammadbagher", "Bunheung" -> "bun heung"),
        or None when nothing is."""
        if self._skeleton_set is None:
            self._skeleton_set = frozenset(self.index.skel_vocab.tolist())
        return resegment(tokens, self._vocab_id, self._skeleton_set)

    def _score(
        self,
        queries: list[Query],
        lists: list[str] | None = None,
        budget: Budget | None = None,
        prepared: list[NameRows] | None = None,
        floor: float = 0.0,
    ) -> _Scored:
        """Every candidate variant of every query row (on ``lists``), with its features and
        calibrated score; with a calibrated ``floor``, only those that could score over it (the
        others are pruned before their alignment: ``prefilter.calibrated_bound``)."""
        rows, row_query, consonant, company, foreign = self._rows(queries, prepared)
        matches = self._matcher.match([t for r in rows for t in r], budget)
        if budget:
            budget.charge(sum(len(matches[t].var) for r in rows for t in r))
        weight = self._token_weights([t for r in rows for t in r], matches)
        weights = [np.fromiter(map(weight.__getitem__, r), np.float32, len(r)) for r in rows]
        # Consonant keys of Arabic-script words match at a fraction of the similarity: lower floor.
        raw_floor = np.where(consonant, self.raw_floor * CONSONANT_FLOOR, self.raw_floor)
        on_lists = self._on_lists(matches, lists)
        wanted = _schema_indices([x.schema for x in queries] + [ANY])[row_query]  # per row
        bound = (
            calibrated_bound(
                self._variant_bounds(),
                floor,
                self._row_facts(rows, weights, on_lists, consonant, company, wanted, foreign),
            )
            if floor > 0 and self._prunes_calibrated()
            else NO_BOUND
        )
        rs = score_rows(
            self.index, self.params, rows, weights, on_lists, raw_floor, self._head, bound, self.pair_hook
        )
        rs = take(rs, rs.score >= raw_floor[rs.row])
        x = self._features(rs, wanted, consonant, company, foreign)
        given = wanted[rs.row] >= 0  # the query asked for a schema
        final = calibration.calibrated(self.model, x, given) if len(x) else np.zeros(0, np.float32)
        # The dev split has no Arabic-script positives to train on, so the model only ever saw
        # consonant-key matches of innocent names: those rows keep the plain blend (they rank, and
        # rarely reach the default threshold) until script positives are in the training data.
        final = np.where(consonant[rs.row], rs.score, final).astype(np.float32)
        return _Scored(rows, row_query, weights, matches, rs, x, final)

    def _token_weights(
        self, tokens: list[str], matches: dict[str, TokenMatches] | None = None
    ) -> dict[str, float]:
        """The query weight of each token (``query_weights``; ``matches``: this screener's own, when
        the caller has them), kept per token: a customer book repeats its first and last names.
        A pair screener (compare) weighs tokens with the loaded lists' statistics, and a subset an
        unknown token as its closest one in the whole."""
        cache = self._weight_cache
        if len(cache) > 1 << 20:
            cache.clear()
        new = [t for t in dict.fromkeys(tokens) if t not in cache]
        if new:
            src = self._weights
            near = None
            if self.whole is not None:
                near = self.whole._matcher.match([t for t in new if t not in src._vocab_id])
            elif src is self:
                near = matches if matches is not None else self._matcher.match(new)
            found = query_weights(new, near, src._vocab_id, src._vocab_weight, src.index.max_idf)
            cache.update(zip(new, found.tolist(), strict=True))
        return cache

    def _row_facts(
        self,
        rows: list[list[str]],
        weights: list[np.ndarray],
        matches: dict[str, TokenMatches],
        consonant: np.ndarray,
        company: np.ndarray,
        wanted: np.ndarray,
        foreign: np.ndarray,
    ) -> tuple[np.ndarray, ...]:
        """What ``prefilter.calibrated_bound`` needs of each row: tokens, heaviest token, heaviest
        reaching nothing (each row cut at ``_MAXQ`` tokens, as scoring cuts it), consonant keys,
        legal form, schema wanted, romanized."""
        lens, q_max, q_idle = (np.zeros(len(rows)) for _ in range(3))
        for k, (r, w) in enumerate(zip(rows, weights, strict=True)):
            lens[k] = min(len(r), _MAXQ)
            for t, x in zip(r[:_MAXQ], w[:_MAXQ].tolist(), strict=False):
                q_max[k] = max(q_max[k], x)
                if not len(matches[t].var):
                    q_idle[k] = max(q_idle[k], x)
        return (lens, q_max, q_idle, consonant, company, wanted, foreign)

    def _features(
        self,
        rs: RowScores,
        wanted: np.ndarray,
        consonant: np.ndarray,
        company: np.ndarray,
        foreign: np.ndarray,
    ) -> np.ndarray:
        """The calibrated model's features of each candidate; ``wanted`` and the flags are per row."""
        idx = self.index
        names = idx.var_name[rs.var]
        return calibration.features(
            rs.align,
            rs.score,
            self._one_word[rs.var],
            self._initials[rs.var],
            self._w_surname[rs.var],
            idx.name_weak[names],
            wanted[rs.row],
            idx.entity_schema[idx.name_entity[names]],
            consonant[rs.row],
            company[rs.row],
            foreign[rs.row],
        )

    def _on_lists(self, matches: dict[str, TokenMatches], lists: list[str] | None) -> dict[str, TokenMatches]:
        """The token matches with only the name variants of ``lists``: the others would be scored
        for nothing (each variant is scored on its own, so the kept ones score the same). The
        resolver asks every list about every other one, never about itself."""
        idx = self.index
        if not lists or np.isin(idx.list_ids, lists).all():
            return matches
        key = tuple(sorted(lists))
        allowed = self._variants_on.get(key)
        if allowed is None:
            allowed = np.isin(idx.list_ids, lists)[idx.entity_list[idx.name_entity[idx.var_name]]]
            self._variants_on = {key: allowed}  # one at a time: the resolver asks list after list
        out = {}
        for tok, tm in matches.items():
            keep = allowed[tm.var]
            out[tok] = TokenMatches(
                tm.vocab,
                tm.sim,
                tm.var[keep],
                tm.pos[keep],
                tm.vsim[keep],
                tm.vlisted[keep],
                tm.vsurname[keep],
            )
        return out

    # -- explanation ------------------------------------------------------------------------

    def _match(self, query: Query, e: int, score: float, scored: _Scored, k: int) -> Match:
        """The match of record ``e`` with its explanation; ``k`` is its candidate (-1: found by an
        identifier alone, no name in common)."""
        entity = self._entities[e]
        _, adjustments = evidence.adjust(query.birth_date, query.country, entity)
        id_status, id_facts = identifiers.compare(query.identifiers, entity)
        adjustments = adjustments + id_facts
        final = self._final(query, e, score)
        if k < 0:
            alias = entity.names()[0]
            explanation: dict = {
                "matched_name": alias.name,
                "tokens": [],
                "query_coverage": 0.0,
                "name_coverage": 0.0,
                "evidence": 0.0,
                "name_score": 0.0,
                "adjustments": adjustments,
            }
        else:
            alias, explanation = self._name_explanation(entity, scored, k)
            explanation["adjustments"] = explanation["adjustments"] + adjustments
        explanation["identifier"] = id_status
        links = self.links
        cluster_id = links.cluster_id(entity.list_id, entity.id) if links else None
        return Match(
            entity.list_id,
            entity.id,
            entity.schema,
            entity.name,
            alias.name,
            alias.weak,
            round(final, 4),
            list(entity.programs),
            list(entity.birth_dates),
            list(entity.nationalities),
            list(entity.citizenships),
            explanation,
            cluster_id,
            links.also_listed_on(entity.list_id, entity.id) if links and cluster_id else [],
        )

    def _name_explanation(self, entity: Entity, scored: _Scored, k: int) -> tuple[Name, dict]:
        """How the name matched: its tokens, the model's features and their contributions, the rules."""
        idx, rs = self.index, scored.scores
        alias = entity.names()[int(idx.name_alias[int(idx.var_name[rs.var[k]])])]
        x = scored.x[k : k + 1]
        ruled = [
            {"reason": reason, "factor": calibration.INCOMPLETE_FACTOR}
            for reason, cut in calibration.rules(x).items()
            if cut[0]
        ]
        parts = self.model.logit_parts(x)[0]
        return alias, {
            "matched_name": alias.name,
            # Initials the engine made of an organization's words are no words of the list: say so.
            "matched_form": "initials" if self._initials[int(rs.var[k])] else "name",
            "tokens": self._token_pairs(scored, int(rs.row[k]), int(rs.var[k])),
            "query_coverage": round(float(rs.query_cov[k]), 4),
            "name_coverage": round(float(rs.name_cov[k]), 4),
            "evidence": round(float(rs.evidence[k]), 4),
            "name_score": round(float(rs.score[k]), 4),
            "model": {
                "version": self.model.version,
                "probability": round(float(self.model.predict(x)[0]), 4),
                "part": "script" if self.model.script_rows(x)[0] else "latin",
                "intercept": round(float(self.model.intercepts(x)[0]), 4),
                "features": [
                    {"feature": f, "value": round(float(v), 4), "contribution": round(float(c), 4)}
                    for f, v, c in zip(FEATURES, x[0], parts, strict=True)
                ],
            },
            "adjustments": ruled,
        }

    def _token_pairs(self, scored: _Scored, row: int, var: int) -> list[dict]:
        idx = self.index
        listed = idx.var_tok[idx.var_ptr[var] : idx.var_ptr[var + 1]].tolist()
        pairs = []
        for tok, w in zip(scored.rows[row], scored.weights[row], strict=False):
            sims = scored.matches[tok].by_vocab()
            best = max(listed, key=lambda v: sims.get(v, -1.0))
            sim = sims.get(best, 0.0)
            pairs.append(
                {
                    "query": shown(tok),
                    "listed": str(idx.vocab[best]) if sim > 0 else None,
                    "similarity": round(sim, 4),
                    "weight": round(float(w), 3),
                }
            )
        return pairs

    # -- one pair ---------------------------------------------------------------------------

    def compare(self, a: Query, b: Query) -> Comparison:
        """Score name ``a`` as a query against ``b`` as if ``b`` were the only listed name.

        Token weights come from the loaded lists, so the pair scores as it would in ``screen``.
        """
        schema = b.schema if b.schema in SCHEMAS else "Person"
        ent = Entity(
            id="b",
            list_id="compare",
            schema=schema,
            name=b.name,
            documents=[Document(i.type, i.number, i.country) for i in b.identifiers],
        )
        pair = self._over([LoadedList(ListVersion("compare", "compare", None, "", 1, 1, ""), [ent])])
        pair.raw_floor = 0.0  # one pair: scored however little the names share
        res = pair.screen([a], limit=1, threshold=0.0)[0]
        if not res.matches:
            return Comparison(0.0, {"tokens": [], "adjustments": []})
        m = res.matches[0]
        return Comparison(m.score, m.explanation)

    def _idf_for(self, tokens: np.ndarray) -> np.ndarray:
        ids = [self._vocab_id.get(t) for t in tokens]
        return np.array([self.index.max_idf if i is None else self.index.idf[i] for i in ids], np.float32)


class _TokenBounds:
    """Per token seen by ``Screener.may_match``: whether and how it reaches this index's names, and
    its query weight (computed only for tokens of rows that some token reaches)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.qsim = np.zeros(0)  # best similarity to a listed token (0: it reaches no name)
        self.listed = np.zeros(0)  # heaviest listed token weight it can explain (times the similarity)
        self.least = np.zeros(0)  # listed weight of the lightest variant it reaches
        self.weight = np.zeros(0)  # its query weight; nan until needed
        self.matches: list[TokenMatches] = []  # its matches in the index

    def learn_reach(self, screener: Screener, tokens: list[str]) -> None:
        new = [t for t in dict.fromkeys(tokens) if t not in self.ids]
        if not new:
            return
        idx = screener.index
        matches = screener._matcher.match(new)
        qsim, listed, least = np.zeros(len(new)), np.zeros(len(new)), np.zeros(len(new))
        for i, t in enumerate(new):
            tm = matches[t]
            self.matches.append(tm)
            if len(tm.var):
                qsim[i] = float(tm.vsim.max())
                listed[i] = float(tm.vlisted.max())
                least[i] = float(idx.var_wsum[tm.var].min())
        qsim[qsim <= 0] = 0.0
        start = len(self.ids)
        self.ids.update(zip(new, range(start, start + len(new)), strict=True))
        self.qsim = np.concatenate((self.qsim, qsim))
        self.listed = np.concatenate((self.listed, listed))
        self.least = np.concatenate((self.least, least))
        self.weight = np.concatenate((self.weight, np.full(len(new), np.nan)))

    def learn_weights(self, screener: Screener, tid: np.ndarray) -> None:
        """The query weights ``Screener._score`` gives these tokens (ids), as it computes them."""
        todo = np.unique(tid[np.isnan(self.weight[tid])])
        if not len(todo):
            return
        names = list(self.ids)
        tokens = [names[i] for i in todo]
        weight = screener._token_weights(tokens)
        self.weight[todo] = [weight[t] for t in tokens]


@dataclass(slots=True)
class _Scored:
    rows: list[list[str]]
    row_query: np.ndarray
    weights: list[np.ndarray]
    matches: dict
    scores: RowScores
    x: np.ndarray  # features of each candidate (calibration.FEATURES)
    final: np.ndarray  # calibrated score of each candidate, rules applied


def _schema_indices(schemas: list[str]) -> np.ndarray:
    """Each schema's index in ``SCHEMAS`` (int8), -1 for any other ("Any")."""
    return np.array([SCHEMAS.index(s) if s in SCHEMAS else -1 for s in schemas], np.int8)


def _heads(index: NameIndex) -> np.ndarray:
    """Per listed token: it is the first surname token or the first given-name token of its variant."""
    var_of_tok = np.repeat(np.arange(len(index.var_ptr) - 1), np.diff(index.var_ptr))
    head = np.zeros(len(index.var_tok), bool)
    for role in (ROLE_GIVEN, ROLE_SURNAME):
        at = np.flatnonzero(index.var_role == role)
        head[at[run_starts(var_of_tok[at])]] = True
    return head
