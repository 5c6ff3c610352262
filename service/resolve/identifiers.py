"""Identifier numbers that make two records one party: passports, national IDs, IMO, registrations.

Lists write the same number differently ("OB 0243318", "ob-0243318", "CAR diplomatic passport
no. D00000898"); ``number_keys`` reduces each to upper-case letters and digits so they compare.
Descriptive "identifiers" (OFAC's "Secondary sanctions risk:", dates, websites) are not numbers
and are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.engine.countries import country_code
from service.engine.model import Entity

# A number must be long enough that two different parties are unlikely to share it by chance.
MIN_DIGITS = 4
MIN_LENGTH = 6

_NOT_A_NUMBER = re.compile(
    r"date|information|risk|website|e-?mail|phone|gender|type|prohibited|designation|sanctions|"
    r"listing|nationality|citizenship|birth|address|title",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[^\s,;:()]+")
_KEEP = re.compile(r"[^A-Z0-9]")
_SWIFT = re.compile(r"swift|bic", re.IGNORECASE)
_BIC = re.compile(r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?")


@dataclass(frozen=True, slots=True)
class Identifier:
    """One normalized number of an entity, with where it came from for the explanation."""

    key: str  # upper-case letters and digits only
    type: str  # the list's own document type, e.g. "Passport", "IMO", "Registration Number"
    country: str | None  # ISO 3166 alpha-2 of the issuing country, where the list names one
    number: str  # as listed


def number_keys(number: str) -> set[str]:
    """The comparable forms of a listed number: the whole string compacted when it is short
    (a number written with spaces or dashes), and every word in it that looks like a number."""
    keys = set()
    words = _WORDS.findall(number.upper())
    if len(words) <= 3 and all(len(w) <= 3 or any(ch.isdigit() for ch in w) for w in words):
        keys.add(_KEEP.sub("", number.upper()))  # "OB 0243318": pieces of one number
    keys.update(_KEEP.sub("", w) for w in words)
    return {k for k in keys if len(k) >= MIN_LENGTH and sum(ch.isdigit() for ch in k) >= MIN_DIGITS}


def identifiers(entity: Entity) -> list[Identifier]:
    """Every identifying number of ``entity``: its documents and its vessel's IMO number."""
    out: dict[str, Identifier] = {}
    for doc in entity.documents:
        if not doc.number or _NOT_A_NUMBER.search(doc.type or ""):
            continue
        code = country_code(doc.country) if doc.country else None
        keys = number_keys(doc.number)
        if _SWIFT.search(doc.type or ""):  # bank codes are letters, not digits: "HAVIGB2L"
            keys.update(k for k in _WORDS.findall(doc.number.upper()) if _BIC.fullmatch(k))
        for key in keys:
            out.setdefault(key, Identifier(key, doc.type, code, doc.number))
    if entity.vessel and entity.vessel.imo:
        for key in number_keys(entity.vessel.imo):
            out.setdefault(key, Identifier(key, "IMO", None, entity.vessel.imo))
    return list(out.values())


def same_document(a: Identifier, b: Identifier) -> bool:
    """Equal numbers are one document unless the lists name different issuing countries."""
    return a.key == b.key and (a.country is None or b.country is None or a.country == b.country)
