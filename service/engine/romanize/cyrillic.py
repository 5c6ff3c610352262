"""Cyrillic: the standard romanization schemes, each a spelling lists and passports really use.

iuliia implements them as published (tables and context rules, e.g. "е" after a vowel): BGN/PCGN
as Wikipedia applies it ("Khrushchev"), the passport scheme of ICAO Doc 9303 ("Iurii"), GOST 7.79
and ISO 9 (letters with diacritics, folded to ASCII: "Müller" written "мюллер" -> "muller"), and
the informal one of messaging ("Hemilton"). Written rules add what the schemes do not: "дж" as
"j" (English and Arabic names: "Олатунджи" -> "olatunji").

>>> romanize("Хрущёв")[:3], romanize("Мюллер")
(['khrushchyov', 'khrushchev', 'hrusev'], ['myuller', 'miuller', 'muller', 'mjuller'])
"""

from __future__ import annotations

import iuliia
from anyascii import anyascii

_SCHEMES = (iuliia.WIKIPEDIA, iuliia.ICAO_DOC_9303, iuliia.GOST_779, iuliia.TELEGRAM, iuliia.SCIENTIFIC)


def _ascii(text: str) -> str:
    return "".join(c for c in anyascii(text).lower() if c.isalnum())


def romanize(word: str) -> list[str]:
    """The word in each scheme, folded to ASCII, without duplicates (most usual first)."""
    word = word.replace("ё", "е") if word.count("ё") > 1 else word
    out = [_ascii(s.translate(word)) for s in _SCHEMES]
    out.insert(1, _ascii(iuliia.WIKIPEDIA.translate(word.replace("ё", "е"))))
    out += [o.replace("dzh", "j") for o in out if "dzh" in o]
    return [o for o in dict.fromkeys(out) if o]
