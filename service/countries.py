"""Country names and codes as the lists write them -> ISO 3166 alpha-2, for comparing countries.

Lists write "Russia", "Russian Federation", "Syrian Arab Republic", "Korea, North", "Iran" or a
code; pycountry knows the official names and codes, the short forms below are the ones it lacks.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

from service.normalize import fold

_SHORT_NAMES = {
    "russia": "RU", "syria": "SY", "iran": "IR", "north korea": "KP", "korea north": "KP",
    "dprk": "KP", "south korea": "KR", "korea south": "KR", "venezuela": "VE", "bolivia": "BO",
    "tanzania": "TZ", "vietnam": "VN",
    "viet nam": "VN", "laos": "LA", "moldova": "MD", "palestine": "PS", "burma": "MM",
    "turkey": "TR", "taiwan": "TW", "macedonia": "MK", "czech republic": "CZ",
    "democratic republic congo": "CD", "congo democratic republic": "CD",
    "republic congo": "CG", "ivory coast": "CI",
    "united states": "US", "usa": "US", "uk": "GB", "united kingdom": "GB", "great britain": "GB",
    "gaza": "PS", "west bank": "PS", "crimea": "UA", "kosovo": "XK",
}
_NOISE = re.compile(r"\((?:\d+|[a-z])\)|\b(?:the|of)\b|[^a-z ]")


def _key(text: str) -> str:
    return " ".join(_NOISE.sub(" ", fold(text)).split())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    """Every pycountry name, official name, common name and code, keyed like ``_key`` keys input."""
    table: dict[str, str] = {}
    for c in pycountry.countries:
        for attr in ("alpha_2", "alpha_3", "name", "official_name", "common_name"):
            if value := getattr(c, attr, None):
                table.setdefault(_key(value), c.alpha_2)
    table.update(_SHORT_NAMES)
    return table


@lru_cache(maxsize=8192)
def country_code(text: str) -> str | None:
    """ISO 3166 alpha-2 of a country name or code ("Syrian Arab Republic" -> "SY"), else None."""
    return _names().get(_key(text)) if text else None


def country_codes(texts: list[str]) -> set[str]:
    """The codes of every recognisable country among ``texts``; unknown names are left out."""
    return {code for t in texts if t and (code := country_code(t))}
