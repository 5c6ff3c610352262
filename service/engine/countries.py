"""Country names and codes as the lists write them -> ISO 3166 alpha-2, for comparing countries.

Lists write "Russia", "Russian Federation", "Syrian Arab Republic", "Korea, North", "Iran" or a
code; pycountry knows the official names and codes, the short forms below are the ones it lacks.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from service.engine.normalize import fold

_SHORT_NAMES = {
    "russia": "RU",
    "syria": "SY",
    "iran": "IR",
    "north korea": "KP",
    "korea north": "KP",
    "dprk": "KP",
    "south korea": "KR",
    "korea south": "KR",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "vietnam": "VN",
    "viet nam": "VN",
    "laos": "LA",
    "moldova": "MD",
    "palestine": "PS",
    "burma": "MM",
    "turkey": "TR",
    "taiwan": "TW",
    "macedonia": "MK",
    "czech republic": "CZ",
    "democratic republic congo": "CD",
    "congo democratic republic": "CD",
    "republic congo": "CG",
    "ivory coast": "CI",
    "united states": "US",
    "usa": "US",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "gaza": "PS",
    "west bank": "PS",
    "crimea": "UA",
    "kosovo": "XK",
}
# Demonyms ("Russian", "Iraqi", "Ukrainian") mostly come back to their country by a suffix rule
# (``_demonym_stems``); these are the ones no suffix rule reaches.
_DEMONYMS = {
    "afghan": "AF",
    "lebanese": "LB",
    "british": "GB",
    "french": "FR",
    "german": "DE",
    "turkish": "TR",
    "filipino": "PH",
    "swiss": "CH",
    "dutch": "NL",
    "saudi": "SA",
    "saudi arabian": "SA",
    "emirati": "AE",
    "moroccan": "MA",
    "uzbek": "UZ",
    "slovak": "SK",
    "norwegian": "NO",
    "north korean": "KP",
    "south korean": "KR",
    "palestinian": "PS",
    "israeli": "IL",
    "belarussian": "BY",
    "belarusian": "BY",
    "afghani": "AF",
    "italian": "IT",
    "mexican": "MX",
    "greek": "GR",
    "spanish": "ES",
    "cypriot": "CY",
    "mauritian": "MU",
}
_AMBIGUOUS = {"korean", "congolese"}  # which Korea, which Congo: no code rather than a wrong one
_NOISE = re.compile(r"\((?:\d+|[a-z])\)|\b(?:the|of)\b|[^a-z ]")


def _key(text: str) -> str:
    return " ".join(_NOISE.sub(" ", fold(text)).split())


@lru_cache(maxsize=2)
def _names(codes: bool = True) -> dict[str, str]:
    """Every pycountry name, official name, common name (and code), keyed like ``_key`` keys input."""
    table: dict[str, str] = {}
    attrs = ("alpha_2", "alpha_3") * codes + ("name", "official_name", "common_name")
    for c in pycountry.countries:
        for attr in attrs:
            if value := getattr(c, attr, None):
                table.setdefault(_key(value), c.alpha_2)
    table.update(_SHORT_NAMES)
    return table


def _demonym_stems(word: str) -> list[str]:
    """Country names a demonym may come from: Iraqi -> Iraq, Iranian -> Iran, Ukrainian ->
    Ukraine, Malian -> Mali, Russian -> Russia, Chinese -> China, Somali -> Somalia."""
    stems = [word[:-1], word[:-2], word[:-3], word[:-3] + "e", word[:-3] + "a", word + "a"]
    if word.endswith("istani"):
        stems.append(word[:-1])
    return [s for s in stems if len(s) >= 3]


@lru_cache(maxsize=8192)
def country_code(text: str, codes: bool = True) -> str | None:
    """ISO 3166 alpha-2 of a country name, code or demonym ("Syrian Arab Republic", "Syrian"
    -> "SY"), else None. ``codes=False`` for words of running text, where "in" and "us" are no
    country codes."""
    if not text:
        return None
    key, names = _key(text), _names(codes)
    if key in names:
        return names[key]
    if key in _DEMONYMS or key in _AMBIGUOUS:
        return _DEMONYMS.get(key)
    if key.endswith(("an", "i", "ese")) and " " not in key:
        return next((names[s] for s in _demonym_stems(key) if s in names), None)
    return None


def country_codes(texts: list[str]) -> set[str]:
    """The codes of every recognisable country among ``texts``; unknown names are left out."""
    return {code for t in texts if t and (code := country_code(t))}
