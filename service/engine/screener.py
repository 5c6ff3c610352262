"""The Python API of the matching engine: ``Screener.from_lists(...)``, ``screen``, ``compare``.

No Flask here: the HTTP layer, the CLI and the batch tool all call this. Screening a batch of
queries is one pass of ``scoring.score_rows`` over all of them; only the returned matches
(at most ``limit`` per query) are then explained one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from service.engine import evidence
from service.engine.budget import Budget
from service.engine.index import NameIndex, apply_weights, build_index, cached_index
from service.engine.model import SCHEMAS, BirthDate, Entity, ListVersion, LoadedList
from service.engine.normalize import CONSONANT_MARK, arabic_consonant_keys, name_variants
from service.engine.scoring import (
    Params,
    RowScores,
    TokenMatcher,
    TokenMatches,
    best_per_entity,
    query_weights,
    row_can_reach,
    score_rows,
)

ANY = "Any"
QUERY_SCHEMAS = (*SCHEMAS, ANY)  # what a query may ask for: a listed schema, or any
DEFAULT_PARAMS = Params()
DEFAULT_THRESHOLD = 0.50  # 1% of the dev negatives (25,000 innocent names) score above it
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
    id: str | None = None


@dataclass(slots=True)
class Match:
    list: str  # the list id: the field is called "list" in the API
    entity_id: str
    schema: str
    name: str
    matched_name: str
    weak_alias: bool
    score: float
    programs: list[str]
    birth_dates: list[BirthDate]  # these four as the entity record has them (/v1/entities): one shape
    nationalities: list[str]
    citizenships: list[str]
    explanation: dict = field(default_factory=dict)
    cluster_id: str | None = None  # the party's cluster when other lists list it too
    also_listed_on: list[dict] = field(default_factory=list)  # [{"list", "entity_id"}] of that cluster


@dataclass(slots=True)
class Result:
    query: Query
    matches: list[Match]
    threshold: float  # the threshold these matches passed (the default when none was asked)


@dataclass(slots=True)
class Comparison:
    score: float
    explanation: dict


class Screener:
    """Screens names against the loaded lists."""

    def __init__(self, lists: list[LoadedList], index: NameIndex, params: Params = DEFAULT_PARAMS,
                 default_threshold: float = DEFAULT_THRESHOLD, weight_source: Screener | None = None,
                 full_scan: bool = False):
        """``full_scan`` compares query tokens with the whole vocabulary instead of searching its
        neighbour index: the same results, slower; the reference for tests and benchmarks."""
        self.versions: list[ListVersion] = [lst.version for lst in lists]
        self.default_threshold = default_threshold
        self.params = params
        self.index = index
        self._entities: list[Entity] = [e for lst in lists for e in lst.entities]
        self._by_key = {(e.list_id, e.id): e for e in self._entities}
        self._vocab_weight = index.token_weight(np.arange(len(index.vocab)))
        self._matcher = TokenMatcher(index, params, full_scan=full_scan)
        self._vocab_id = self._matcher.vocab_id
        self._weights = weight_source or self  # whose token statistics weigh query tokens
        self._variants_on: dict[tuple[str, ...], np.ndarray] = {}  # see _on_lists
        self.links: PartyLinks | None = None  # set by whoever resolved the lists (service.serving)

    @classmethod
    def from_lists(cls, lists: list[LoadedList], cache_dir: str | Path | None = None,
                   **kwargs) -> Screener:
        """Build (or load from ``cache_dir``, keyed by the lists' checksums) the index."""
        index = cached_index(lists, Path(cache_dir) if cache_dir else None)
        return cls(lists, index, **kwargs)

    @property
    def list_ids(self) -> list[str]:
        return [v.id for v in self.versions]

    @property
    def entities(self) -> list[Entity]:
        """Every loaded record, list by list (read-only)."""
        return self._entities

    def entity(self, list_id: str, entity_id: str) -> Entity | None:
        return self._by_key.get((list_id, entity_id))

    # -- screening -------------------------------------------------------------------------

    def effective_threshold(self, threshold: float | None) -> float:
        """The threshold a request asked for, else this screener's default (set when it was built)."""
        return self.default_threshold if threshold is None else threshold

    def screen(self, queries: list[Query], limit: int = 10, threshold: float | None = None,
               lists: list[str] | None = None, budget: Budget | None = None,
               rows: list[list[list[str]] | None] | None = None) -> list[Result]:
        """Match every query against the lists; matches sorted by score, at most ``limit``.

        Each ``Result`` reports the threshold used (``threshold``, else the default). With a
        ``budget``, queries are scored CHUNK at a time (memory stays bounded), candidates are
        charged before they are scored and the deadline is checked between steps: past either,
        ``OverBudget`` is raised and nothing is returned. ``rows``, per query, may give its
        ``query_rows`` computed before (None: normalize the name here).
        """
        if budget is None or len(queries) <= CHUNK:
            return self._screen(queries, limit, threshold, lists, budget, rows)
        return [r for start in range(0, len(queries), CHUNK)
                for r in self._screen(queries[start: start + CHUNK], limit, threshold, lists, budget,
                                      rows[start: start + CHUNK] if rows is not None else None)]

    def _screen(self, queries: list[Query], limit: int, threshold: float | None, lists: list[str] | None,
                budget: Budget | None, rows: list[list[list[str]] | None] | None = None) -> list[Result]:
        thr = self.effective_threshold(threshold)
        # Only candidates that evidence could lift over the threshold, a few past the limit
        # (evidence may reorder them), are adjusted and explained.
        floor = thr / evidence.MAX_FACTOR
        scored = self._score(queries, floor, lists, budget, rows)
        wanted = np.array([SCHEMAS.index(x.schema) if x.schema in SCHEMAS else -1 for x in queries], np.int8)
        q, ent, score, sel = best_per_entity(self.index, self.params, scored.scores, scored.row_query,
                                             wanted, lists, floor)
        order = np.lexsort((-score, q))
        starts = np.searchsorted(q[order], q[order], side="left")
        order = order[np.arange(len(order)) - starts < limit + 5]
        candidates: list[list[_Candidate]] = [[] for _ in queries]
        for k in order:
            query = queries[q[k]]
            factor, facts = evidence.adjust(query.birth_date, query.country, self._entities[ent[k]])
            final = min(1.0, float(score[k]) * factor)
            if final > thr or thr == 0:
                candidates[q[k]].append(_Candidate(final, int(ent[k]), int(sel[k]), facts))
        results = []
        for query, cands in zip(queries, candidates, strict=True):
            if budget:
                budget.count_matches(min(len(cands), limit))
            cands.sort(key=lambda c: -c.final)
            results.append(Result(query, [self._match(query, c, scored) for c in cands[:limit]], thr))
        return results

    def query_rows(self, query: Query) -> list[list[str]]:
        """The token rows screening ``query`` scores in any index (its name variants, then its
        consonant keys), without the one joined against a vocabulary: normalizing a name costs more
        than scoring it against a small index, so a caller that screens the same names again (a list
        delta over a customer book) keeps these and passes them to ``screen(rows=...)``."""
        keys = arabic_consonant_keys(query.name)
        return [*name_variants(query.name)[:4], *([keys] if keys else [])]

    @staticmethod
    def query_tokens(rows: list[list[str]]) -> set[str]:
        """Every token screening these rows may look up in any index: theirs, and each adjacent pair
        of the first joined (a superset of what ``_merged`` joins). Kept with a monitored customer,
        it tells which customers a list delta can concern at all."""
        found = {t for toks in rows for t in toks}
        if rows:
            found.update(a + b for a, b in zip(rows[0], rows[0][1:], strict=False))
        return found

    def matching_tokens(self, tokens: list[str]) -> set[str]:
        """Those of ``tokens`` similar to some token of this index: a query none of whose tokens is
        among them has no candidate here and cannot match."""
        return {t for t, m in self._matcher.match(list(dict.fromkeys(tokens))).items() if m.vocab.size}

    def may_match(self, queries: list[Query], rows: list[list[list[str]] | None],
                  threshold: float | None = None) -> list[bool]:
        """Per query (with its ``query_rows``), False when ``screen`` is sure to find nothing for it
        (``scoring.row_can_reach`` on each of its rows): far cheaper than screening, and exact."""
        thr = self.effective_threshold(threshold)
        if thr == 0:
            return [True] * len(queries)
        floor = thr / evidence.MAX_FACTOR
        all_rows, row_query = self._rows(queries, rows)
        matches = self._matcher.match([t for r in all_rows for t in r])
        src = self._weights
        out = [False] * len(queries)
        for r, qi in zip(all_rows, row_query.tolist(), strict=True):
            if out[qi]:
                continue
            w = query_weights(r, matches if src is self else None, src._vocab_id, src._vocab_weight,
                              src.index.max_idf)
            out[qi] = row_can_reach(self.index, self.params, r, w, matches, floor, self._vocab_weight)
        return out

    def _rows(self, queries: list[Query], given: list[list[list[str]] | None] | None = None
              ) -> tuple[list[list[str]], np.ndarray]:
        rows, row_query = [], []
        for qi, query in enumerate(queries):
            known = given[qi] if given is not None else None
            if known is None:
                keys = arabic_consonant_keys(query.name)
                variants = name_variants(query.name)[:4]
            else:  # query_rows: the variants, then the consonant keys (marked) if any
                variants = [r for r in known if not (r and r[0].startswith(CONSONANT_MARK))]
                keys = next((r for r in known if r and r[0].startswith(CONSONANT_MARK)), [])
            merged = self._merged(variants[0]) if variants else None
            for toks in [*variants, *([merged] if merged else []), *([keys] if keys else [])]:
                rows.append(toks)
                row_query.append(qi)
        return rows, np.asarray(row_query, np.int32)

    def _merged(self, tokens: list[str]) -> list[str] | None:
        """Adjacent query tokens joined where the lists write them as one word
        ("Mohammad Bagher" -> "mohammadbagher"), or None when no pair is."""
        out, i, found = [], 0, False
        while i < len(tokens):
            if i + 1 < len(tokens) and tokens[i] + tokens[i + 1] in self._vocab_id:
                out.append(tokens[i] + tokens[i + 1])
                i, found = i + 2, True
            else:
                out.append(tokens[i])
                i += 1
        return out if found else None

    def _score(self, queries: list[Query], floor: float = 0.0, lists: list[str] | None = None,
               budget: Budget | None = None, given: list[list[list[str]] | None] | None = None) -> _Scored:
        rows, row_query = self._rows(queries, given)
        matches = self._matcher.match([t for r in rows for t in r], budget)
        if budget:
            budget.charge(sum(len(matches[t].var) for r in rows for t in r))
        src = self._weights  # a pair screener (compare) weighs tokens with the loaded lists' statistics
        weights = [query_weights(r, matches if src is self else None, src._vocab_id, src._vocab_weight,
                                 src.index.max_idf) for r in rows]
        return _Scored(rows, row_query, weights, matches,
                       score_rows(self.index, self.params, rows, weights, self._on_lists(matches, lists),
                                  floor, self._vocab_weight))

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
            out[tok] = TokenMatches(tm.vocab, tm.sim, tm.var[keep], tm.pos[keep], tm.vsim[keep])
        return out

    # -- explanation ------------------------------------------------------------------------

    def _match(self, query: Query, cand: _Candidate, scored: _Scored) -> Match:
        idx, rs, k = self.index, scored.scores, cand.k
        entity = self._entities[cand.entity]
        n = int(idx.var_name[rs.var[k]])
        alias = entity.names()[int(idx.name_alias[n])]
        adjustments = []
        if alias.weak:
            adjustments.append({"reason": "weak alias", "factor": self.params.weak_alias_factor})
        wanted = query.schema if query.schema in SCHEMAS else None
        if wanted and wanted != entity.schema:
            adjustments.append({"reason": f"schema {entity.schema} is not {wanted}",
                                "factor": self.params.schema_mismatch_factor})
        adjustments.extend(cand.facts)
        explanation = {
            "matched_name": alias.name,
            "tokens": self._token_pairs(scored, int(rs.row[k]), int(rs.var[k])),
            "query_coverage": round(float(rs.query_cov[k]), 4),
            "name_coverage": round(float(rs.name_cov[k]), 4),
            "evidence": round(float(rs.evidence[k]), 4),
            "name_score": round(float(rs.score[k]), 4),
            "adjustments": adjustments,
        }
        links = self.links
        cluster_id = links.cluster_id(entity.list_id, entity.id) if links else None
        return Match(entity.list_id, entity.id, entity.schema, entity.name, alias.name, alias.weak,
                     round(cand.final, 4), list(entity.programs), list(entity.birth_dates),
                     list(entity.nationalities), list(entity.citizenships), explanation,
                     cluster_id,
                     links.also_listed_on(entity.list_id, entity.id) if links and cluster_id else [])

    def _token_pairs(self, scored: _Scored, row: int, var: int) -> list[dict]:
        idx = self.index
        listed = idx.var_tok[idx.var_ptr[var]: idx.var_ptr[var + 1]].tolist()
        pairs = []
        for tok, w in zip(scored.rows[row], scored.weights[row], strict=False):
            sims = scored.matches[tok].by_vocab()
            best = max(listed, key=lambda v: sims.get(v, -1.0))
            sim = sims.get(best, 0.0)
            pairs.append({"query": tok, "listed": str(idx.vocab[best]) if sim > 0 else None,
                          "similarity": round(sim, 4), "weight": round(float(w), 3)})
        return pairs

    # -- one pair ---------------------------------------------------------------------------

    def compare(self, a: Query, b: Query) -> Comparison:
        """Score name ``a`` as a query against ``b`` as if ``b`` were the only listed name.

        Token weights come from the loaded lists, so the pair scores as it would in ``screen``.
        """
        schema = b.schema if b.schema in SCHEMAS else "Person"
        ent = Entity(id="b", list_id="compare", schema=schema, name=b.name)
        one = LoadedList(ListVersion("compare", "compare", None, "", 1, 1, ""), [ent])
        pair_index = build_index([one])
        pair_index.idf = self._idf_for(pair_index.vocab)
        apply_weights(pair_index)
        pair = Screener([one], pair_index, self.params, self.default_threshold, weight_source=self)
        res = pair.screen([a], limit=1, threshold=0.0)[0]
        if not res.matches:
            return Comparison(0.0, {"tokens": [], "adjustments": []})
        m = res.matches[0]
        return Comparison(m.score, m.explanation)

    def subset(self, keys: list[tuple[str, str]]) -> Screener:
        """A Screener over only these (list id, entity id) records, scoring as this one would.

        Token weights stay those of all the loaded lists (as in ``compare``), so a customer
        screened against a list delta gets the score a full screening would give it."""
        by_list: dict[str, list[Entity]] = {}
        for list_id, entity_id in keys:
            found = self._by_key.get((list_id, entity_id))
            if found is not None:
                by_list.setdefault(list_id, []).append(found)
        parts = [LoadedList(v, by_list[v.id]) for v in self.versions if v.id in by_list]
        part_index = build_index(parts)
        part_index.idf = self._idf_for(part_index.vocab)
        apply_weights(part_index)
        part = Screener(parts, part_index, self.params, self.default_threshold, weight_source=self)
        part.links = self.links
        return part

    def _idf_for(self, tokens: np.ndarray) -> np.ndarray:
        ids = [self._vocab_id.get(t) for t in tokens]
        return np.array([self.index.max_idf if i is None else self.index.idf[i] for i in ids], np.float32)


@dataclass(slots=True)
class _Candidate:
    final: float  # name score with the evidence factors applied, capped at 1
    entity: int
    k: int  # its row in the RowScores
    facts: list[dict]  # the evidence adjustments behind ``final``


@dataclass(slots=True)
class _Scored:
    rows: list[list[str]]
    row_query: np.ndarray
    weights: list[np.ndarray]
    matches: dict
    scores: RowScores
