"""Japanese kana: Hepburn romanization (jaconv's kana table), the spelling of passports and lists.

Long vowels are written both ways names use: as the kana spell them ("ou", "uu") and reduced
("o", "u"), as "Kōsaburō" is "Kosaburo" in most Latin listings. Kanji cannot be told from
Chinese characters by their code points, so a name in kanji alone is read as Chinese (``han``);
pykakasi reads kanji as Japanese but costs seconds and ~180 MB per process on first use.
"""

from __future__ import annotations

import jaconv


def romanize(word: str) -> list[str]:
    """Hepburn readings of a hiragana or katakana word.

    >>> romanize("やまだ"), romanize("ミツテル"), romanize("こうさぶろう")
    (['yamada'], ['mitsuteru'], ['kousaburou', 'kosaburo'])
    """
    reading = jaconv.kana2alphabet(jaconv.kata2hira(word))
    reading = "".join(c for c in reading.lower() if c.isascii() and c.isalnum())
    if not reading:
        return []
    short = reading.replace("ou", "o").replace("oo", "o").replace("uu", "u").replace("ei", "e")
    return list(dict.fromkeys((reading, short)))
