"""Per-script romanization: the few Latin spellings under which a name written in another script
is listed, so that "김소희" finds "Kim So-hui", "מת'יו רוס" finds "Matthew Ross" and "弗朗西斯"
finds "Francis".

One module per script family, each a function from one word of its script to its romanizations,
most usual first: ``han`` (Chinese: pinyin, Wade-Giles, Hong Kong/Taiwan surnames, the
transcription characters of foreign names), ``hangul`` (Korean: Revised and McCune-Reischauer,
surnames, loanword reading), ``hebrew`` and ``arabic`` (abjads: vowel letters read as vowels, and
consonant keys), ``cyrillic`` (ISO 9, BGN/PCGN, GOST, passport), ``kana`` (Japanese Hepburn).

A query word's romanizations travel as ONE token, joined by ``ALT_SEP`` ("kim|gim"); the token
matcher scores each and keeps the best per vocabulary token, so a name with alternatives is still
one row of the same vectorized scoring. Latin-script names never reach this package.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from service.engine.romanize import arabic, cyrillic, han, hangul, hebrew, kana
from service.engine.romanize.abjad import CLOSE_MARK as CLOSE_MARK  # the token matcher reads it here
from service.engine.unmask import unmask

ALT_SEP = "|"  # joins a token's alternatives; tokenize() never yields it

# script name -> (Unicode ranges of its letters, romanizer of one word)
_SCRIPTS: dict[str, tuple[str, Callable[[str], list[str]]]] = {
    "han": ("\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff", han.romanize),
    "hangul": ("\u1100-\u11ff\u3130-\u318f\uac00-\ud7af", hangul.romanize),
    "kana": ("\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9d", kana.romanize),
    "hebrew": ("\u0590-\u05ff\ufb1d-\ufb4f", hebrew.romanize),
    "arabic": ("\u0600-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufeff", arabic.romanize),
    "cyrillic": ("\u0400-\u052f", cyrillic.romanize),
}
_WORD = re.compile("|".join(f"(?P<{s}>[{r}'\u05f3\u05f4\u2019\u0640]+)" for s, (r, _) in _SCRIPTS.items()))
_enabled = set(_SCRIPTS)


def enable(scripts: set[str]) -> None:
    """Romanize only these scripts (the others fall back to the generic transliteration).

    For ``bench/script_eval.py``, which measures what each romanizer adds."""
    unknown = scripts - set(_SCRIPTS)
    if unknown:
        raise ValueError(f"unknown romanizers: {sorted(unknown)}; known: {sorted(_SCRIPTS)}")
    _enabled.clear()
    _enabled.update(scripts)


def enabled() -> set[str]:
    return set(_enabled)


def words(name: str) -> list[tuple[str, str]]:
    """(script, word) for each word of a romanized script in the name, in order.

    >>> words("김소희 John 毛泽东")
    [('hangul', '김소희'), ('han', '毛泽东')]
    """
    if name.isascii():  # the common case, at no cost
        return []
    text = unicodedata.normalize("NFKC", unmask(name))  # what the reader sees, as normalize reads it
    out = []
    for m in _WORD.finditer(text):
        script = m.lastgroup or ""
        word = m.group(0).strip("'\u05f3\u2019\u0640")
        if word and script in _enabled:
            out.append((script, word))
    return out


# Scripts whose first romanization is the spelling Latin lists use (not a guess at vowels).
_SURE = ("han", "hangul", "kana", "cyrillic")


def listed_variants(name: str) -> list[list[str]]:
    """Token lists a listed name in another script is indexed as besides its generic reading: its
    first romanization, whole and as surname + given name, so a Latin query finds it.

    Only scripts written with their vowels (``_SURE``); Hebrew and Arabic guesses stay queries'.

    >>> listed_variants("김정은"), listed_variants("Иван Петров")
    ([['gimjeongeun'], ['kim', 'jeongeun']], [['ivan', 'petrov']])
    """
    if any(script not in _SURE for script, _ in words(name)):
        return []
    return [[t.split(ALT_SEP)[0] for t in row] for row in alternative_rows(name)]


_SYLLABARIES = ("han", "hangul", "kana")
_SYLLABIC_NAME = re.compile("^[" + "".join(_SCRIPTS[s][0] for s in _SYLLABARIES) + r"\s\-·・.]+$")


def replaces_generic(name: str) -> bool:
    """Whether the name's romanizations replace the generic transliteration's reading of it.

    True for a name written wholly in Chinese, Korean or Japanese script, whose generic reading
    (one token per syllable) matches short Latin names by accident ("艾奧拿" as "ai ao na").
    """
    return bool(_SYLLABIC_NAME.match(name.strip())) and all(s in _enabled for s in _SYLLABARIES)


def shown(token: str, most: int = 4) -> str:
    """A token as an explanation shows it: a romanized word's first few spellings, unmarked.

    >>> shown("=zrual|=zarual|~zrl"), shown("tareck")
    ('zrual|zarual|~zrl', 'tareck')
    """
    if ALT_SEP not in token:
        return token
    return ALT_SEP.join(dict.fromkeys(t.lstrip(CLOSE_MARK) for t in token.split(ALT_SEP)[:most]))


def _compounds(found: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Arabic-script words that Latin spellings join ("هدايت الله" -> Hidayatullah) as one word."""
    out: list[tuple[str, str]] = []
    for script, word in found:
        if script == "arabic" and out and out[-1][0] == "arabic":
            joined = arabic.compounds([out[-1][1], word])
            if len(joined) == 1:
                out[-1] = (script, joined[0])
                continue
        out.append((script, word))
    return out


@lru_cache(maxsize=1 << 16)
def _forms(script: str, word: str) -> tuple[str, ...]:
    """A word's romanizations, kept: customer files repeat the same first and last names."""
    return tuple(_SCRIPTS[script][1](word))


def alternative_rows(name: str, max_alternatives: int = 24) -> list[list[str]]:
    """Query rows whose tokens carry the romanizations of the name's non-Latin words.

    Each word gives one token ("a|b|c"); a word a romanizer splits (a Korean or Chinese full name
    written as one word: surname, then given name) gives a second row with it split. Empty when
    the name has no word in a romanized script.

    >>> alternative_rows("Иван")
    [['ivan']]
    """
    found = _compounds(words(name))
    if not found:
        return []
    whole: list[str] = []
    split: list[str] = []
    for script, word in found:
        forms = _forms(script, word)
        one = [f for f in forms if " " not in f]
        parts = [f.split(" ") for f in forms if " " in f]
        if one:
            whole.append(ALT_SEP.join(one[:max_alternatives]))
        if parts:  # surname + given name: alternatives per part, as two tokens
            n = max(len(p) for p in parts)
            split += [ALT_SEP.join(dict.fromkeys(p[i] for p in parts if len(p) == n)) for i in range(n)]
        elif one:
            split.append(whole[-1])
    rows = [whole] if whole else []
    if split != whole:
        rows.append(split)
    return rows
