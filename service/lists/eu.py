"""EU Financial Sanctions Files (FSF), consolidated list XML v1.1 -> entities.

Namespace ``http://eu.europa.ec/fpi/fsd/export``; everything is in attributes. ``<export
generationDate>`` holds ``<sanctionEntity logicalId euReferenceNumber [designationDate]>`` records
with ``<subjectType code="person|enterprise|...">``, ``<regulation programme>`` (the regime),
``<nameAlias wholeName firstName lastName nameLanguage strong>`` (``strong="false"`` = weak alias; no
primary flag: the first strong Latin-script alias names the record), ``<birthdate birthdate year
city countryDescription circa>``, ``<citizenship countryIso2Code countryDescription>``,
``<identification number identificationTypeDescription countryIso2Code>`` and ``<address street city
zipCode region countryDescription>``. Country code ``00`` means unknown.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import AKA, ORIGINAL_SCRIPT, Address, BirthDate, Document, Entity, LoadedList, Name
from service.lists.base import build_list, keep_record, non_latin, person_parts, read_bytes
from service.lists.errors import ListError
from service.lists.safexml import local, open_list

WHAT = "EU Financial Sanctions Files XML"
NS = "{http://eu.europa.ec/fpi/fsd/export}"
ROOT, RECORD = "export", "sanctionEntity"
_SCHEMA = {"person": "Person", "enterprise": "Organization", "vessel": "Vessel", "aircraft": "Aircraft"}
_UNKNOWN_COUNTRY = {"", "00", "UNKNOWN"}
_DOCUMENT_FLAGS = ("diplomatic", "knownExpired", "knownFalse", "reportedLost", "revokedByIssuer")


def load_eu(path: str | Path, list_id: str = "eu_fsf") -> LoadedList:
    """Parse the FSF XML; ListError if the file is unsafe, broken or not this list."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    doc = open_list(data, path, WHAT, ROOT, frozenset({RECORD}), "the EU FSF list")
    root, records = doc.root, doc.records(RECORD)
    problems: list = []
    entities: dict[str, Entity] = {}
    for elem, line in records:
        keep_record(_record(elem, list_id), path.name, line, entities, problems, "duplicate logicalId {id}")
    if not entities:
        raise ListError(f"{path}: no usable <{RECORD}> in <{ROOT}> ({len(records)} records)")
    published = (root.get("generationDate") or "")[:10] or None
    return build_list(list_id, "eu", published, [(path, data)], list(entities.values()), problems)


def _children(elem: Element, tag: str) -> list[Element]:
    return [c for c in elem if local(c.tag) == tag]


def _attr(elem: Element, name: str) -> str | None:
    value = " ".join((elem.get(name) or "").split())
    return value if value and value != "-" else None


def _country(elem: Element) -> str | None:
    code = (elem.get("countryIso2Code") or "").strip()
    description = _attr(elem, "countryDescription") or ""
    if code in _UNKNOWN_COUNTRY and description.upper() in _UNKNOWN_COUNTRY:
        return None
    return description.title() if description and description.upper() not in _UNKNOWN_COUNTRY else code


def _record(elem: Element, list_id: str) -> Entity | str:
    logical_id = _attr(elem, "logicalId")
    subject = next(iter(_children(elem, "subjectType")), None)
    code = (subject.get("code") or "").lower() if subject is not None else ""
    aliases = [(n, w) for n in _children(elem, "nameAlias") if (w := _attr(n, "wholeName") or _parts(n))]
    if not logical_id:
        return "sanctionEntity without logicalId"
    if code not in _SCHEMA:
        return f"sanctionEntity {logical_id}: unknown subjectType {code[:20]!r}"
    if not aliases:
        return f"sanctionEntity {logical_id} has no nameAlias"
    first = next((a for a in aliases if a[0].get("strong") != "false" and not non_latin(a[1])), aliases[0])
    schema = _SCHEMA[code]
    entity = Entity(
        id=logical_id,
        list_id=list_id,
        schema=schema,
        name=first[1],
        name_parts=_roles(first[0], schema),
        reference=_attr(elem, "euReferenceNumber"),
        listed_on=(_attr(elem, "designationDate") or "")[:10] or None,
    )
    remarks = [" ".join(r.text.split()) for r in elem.iter(f"{NS}remark") if r.text and r.text.strip()]
    entity.remarks = "\n".join(remarks) or None
    seen = {first[1]}
    for node, whole in aliases:
        gender = _attr(node, "gender")
        if gender and entity.gender is None:
            entity.gender = {"M": "Male", "F": "Female"}.get(gender, gender)
        for title in (_attr(node, "title"), _attr(node, "function")):
            if title and title not in entity.titles:
                entity.titles.append(title)
        if whole in seen:
            continue
        seen.add(whole)
        kind = ORIGINAL_SCRIPT if non_latin(whole) else AKA
        entity.aliases.append(Name(whole, kind, node.get("strong") == "false", None, _roles(node, schema)))
    for node in _children(elem, "regulation"):
        programme = _attr(node, "programme")
        if programme and programme not in entity.programs:
            entity.programs.append(programme)
    _facts(entity, elem)
    return entity


def _parts(node: Element) -> str:
    return " ".join(v for a in ("firstName", "middleName", "lastName") if (v := _attr(node, a)))


def _roles(node: Element, schema: str) -> dict[str, str]:
    """A person's name roles from the alias's own parts: firstName and middleName are given names,
    lastName the surname; an alias without both (most, "Abu Ali") has none."""
    given = " ".join(v for a in ("firstName", "middleName") if (v := _attr(node, a)))
    surname = _attr(node, "lastName")
    return person_parts(surname, given) if schema == "Person" and given and surname else {}


def _facts(entity: Entity, elem: Element) -> None:
    for node in _children(elem, "birthdate"):
        when = _attr(node, "birthdate") or _attr(node, "year")
        if when and when[:4].isdigit():
            birth = BirthDate(when[:10], None, node.get("circa") == "true")
            if birth not in entity.birth_dates:
                entity.birth_dates.append(birth)
        place = ", ".join(
            v for v in (_attr(node, "place"), _attr(node, "city"), _attr(node, "region"), _country(node)) if v
        )
        if place and place not in entity.places_of_birth:
            entity.places_of_birth.append(place)
    for node in _children(elem, "citizenship"):
        country = _country(node)
        if country and country not in entity.nationalities:
            entity.nationalities.append(country)
    for node in _children(elem, "identification"):
        number = _attr(node, "number") or _attr(node, "latinNumber")
        if number:
            kind = (
                _attr(node, "identificationTypeDescription") or _attr(node, "identificationTypeCode") or "ID"
            )
            flags = [f for f in _DOCUMENT_FLAGS if node.get(f) == "true"]
            doc = Document(kind, number, _country(node), ", ".join(flags) or _attr(node, "issuedBy"))
            if doc not in entity.documents:
                entity.documents.append(doc)
    for node in _children(elem, "address"):
        street = ", ".join(v for a in ("street", "poBox", "place") if (v := _attr(node, a)))
        address = Address(
            street=street or None,
            city=_attr(node, "city"),
            country=_country(node),
            region=_attr(node, "region"),
            postal_code=_attr(node, "zipCode"),
        )
        if (address.street or address.city or address.country) and address not in entity.addresses:
            entity.addresses.append(address)
