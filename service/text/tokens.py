"""Running text to word tokens that keep their character offsets into the original text.

A word may hold inner apostrophes and hyphens ("Kan'an", "El-Aissami"); a possessive "'s" is
not part of it ("Maduro's" -> "Maduro"). Words are grouped into clauses: a name never spans a
sentence end, a comma, a bracket or a blank line, but may span a single line break (and the comma
of "SURNAME, Given", the way lists and payment messages write names).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.engine.normalize import fold
from service.engine.unmask import unmask_offsets

_WORD = re.compile(r"\w+(?:['\u2019\u02bc`\-\u2010\u2011]\w+)*", re.UNICODE)
_POSSESSIVE = re.compile(r"['\u2019\u02bc]s$", re.IGNORECASE)
# What ends a clause between two words: punctuation, brackets, dashes standing alone, a blank line.
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]{}\"\u201c\u201d\u00ab\u00bb/|\u2013\u2014]|\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?]|\n\s*\n")
_INITIAL = re.compile(r"^\s*\.\s*$")  # "J. Smith": the dot after a lone capital is not an end
_COMMA = re.compile(r"^[ \t]*,[ \t]*$")


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    end: int  # possessive excluded
    text: str
    folded: str
    clause: int
    sentence: int
    sentence_initial: bool
    cased: bool  # False in a sentence written all in capitals or all in lower case
    possessive: bool  # "'s" followed (and was cut off): the name ends here
    after_surname_comma: bool  # follows "SURNAME," (a word in capitals and a comma): "KAN'AN, Fawzi"


def words(text: str) -> list[Word]:
    """The words of ``text`` with offsets, clause and sentence numbers, and case information.

    Words are read from the text as a reader sees it (``unmask``: a Hangul filler between two
    names is a blank, a zero-width space inside one is nothing); offsets are into ``text``.
    """
    text, source = unmask_offsets(text)
    raw: list[tuple[int, int, str, int, int, bool, bool, bool]] = []
    clause, sentence, prev_end, prev_text = 0, 0, 0, ""
    for m in _WORD.finditer(text):
        start, end = m.span()
        gap = text[prev_end:start]
        initial = len(prev_text) == 1 and prev_text.isupper() and _INITIAL.match(gap)
        if raw and _CLAUSE_BREAK.search(gap) and not initial:
            clause += 1
        sentence_initial = not raw or (bool(_SENTENCE_END.search(gap)) and not initial)
        if raw and sentence_initial:
            sentence += 1
        token = m.group()
        possessive = _POSSESSIVE.search(token)
        possessive = possessive if possessive and possessive.start() > 0 else None
        if possessive:
            end = start + possessive.start()
            token = token[: possessive.start()]
        surname = len(prev_text) > 1 and prev_text.isupper() and _COMMA.match(gap) is not None
        raw.append((start, end, token, clause, sentence, sentence_initial, bool(possessive), surname))
        prev_end, prev_text = m.end(), token
    uncased = _uncased_sentences(raw)
    return [
        Word(source[s], source[e - 1] + 1, t, fold(t), c, n, si, n not in uncased, p, sc)
        for s, e, t, c, n, si, p, sc in raw
    ]


def _uncased_sentences(raw: list[tuple[int, int, str, int, int, bool, bool, bool]]) -> set[int]:
    """Sentences written (mostly) in capitals or with no capital at all, like many payment
    messages: their case says nothing about which words are names."""
    upper: dict[int, list[bool]] = {}
    lower: dict[int, list[bool]] = {}
    for _, _, token, _, sentence, _, _, _ in raw:
        if token[:1].isalpha():
            upper.setdefault(sentence, []).append(token.isupper())
            lower.setdefault(sentence, []).append(token.islower())
    return {
        n for n, flags in upper.items() if len(flags) >= 3 and sum(flags) / len(flags) > 0.6 or all(lower[n])
    }
