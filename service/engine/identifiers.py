"""Identifiers as evidence: a passport, national ID, tax/registration number, IMO or BIC/SWIFT
given with a query, compared with the numbers the lists give their records.

An exact match of the normalized number (upper-case letters and digits) of the same kind is
strong evidence whatever the names say: the record alerts, and the explanation says why. A
different number of the same kind and issuing country counts against the name match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.engine.countries import country_code
from service.engine.model import Entity

KINDS = ("passport", "national_id", "tax_id", "imo", "bic")
GLOBAL = frozenset({"imo", "bic"})  # numbers unique worldwide, whatever the country
MATCH_SCORE = 0.999  # an identical identifier makes the record alert at any usual threshold
CONFLICT_FACTOR = 0.3  # another number of the same kind and country: the name match's odds x 0.3
MIN_LENGTH = 5  # shorter "numbers" are too likely to be shared by chance

# The lists' own document types, by kind (matched on the lower-cased type).
_KIND_OF = (
    ("imo", re.compile(r"\bimo\b")),
    ("bic", re.compile(r"swift|\bbic\b")),
    ("passport", re.compile(r"passport|passeport|pasaporte")),
    (
        "tax_id",
        re.compile(
            r"\btax\b|\bnit\b|\brif\b|\brfc\b|\binn\b|\bogrn\b|\bruc\b|\bcuit\b|\bvat\b"
            r"|registration|company (?:number|no)|business (?:number|registration)|fiscal"
            r"|\bkpp\b|\bokpo\b"
        ),
    ),
    (
        "national_id",
        re.compile(
            r"national|identity|identification|\bid\b|c[eé]dula|\bcurp\b|personal|\bdni\b"
            r"|\bcnic\b"
        ),
    ),
)
_KEEP = re.compile(r"[^A-Z0-9]")


@dataclass(frozen=True, slots=True)
class Identifier:
    """An identifier given with a query: ``type`` one of KINDS, the number as typed."""

    type: str
    number: str
    country: str | None = None


def kind_of(document_type: str) -> str | None:
    """The kind of a listed document type ("Cedula No." -> national_id); a kind is its own kind."""
    if document_type in KINDS:
        return document_type
    low = document_type.lower()
    return next((kind for kind, rx in _KIND_OF if rx.search(low)), None)


def number_key(number: str, kind: str | None = None) -> str:
    """Upper-case letters and digits only; an IMO number without its "IMO" prefix."""
    key = _KEEP.sub("", number.upper())
    return key[3:] if kind == "imo" and key.startswith("IMO") else key


def parse_identifiers(text: str) -> list[Identifier]:
    """ "passport:C1668015:VE; imo:9187629" -> Identifiers (a batch file's identifier column);
    ValueError naming the part that is not TYPE:NUMBER[:COUNTRY]."""
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        kind, _, rest = part.partition(":")
        number, _, country = rest.partition(":")
        kind = kind.strip().lower()
        if kind not in KINDS or not any(ch.isalnum() for ch in number):
            raise ValueError(
                f"identifier {part[:60]!r}: expected TYPE:NUMBER[:COUNTRY], TYPE one of {', '.join(KINDS)}"
            )
        out.append(Identifier(kind, number.strip(), country.strip() or None))
    return out


def listed_identifiers(entity: Entity) -> list[tuple[str, str, str | None, str]]:
    """(kind, number key, country code, as listed) of every document of a record, and its IMO."""
    out = []
    for doc in entity.documents:
        kind = kind_of(doc.type)
        key = number_key(doc.number, kind)
        if kind and len(key) >= MIN_LENGTH:
            code = country_code(doc.country) if doc.country else None
            out.append((kind, key, code, f"{doc.type} {doc.number}"))
    if entity.vessel and entity.vessel.imo and not any(k == "imo" for k, *_ in out):
        out.append(("imo", number_key(entity.vessel.imo, "imo"), None, f"IMO {entity.vessel.imo}"))
    return out


class IdentifierIndex:
    """Number key -> the records that list it, to find a record by its identifier alone."""

    def __init__(self, entities: list[Entity]):
        self._by_key: dict[tuple[str, str], list[int]] = {}
        for i, entity in enumerate(entities):
            for kind, key, _, _ in listed_identifiers(entity):
                self._by_key.setdefault((kind, key), []).append(i)

    def lookup(self, identifiers: list[Identifier]) -> list[int]:
        """The records listing any of ``identifiers`` (entity positions, each once)."""
        found: dict[int, None] = {}
        for ident in identifiers:
            for e in self._by_key.get((ident.type, number_key(ident.number, ident.type)), []):
                found[e] = None
        return list(found)


def compare(identifiers: list[Identifier], entity: Entity) -> tuple[str | None, list[dict]]:
    """("match" | "conflict" | None, the facts for the explanation)."""
    if not identifiers:
        return None, []
    listed = listed_identifiers(entity)
    facts, conflict = [], False
    for ident in identifiers:
        key = number_key(ident.number, ident.type)
        code = country_code(ident.country) if ident.country else None
        for kind, lkey, lcode, shown in listed:
            if kind != ident.type:
                continue
            same_country = code is None or lcode is None or code == lcode
            if lkey == key and same_country:
                return "match", [{"reason": f"identifier matches: {ident.type} equals the listed {shown}"}]
            # IMO and BIC numbers are global: any other one is another ship or bank.
            if lkey != key and (ident.type in GLOBAL or (code is not None and code == lcode)):
                conflict = True
                facts = [
                    {
                        "reason": f"identifier conflicts: {ident.type} of the same country differs from "
                        f"the listed {shown}",
                        "factor": CONFLICT_FACTOR,
                    }
                ]
    return ("conflict", facts) if conflict else (None, [])
