"""Japanese kana and kanji: Hepburn romanization (pykakasi), the spelling of passports and lists.

Long vowels are written both ways names use: doubled or marked in the reading ("ou", "oo") and
reduced ("o"), as "Kōsaburō" is "Kosaburo" in most Latin listings.
"""

from __future__ import annotations

import functools

import pykakasi


@functools.cache
def _kakasi() -> pykakasi.kakasi:
    return pykakasi.kakasi()


def romanize(word: str) -> list[str]:
    """Hepburn readings of a kana (or kanji) word.

    >>> romanize("やまだ"), romanize("ミツテル")
    (['yamada'], ['mitsuteru'])
    """
    reading = "".join(part["hepburn"] for part in _kakasi().convert(word))
    reading = "".join(c for c in reading.lower() if c.isalnum())
    if not reading:
        return []
    short = reading.replace("ou", "o").replace("oo", "o").replace("uu", "u").replace("ei", "e")
    return list(dict.fromkeys((reading, short)))
