"""Find listed names in free text: an article, a payment message, a note.

Every candidate span (``mentions``) is screened in ONE ``Screener.screen`` call; spans are then
admitted by rules that stand in for what case and context tell a reader, the best
non-overlapping ones are kept, and short repeated mentions are resolved to earlier full ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from service.engine.budget import Budget
from service.engine.countries import country_code
from service.engine.facts import tied_country_codes
from service.engine.index import NameIndex
from service.engine.normalize import skeleton
from service.engine.screener import Match, Query, Result, Screener
from service.text.coreference import antecedent, content_tokens, resolve
from service.text.mentions import Candidate, candidates
from service.text.noise import is_place_or_noise
from service.text.tokens import Word, words

# A listed word is rare when at most ~20 entities share it: only rare words can carry a mention
# that rests on one word (a lone organisation name, a surname repeated after a full name).
RARE_DF = 20
# A span in a sentence without case information (a payment message in capitals) needs this score.
UNCASED_MIN_SCORE = 0.80
# A span whose words are all common in the lists needs this score; one with a rare word matched
# at RARE_WORD_SIMILARITY or better only the threshold.
COMMON_WORDS_MIN_SCORE = 0.90
RARE_WORD_SIMILARITY = 0.80
SINGLE_WORD_COVERAGE = 0.80  # a one-word mention must be (almost) the whole listed name
SINGLE_WORD_SIMILARITY = 0.95  # ... and spelled the same, or the same by skeleton

_RARE: dict[int, tuple[NameIndex, dict[str, bool]]] = {}  # per index: which vocabulary tokens are rare


@dataclass(slots=True)
class Mention:
    start: int  # character offsets into the original text
    end: int
    text: str
    matches: list[Match]

    def as_result(self, threshold: float) -> Result:
        """The mention as one screened name (its offsets as the query id), as the audit log keeps it."""
        return Result(Query(self.text, id=f"{self.start}-{self.end}"), self.matches, threshold)


def screen_text(
    screener: Screener,
    text: str,
    threshold: float | None = None,
    lists: list[str] | None = None,
    limit: int = 10,
    budget: Budget | None = None,
) -> list[Mention]:
    """The mentions of listed names in ``text`` scoring above ``threshold``, in text order.

    A ``budget`` bounds the one engine call (``Screener.screen`` raises ``OverBudget``)."""
    thr = screener.effective_threshold(threshold)
    ws = words(text)
    cands = candidates(ws)
    queries = list(dict.fromkeys(c.query for c in cands))
    results = screener.screen(
        [Query(q) for q in queries], limit=limit, threshold=thr, lists=lists, budget=budget
    )
    found = {q: r.matches for q, r in zip(queries, results, strict=True) if r.matches}
    is_rare = rarity(screener)
    admitted = [
        (c, found[c.query])
        for c in cands
        if c.query in found
        and admissible(c, found[c.query][0], thr, is_rare)
        and not _other_country(screener, ws, c, found[c.query][0])
    ]
    taken = bytearray(len(ws))  # per word: already part of a mention
    chosen = _non_overlapping(admitted, taken)
    earlier = sorted((antecedent(c.start, c.query, ms[0]) for c, ms in chosen), key=lambda a: -a.start)
    resolved = []
    for c in sorted(cands, key=lambda c: (-c.size, c.start)):
        if c.style == "lower" or any(taken[c.first : c.last + 1]):
            continue  # "the guards left" does not repeat "Iranian Revolutionary Guards"
        match = resolve(c.start, c.query, earlier, is_rare)
        if match is not None:
            resolved.append((c, [match]))
            taken[c.first : c.last + 1] = b"\x01" * c.size
    mentions = [Mention(c.start, c.end, text[c.start : c.end], ms) for c, ms in chosen + resolved]
    return sorted(mentions, key=lambda m: m.start)


def admissible(c: Candidate, best: Match, threshold: float, is_rare: Callable[[str], bool]) -> bool:
    """Whether a span's best match may alert on its own (a repeated mention may still be resolved)."""
    if c.style == "lower":
        return False  # the writer wrote it as an ordinary word
    tokens = content_tokens(c.query)
    pairs = best.explanation.get("tokens", [])
    if len(tokens) == 1:
        # One word never identifies a person (a shared surname is not the same man), a vessel or
        # an aircraft (their names are ordinary words), and an organisation only when the word is
        # its whole, rare, strong name, spelled the same.
        if (
            best.schema != "Organization"
            or best.weak_alias
            or best.explanation.get("name_coverage", 0) < SINGLE_WORD_COVERAGE
        ):
            return False
        return any(
            p["listed"]
            and is_rare(p["listed"])
            and not is_place_or_noise((p["query"],))
            and (p["similarity"] >= SINGLE_WORD_SIMILARITY or skeleton(p["query"]) == skeleton(p["listed"]))
            for p in pairs
        )
    if c.style == "uncased" and best.score < max(threshold, UNCASED_MIN_SCORE):
        return False
    # A span of common words ("State Department") must match a listed name almost whole.
    rare = any(
        p["listed"]
        and p["similarity"] >= RARE_WORD_SIMILARITY
        and is_rare(p["listed"])
        and not is_place_or_noise((p["query"],))
        for p in pairs
    )
    return rare or best.score >= COMMON_WORDS_MIN_SCORE


def _other_country(screener: Screener, ws: list[Word], c: Candidate, best: Match) -> bool:
    """ "the Venezuelan Ministry of Petroleum" is not Iran's: a country adjective just before the
    span, or opening it, that names none of the countries the entity is tied to rules the match out."""
    before = ws[c.first - 1] if c.first > 0 and ws[c.first - 1].clause == ws[c.first].clause else None
    words = [w for w in (before, ws[c.first] if c.last > c.first else None) if w is not None]
    wanted = {code for w in words if (code := country_code(w.folded, codes=False))}
    entity = screener.entity(best.list, best.entity_id) if wanted else None
    if entity is None:
        return False
    tied = tied_country_codes(entity)
    return bool(tied) and not wanted & tied


def rarity(screener: Screener) -> Callable[[str], bool]:
    """A predicate: is this folded token shared by at most RARE_DF entities (unknown tokens are)?"""
    index = screener.index
    cached = _RARE.get(id(index))
    if cached is None or cached[0] is not index:
        # idf = ln((N+1)/(df+1)) + 1: df <= RARE_DF is within ln((RARE_DF+1)/2) of the maximum (df=1).
        cut = index.max_idf - math.log((RARE_DF + 1) / 2)
        cached = (index, {str(t): float(w) >= cut for t, w in zip(index.vocab, index.idf, strict=True)})
        if len(_RARE) >= 4:
            _RARE.clear()
        _RARE[id(index)] = cached
    rare = cached[1]
    return lambda token: rare.get(token, True)


def _non_overlapping(
    admitted: list[tuple[Candidate, list[Match]]], taken: bytearray
) -> list[tuple[Candidate, list[Match]]]:
    """Best score first, the longer span on ties; a span overlapping a kept one is dropped.
    The kept spans' words are marked in ``taken``."""
    kept: list[tuple[Candidate, list[Match]]] = []
    for c, ms in sorted(admitted, key=lambda cm: (-cm[1][0].score, -cm[0].size, cm[0].start)):
        if not any(taken[c.first : c.last + 1]):
            kept.append((c, ms))
            taken[c.first : c.last + 1] = b"\x01" * c.size
    return sorted(kept, key=lambda cm: cm[0].start)
