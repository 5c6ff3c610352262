"""Candidate spans: every run of 1..4 words (and the connecting words between them) inside a clause
that could be a listed name.

The list itself is the gazetteer, so candidates are not limited to capitalised spans (the
engine scores them all in one batch); what is not capitalised is only held to stricter rules
later (``screen_text``). A span does not start or end with a function word, and a span made
only of function words, months, weekdays, countries, demonyms or regions is no candidate.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.engine.name_parts import PARTICLES, STOPWORDS
from service.text.noise import is_noise_word, is_place_or_noise
from service.text.tokens import Word

MAX_WORDS = 4  # content words; connecting words and particles come on top ("Forces of Colombia")
MAX_SPAN = 6
# "name": its words capitalised; "initial": one capitalised word opening a sentence (its capital
# says nothing); "uncased": in a sentence all in capitals or all in lower case; "lower": a word in
# lower case where the writer used case, i.e. written as an ordinary word.
STYLES = ("name", "initial", "uncased", "lower")


@dataclass(frozen=True, slots=True)
class Candidate:
    first: int  # index of the first word
    last: int  # index of the last word (inclusive)
    start: int  # character offsets into the original text
    end: int
    query: str  # the words joined by single spaces: line breaks and possessives gone
    style: str  # how it is written: one of STYLES

    @property
    def size(self) -> int:
        return self.last - self.first + 1


def _edge_ok(word: Word, leading: bool) -> bool:
    """A span may start with an initial ("T. Z. El Aissami") or a capitalised particle ("El Aissami",
    "Al Qaida"), never end with a particle."""
    if leading and len(word.text) == 1 and word.text.isupper():
        return True
    if is_noise_word(word.folded):
        return False
    return word.folded not in PARTICLES or (leading and word.text[:1].isupper())


def _style(span: list[Word]) -> str:
    if not span[0].cased:
        return "uncased"
    if not all(w.text[:1].isupper() for w in span if w.folded not in PARTICLES and w.folded not in STOPWORDS):
        return "lower"  # "Revolutionary Armed Forces of Colombia" is a name, "Hezbollah members" not
    return "initial" if len(span) == 1 and span[0].sentence_initial else "name"


def candidates(words: list[Word]) -> list[Candidate]:
    """All candidate spans, in text order (shorter first at the same start)."""
    out: list[Candidate] = []
    for i, first in enumerate(words):
        if not _edge_ok(first, leading=True):
            continue
        content = 0
        for j in range(i, min(i + MAX_SPAN, len(words))):
            content += words[j].folded not in PARTICLES and words[j].folded not in STOPWORDS
            new_clause = j > i and words[j].clause != words[j - 1].clause
            if content > MAX_WORDS or (new_clause and not (j == i + 1 and words[j].after_surname_comma)):
                break  # one comma may follow the first word: "KAN'AN, Fawzi Mustafa"
            span = words[i : j + 1]
            if _edge_ok(words[j], leading=False) and not is_place_or_noise(tuple(w.folded for w in span)):
                query = " ".join(w.text for w in span)
                if j > i and span[1].clause != first.clause:
                    query = query.replace(" ", ", ", 1)  # the engine reads "LAST, First" in order
                out.append(Candidate(i, j, first.start, words[j].end, query, _style(span)))
            if words[j].possessive:
                break  # "Maduro's government": the name ends at the possessive
    return out
