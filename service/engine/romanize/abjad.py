"""Reading a word of a script that writes few vowels (Hebrew, Arabic) as its Latin spellings.

Each letter has a few readings, most usual first (``LetterTable``): the consonant it is, or the
vowel a vowel letter (matres lectionis: alef, waw, yod / ya) stands for, or nothing. A word gives:
- Latin guesses: every letter's first reading, then each ambiguous letter switched to its other
  readings one at a time, then all switched together: a handful of spellings, not the product;
- consonant keys (``CONSONANT_MARK`` + the consonants in skeleton classes, vowel letters left
  out), compared with the consonant keys of the Latin vocabulary: "קנוורי" -> "~knr" finds
  "Canevari", whose key is "knr" too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.engine.normalize import CONSONANT_MARK, consonant_key

CLOSE_MARK = "="  # marks a vowel guess: it counts only where it is close to a listed spelling
MAX_GUESSES = 12
MAX_KEYS = 6
_DIGRAPHS = {"kh": "K", "sh": "S", "gh": "G", "th": "T", "dh": "D", "ch": "C", "zh": "Z"}  # one sound each
_C = "bcdfghjklmnpqrstvwxz" + "".join(_DIGRAPHS.values())
_INITIAL2 = re.compile(f"^([{_C}])(?=[{_C}])")
_CLUSTER3 = re.compile(f"([{_C}])([{_C}])(?=[{_C}])")
_FINAL2 = re.compile(f"([{_C}])(?=[{_C}]$)")


@dataclass(frozen=True, slots=True)
class LetterTable:
    """letter (or letter + geresh) -> readings for the Latin guess; vowel letters' readings."""

    readings: dict[str, tuple[str, ...]]
    initial: dict[str, tuple[str, ...]]  # readings at the start of a word, where they differ
    final: dict[str, tuple[str, ...]]  # readings at the end of a word, where they differ
    digraph_marks: str  # marks that make a digraph with the letter before (Hebrew geresh)


def letters(word: str, table: LetterTable) -> list[tuple[str, ...]]:
    """The readings of each letter of the word, position rules applied."""
    units: list[str] = []
    for ch in word:
        if ch in table.digraph_marks and units:
            units[-1] += "'"
        elif units and units[-1] + ch in table.readings:  # a doubled letter read as one (Hebrew וו)
            units[-1] += ch
        elif ch in table.readings or ch in table.initial or ch in table.final:
            units.append(ch)
    out = []
    for i, u in enumerate(units):
        r = table.readings.get(u) or table.readings.get(u[:1], ("",))
        if i == 0 and u in table.initial:
            r = table.initial[u]
        elif i == len(units) - 1 and i > 0 and u in table.final:
            r = table.final[u]
        out.append(r)
    return out


def guesses(readings: list[tuple[str, ...]]) -> list[str]:
    """The first reading of every letter, each ambiguous letter switched alone, all switched."""
    base = [r[0] for r in readings]
    out = ["".join(base)]
    for i, r in enumerate(readings):
        for alt in r[1:]:
            out.append("".join(base[:i] + [alt] + base[i + 1 :]))
    out.append("".join(r[1] if len(r) > 1 else r[0] for r in readings))
    return [o for o in dict.fromkeys(out) if o][:MAX_GUESSES]


def keys(spellings: list[str]) -> list[str]:
    """Consonant keys of Latin spellings, as tokens the token matcher compares with the vocabulary's."""
    out = [CONSONANT_MARK + consonant_key(s) for s in spellings if s.isalpha()]
    return [k for k in dict.fromkeys(out) if len(k) > 2][:MAX_KEYS]  # one consonant says nothing


def vowelled(guess: str, vowel: str = "a", final: bool = True) -> str:
    """The guess with ``vowel`` put where a syllable needs one the script leaves out: no word
    starts or (with ``final``) ends with two consonants, none has three in a row.

    >>> vowelled("hsn"), vowelled("ahmd"), vowelled("jmal"), vowelled("shms", final=False)
    ('hasan', 'ahmad', 'jamal', 'shams')
    >>> vowelled("hln", "e"), vowelled("hrmn", "e")
    ('helen', 'hermen')
    """
    s = guess
    for d, c in _DIGRAPHS.items():
        s = s.replace(d, c)
    s = _INITIAL2.sub(rf"\1{vowel}", s)
    while _CLUSTER3.search(s):
        s = _CLUSTER3.sub(rf"\1\2{vowel}", s, count=1)
    if final:
        s = _FINAL2.sub(rf"\1{vowel}", s)
    for d, c in _DIGRAPHS.items():
        s = s.replace(c, d)
    return s
