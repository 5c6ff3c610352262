"""Repeated mentions within one text: "Canaan" after "Faouzi Kanaan" is the same man.

Journalists name someone in full once and by surname afterwards; a surname alone is too weak
to screen on its own, so it takes the entity of the earlier mention whose words it repeats.
Words are compared by the engine's transliteration skeleton ("canaan" ~ "kanaan"), and only
words that are rare in the lists count, so a shared "Ali" links nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import lru_cache

from service.engine.normalize import name_variants, skeleton
from service.engine.screener import Match


@dataclass(frozen=True, slots=True)
class Antecedent:
    start: int
    skeletons: frozenset[str]
    match: Match


@lru_cache(maxsize=65536)
def content_tokens(query: str) -> tuple[str, ...]:
    """The words of a span the engine scores: particles, titles and connecting words dropped."""
    variants = name_variants(query)
    return tuple(variants[0]) if variants else ()


@lru_cache(maxsize=65536)
def skeletons(query: str) -> frozenset[str]:
    return frozenset(skeleton(t) for t in content_tokens(query))


def antecedent(start: int, query: str, match: Match) -> Antecedent:
    return Antecedent(start, skeletons(query), match)


def resolve(start: int, query: str, earlier: list[Antecedent], is_rare) -> Match | None:
    """The match of the nearest earlier mention (``earlier`` is sorted latest first) that contains
    every (rare) word of ``query``."""
    tokens = content_tokens(query)
    if not earlier or not tokens or not all(is_rare(t) for t in tokens):
        return None
    keys = skeletons(query)
    for ante in earlier:
        if ante.start < start and keys <= ante.skeletons:
            note = f"resolved to the earlier mention at offset {ante.start}"
            return replace(
                ante.match, explanation={**ante.match.explanation, "resolved_to": ante.start, "note": note}
            )
    return None
