"""OFAC's Remarks mini-language -> structured fields.

The legacy CSV keeps birth dates, documents, nationalities, links and the *weak* aliases in one
``;``-separated Remarks string ("DOB 12 Nov 1974; POB Caracas; Passport C1 (Venezuela); a.k.a. 'X'.").
Screening needs them as fields, so each known segment is parsed here; the raw text stays in
``Entity.remarks`` so nothing unparsed is lost.
"""

from __future__ import annotations

import re

from service.engine.model import AKA, FKA, NKA, BirthDate, Document, Entity, Name
from service.lists.base import comma_parts, natural_order

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1
    )
}
_DATE = re.compile(r"^(?:(\d{1,2}) )?(?:([A-Z][a-z]{2}) )?(\d{4})$")
_WEAK_ALIAS = re.compile(r"^([afn])\.k\.a\.\s+'(.*)'\.?$", re.S)
# Words whose own period ends a name ("... S.A."), so a final "." after them is not OFAC's full stop.
_ABBREVIATIONS = {"LTD", "LTDA", "INC", "CO", "CORP", "CIA", "JR", "SR", "BHD", "PTE", "PVT", "NO", "ST"}
_ALIAS_KIND = {"a": AKA, "f": FKA, "n": NKA}
IMO = re.compile(r"\bIMO (\d+)\b")  # mostly 7 digits; OFAC has a few typos
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$")  # ISO 9362: bank, country, location, branch
_DOC_VALUE = re.compile(r"^#?\s*(.+?)(?:\s+\(([^)]*)\))?(\s+(?:issued|expires|Issued|Expires)\b.*)?$")

# Segment prefixes that introduce an identity or registration document, longest first so that
# "Diplomatic Passport" wins over "Passport". The XML's idType values name the same documents.
DOC_TYPES = sorted(
    (
        "Passport",
        "Diplomatic Passport",
        "National ID No.",
        "Identification Number",
        "Cedula No.",
        "NIT #",
        "R.F.C.",
        "C.U.R.P.",
        "RFC",
        "RUC #",
        "RIF #",
        "Tax ID No.",
        "Registration ID",
        "Registration Number",
        "Public Registration Number",
        "Folio Mercantil No.",
        "Matricula Mercantil No",
        "Government Gazette Number",
        "Company Number",
        "UK Company Number",
        "Commercial Registry Number",
        "Chamber of Commerce Number",
        "Business Registration Number",
        "Business Registration Document #",
        "D-U-N-S Number",
        "D.N.I.",
        "C.R. No.",
        "V.A.T. Number",
        "Trade License No.",
        "Electoral Registry No.",
        "Driver's License No.",
        "SWIFT/BIC",
        "Italian Fiscal Code",
        "Credencial electoral",
        "Personal ID Card",
        "US FEIN",
        "National Foreign ID Number",
        "SSN",
        "Chinese Commercial Code",
        "Residency Number",
        "Birth Certificate Number",
        "I.F.E.",
        "MMSI",
    ),
    key=len,
    reverse=True,
)
_DOC_PREFIX = re.compile("^(" + "|".join(map(re.escape, DOC_TYPES)) + ") ")


def parse_date(text: str) -> str | None:
    """ "12 Nov 1974" -> "1974-11-12", "Nov 1974" -> "1974-11", "1974" -> "1974"; None if not a date."""
    m = _DATE.match(text.strip())
    if not m:
        return None
    day, month, year = m.groups()
    if month is None:
        return year if day is None else None
    if month not in _MONTHS:
        return None
    out = f"{year}-{_MONTHS[month]:02d}"
    return f"{out}-{int(day):02d}" if day else out


def parse_birth_date(text: str) -> BirthDate | None:
    """A DOB value: a date, "circa" a date, "A to B", or "1955-1958"."""
    text = text.strip().rstrip(".")
    circa = text.lower().startswith("circa ")
    if circa:
        text = text[6:].strip()
    start, sep, end = text.partition(" to ")
    if not sep:
        start, sep, end = text.partition("-") if re.fullmatch(r"\d{4}-\d{4}", text) else (text, "", "")
    first = parse_date(start)
    if first is None:
        return None
    last = parse_date(end) if sep else None
    if sep and last is None:
        return None
    return BirthDate(first, last, circa)


def parse_document(doc_type: str, value: str) -> Document | None:
    """ "C1668015 (Venezuela) issued 2006" -> Document("Passport", "C1668015", "Venezuela", "issued 2006")."""
    m = _DOC_VALUE.match(value.strip())
    if not m:
        return None
    number, country, note = m.groups()
    bic = doc_type == "SWIFT/BIC" and _BIC.match(number)  # most BICs have no digit at all
    if not (bic or any(ch.isdigit() for ch in number)) or number.lower().startswith(("issued", "expires")):
        return None
    return Document(doc_type.removesuffix(" #"), number.strip(), country, note.strip() if note else None)


def _split(remarks: str) -> list[str]:
    return [seg.strip() for seg in remarks.split(";") if seg.strip()]


def _strip_full_stop(value: str) -> str:
    """Drop OFAC's closing "." from the last value, but not the one that ends "S.A." or "LTD."."""
    if not value.endswith("."):
        return value
    last_word = value[:-1].rsplit(" ", 1)[-1]
    return value if "." in last_word or last_word.upper() in _ABBREVIATIONS else value[:-1]


def apply_remarks(entity: Entity, remarks: str) -> None:
    """Fill the entity's structured fields from its (complete) Remarks text."""
    for seg in _split(remarks):
        m = _WEAK_ALIAS.match(seg)
        if m:
            add_weak_alias(entity, m.group(2).strip(), _ALIAS_KIND[m.group(1)])
            continue
        if seg.startswith("Linked To:"):
            entity.links.append(_strip_full_stop(seg[len("Linked To:") :].strip()))
            continue
        body = (seg[5:] if seg.startswith("alt. ") else seg).removesuffix(".")
        _apply_field(entity, body)
        for imo in IMO.findall(body):
            add_imo(entity, imo)


def _apply_field(entity: Entity, body: str) -> None:
    key, _, value = body.partition(" ")
    value = value.strip()
    if key == "DOB":
        birth = parse_birth_date(value)
        if birth is not None:
            entity.birth_dates.append(birth)
    elif key == "POB" and value:
        entity.places_of_birth.append(value)
    elif key == "nationality" and value:
        entity.nationalities.append(value)
    elif key == "citizen" and value:
        entity.citizenships.append(value)
    elif key == "Gender" and value:
        entity.gender = value
    elif "IMO" not in body and (m := _DOC_PREFIX.match(body)):
        doc = parse_document(m.group(1), body[m.end() :])
        if doc is not None:
            entity.documents.append(doc)


def add_weak_alias(entity: Entity, name: str, kind: str) -> None:
    """A weak alias, unless it repeats a name the entity already has (OFAC's remarks often do)."""
    if not name or name == entity.name or any(a.name == name for a in entity.aliases):
        return
    person = entity.schema == "Person"
    entity.aliases.append(
        Name(name, kind, True, natural_order(name) if person else None, comma_parts(name) if person else {})
    )


def add_imo(entity: Entity, imo: str) -> None:
    """An IMO number is both the vessel's identity and a document: screening looks it up either way."""
    if entity.vessel is not None and entity.vessel.imo is None:
        entity.vessel.imo = imo
    if not any(d.type == "IMO" and d.number == imo for d in entity.documents):
        entity.documents.append(Document("IMO", imo))
