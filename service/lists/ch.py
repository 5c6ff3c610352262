"""Swiss SECO sanctions list (``swiss-sanctions-list`` XML, the whole list) -> entities.

No namespace, kebab-case tags, ids in ``ssid`` attributes. The root (``date``) holds
``<sanctions-program>`` headers (``<sanctions-set ssid>`` -> ``<program-name lang="eng">``), then one
``<target ssid>`` per party with its ``<sanctions-set-id>``, one of ``<individual sex>``, ``<entity>``
or ``<object object-type>``, and its listing history as ``<modification modification-type=
"listed|amended|de-listed">``, then ``<place ssid>`` records that addresses and places of birth
point to by ``place-id``.

The history repeats old names and whole old copies of the target inside ``<added>``/``<removed>``:
only the target's current ``<identity>`` elements are read, never a modification's. A target whose
latest modification is ``de-listed`` is no longer sanctioned and is not loaded (a warning counts them).

Names are built from ``<name-part order name-part-type>`` values; each ``<spelling-variant lang
script>`` of the parts gives one more name (Cyrillic spellings are original-script names);
``quality="low"`` marks a weak alias, ``formerly-known-as`` a former name.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import (
    AKA,
    FKA,
    ORIGINAL_SCRIPT,
    PRIMARY,
    Address,
    BirthDate,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, keep_record, non_latin, person_parts, read_bytes
from service.lists.errors import ListError
from service.lists.idnumbers import documents
from service.lists.safexml import open_list, text

WHAT = "SECO Swiss sanctions list XML"
ROOT, RECORD = "swiss-sanctions-list", "target"
_FAMILY = {"family-name", "maiden-name", "tribal-name"}
# Given names as OFAC and OFSI place them: a father's (patronymic) or grandfather's name too.
_GIVEN = {"given-name", "further-given-name", "father-name", "grandfather-name"}
_SKIPPED_PARTS = {"title", "suffix"}
_OBJECTS = {"vessel": "Vessel", "aircraft": "Aircraft"}
_NAME_KIND = {"primary-name": PRIMARY, "formerly-known-as": FKA}

Place = dict[str, str]


def load_ch(path: str | Path, list_id: str = "ch_seco") -> LoadedList:
    """Parse the SECO XML; ListError if the file is unsafe, broken or not this list."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    doc = open_list(data, path, WHAT, ROOT, frozenset({RECORD}), "the SECO list")
    root = doc.root
    programs = {
        s.get("ssid", ""): _program(p)
        for p in root.findall("sanctions-program")
        for s in p.findall("sanctions-set")
    }
    places = {p.get("ssid", ""): _place(p) for p in root.findall("place")}
    problems: list[RowProblem] = []
    entities: dict[str, Entity] = {}
    targets = doc.records(RECORD)  # not the copies of targets nested in their modifications
    delisted = 0
    for elem, line in targets:
        if _delisted(elem):
            delisted += 1
            continue
        keep_record(
            _record(elem, list_id, programs, places),
            path.name,
            line,
            entities,
            problems,
            "duplicate target ssid {id}",
        )
    if not entities:
        raise ListError(
            f"{path}: no usable listed <{RECORD}> in <{ROOT}> ({len(targets)} targets, {delisted} de-listed)"
        )
    warnings = [f"{delisted} de-listed targets not loaded"] if delisted else []
    return build_list(
        list_id, "ch", root.get("date") or None, [(path, data)], list(entities.values()), problems, warnings
    )


def _program(node: Element) -> str:
    names = node.findall("program-name")
    english = next((n for n in names if n.get("lang") == "eng"), names[0] if names else None)
    return text(english) or text(node, "program-key") or f"SECO programme {node.get('ssid', '?')}"


def _place(node: Element) -> Place:
    country = node.find("country")
    out = {
        "location": text(node, "location") or "",
        "area": text(node, "area") or "",
        "country": text(country) or (country.get("iso-code") or "" if country is not None else ""),
    }
    return {k: v for k, v in out.items() if v}


def _delisted(target: Element) -> bool:
    """The latest modification (by date; an undated one is the oldest; ties: the first written)."""
    mods = target.findall("modification")
    if not mods:
        return False

    def when(mod: Element) -> str:
        return mod.get("effective-date") or mod.get("publication-date") or mod.get("enactment-date") or ""

    latest = max(mods, key=when)
    return latest.get("modification-type") == "de-listed"


def _record(
    target: Element, list_id: str, programs: dict[str, str], places: dict[str, Place]
) -> Entity | str:
    ssid = target.get("ssid")
    node, schema = _subject(target)
    if not ssid:
        return "target without ssid"
    if node is None:
        return f"target {ssid} has no individual, entity or object"
    identities = node.findall("identity")
    identities.sort(key=lambda i: i.get("main") != "true")  # the main identity first
    names = [n for ident in identities for n in _names(ident.findall("name"), schema)]
    primary = next((n for n in names if n.kind == PRIMARY), names[0] if names else None)
    if primary is None:
        return f"target {ssid} has no name"
    entity = Entity(
        id=ssid,
        list_id=list_id,
        schema=schema,
        name=primary.name,
        natural_name=primary.natural,
        name_parts=primary.parts,
        gender=(node.get("sex") or "").capitalize() or None,
        reference=text(target, "foreign-identifier"),
    )
    seen = {primary.name}
    for name in names:
        if name.name not in seen:
            seen.add(name.name)
            name.kind = AKA if name.kind == PRIMARY else name.kind
            entity.aliases.append(name)
    set_id = text(target, "sanctions-set-id")
    if set_id:
        entity.programs = [programs.get(set_id, f"SECO sanctions set {set_id}")]
    listed = [m for m in target.findall("modification") if m.get("modification-type") == "listed"]
    if listed:
        entity.listed_on = listed[0].get("effective-date") or listed[0].get("publication-date")
    for ident in identities:
        _identity(entity, ident, places)
    remarks = [t for n in node.findall("justification") if (t := text(n))]
    others = [t for n in node.findall("other-information") if (t := text(n))]
    entity.remarks = "\n".join(remarks + others) or None
    for doc in documents(others):
        if doc not in entity.documents:
            entity.documents.append(doc)
    imo = next((d.number for d in entity.documents if d.type == "IMO"), None)
    if schema == "Vessel":
        entity.vessel = Vessel(imo=imo)
    return entity


def _subject(target: Element) -> tuple[Element | None, str]:
    for tag, schema in (("individual", "Person"), ("entity", "Organization")):
        node = target.find(tag)
        if node is not None:
            return node, schema
    node = target.find("object")
    if node is None:
        return None, ""
    return node, _OBJECTS.get(node.get("object-type", ""), "Organization")


def _names(nodes: list[Element], schema: str) -> list[Name]:
    """Each <name> as written, then once per spelling culture (lang, script) of its parts."""
    out: list[Name] = []
    for node in nodes:
        kind = _NAME_KIND.get(node.get("name-type", ""), AKA)
        weak = node.get("quality") == "low"
        parts = sorted(node.findall("name-part"), key=_order)
        parts = [p for p in parts if p.get("name-part-type") not in _SKIPPED_PARTS]
        cultures = [None] + sorted(
            {(v.get("lang", ""), v.get("script", "")) for p in parts for v in p.findall("spelling-variant")}
        )
        for culture in cultures:
            spellings = [(p.get("name-part-type", ""), _spelling(p, culture)) for p in parts]
            spelled = [(t, v) for t, v in spellings if v]
            if not spelled:
                continue
            whole, natural, roles = _compose(spelled, schema)
            variant_kind = AKA if culture is not None and kind == PRIMARY else kind  # one primary name
            out.append(
                Name(whole, ORIGINAL_SCRIPT if non_latin(whole) else variant_kind, weak, natural, roles)
            )
    return out


def _order(part: Element) -> int:
    order = part.get("order", "")
    return int(order) if order.isdigit() else 0


def _spelling(part: Element, culture: tuple[str, str] | None) -> str | None:
    if culture is not None:
        for variant in part.findall("spelling-variant"):
            if (variant.get("lang", ""), variant.get("script", "")) == culture:
                return text(variant)
    return text(part, "value")


def _compose(parts: list[tuple[str, str]], schema: str) -> tuple[str, str | None, dict[str, str]]:
    """(list form, natural order, roles): persons "FAMILY, Given Father" / "Given Father FAMILY";
    the roles from the typed parts only (a whole-name or other part has none)."""
    family = " ".join(v for t, v in parts if t in _FAMILY)
    given = " ".join(v for t, v in parts if t not in _FAMILY)
    reading = " ".join(p for p in (given, family) if p)
    if schema != "Person" or not (family and given):
        return reading, None, {}
    typed_given = " ".join(v for t, v in parts if t in _GIVEN)
    return f"{family}, {given}", reading, person_parts(family, typed_given) if typed_given else {}


def _identity(entity: Entity, ident: Element, places: dict[str, Place]) -> None:
    for node in ident.findall("day-month-year"):
        year, month, day = (node.get(k, "") for k in ("year", "month", "day"))
        if year.isdigit() and len(year) == 4:
            when = year + (f"-{int(month):02d}" if month.isdigit() else "")
            when += f"-{int(day):02d}" if month.isdigit() and day.isdigit() else ""
            birth = BirthDate(when, None, node.get("quality") == "approximately")
            if birth not in entity.birth_dates:
                entity.birth_dates.append(birth)
    for node in ident.findall("place-of-birth"):
        place = places.get(node.get("place-id", ""), {})
        where = ", ".join(
            v
            for v in (
                text(node, "location") or place.get("location"),
                place.get("area"),
                place.get("country"),
            )
            if v
        )
        if where and where not in entity.places_of_birth:
            entity.places_of_birth.append(where)
    for node in ident.findall("nationality"):
        country = node.find("country")
        value = text(country) or (country.get("iso-code") if country is not None else None)
        if value and value not in entity.nationalities:
            entity.nationalities.append(value)
    for node in ident.findall("identification-document"):
        number = text(node, "number")
        issuer = node.find("issuer")
        issuing = text(issuer) or (issuer.get("code") if issuer is not None else None)
        if number:
            note = (
                ", ".join(
                    v
                    for v in (text(node, "date-of-issue"), text(node, "expiry-date"), text(node, "remark"))
                    if v
                )
                or None
            )
            doc = Document(node.get("document-type") or "Document", number, issuing, note)
            if doc not in entity.documents:
                entity.documents.append(doc)
    for node in ident.findall("address"):
        place = places.get(node.get("place-id", ""), {})
        street = ", ".join(
            v for v in (text(node, "c-o"), text(node, "address-details"), text(node, "p-o-box")) if v
        )
        address = Address(
            street=street or None,
            city=place.get("location"),
            country=place.get("country"),
            region=place.get("area"),
            postal_code=text(node, "zip-code"),
            note=text(node, "remarks"),
        )
        if (address.street or address.city or address.country) and address not in entity.addresses:
            entity.addresses.append(address)
