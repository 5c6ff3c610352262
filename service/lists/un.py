"""UN Security Council Consolidated List XML -> entities.

Individuals are under INDIVIDUALS/INDIVIDUAL (name = FIRST_NAME..FOURTH_NAME in the UN's order),
organisations under ENTITIES/ENTITY (name in FIRST_NAME). Alias QUALITY "Low" marks a weak alias.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import (
    AKA,
    FKA,
    ORIGINAL_SCRIPT,
    Address,
    BirthDate,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
)
from service.lists.base import build_list, keep_record, person_parts, read_bytes
from service.lists.errors import ListError
from service.lists.safexml import all_stripped, open_list, stripped

ROOT = "CONSOLIDATED_LIST"
_NAME_PARTS = ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")
# "2015-03-27", "1974", and the zoned forms the UN file sometimes has: "2015-03-27-04:00", "...T00:00:09Z".
_ISO_DATE = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)(?:T[\d:.]*)?(?:Z|[+-]\d{2}:\d{2})?$")
_RECORDS = (("INDIVIDUALS", "INDIVIDUAL", "Person"), ("ENTITIES", "ENTITY", "Organization"))


def _values(elem: Element, tag: str) -> list[str]:
    return all_stripped(elem, f"{tag}/VALUE")


def _join(*parts: str | None) -> str | None:
    return ", ".join(p for p in parts if p) or None


def _iso(value: str | None) -> str | None:
    m = _ISO_DATE.match(value) if value else None
    return m.group(1) if m else None


def load_un(path: str | Path, list_id: str = "un_sc") -> LoadedList:
    """Parse the UN consolidated XML; raises ListError if the file is unsafe, broken or not this list."""
    path = Path(path)
    data = read_bytes(path, "UN consolidated XML")
    doc = open_list(
        data, path, "UN consolidated XML", ROOT, frozenset(t for _, t, _ in _RECORDS), "the UN list"
    )
    problems: list[RowProblem] = []
    entities: dict[str, Entity] = {}
    for group, tag, schema in _RECORDS:
        for elem, line in doc.records(f"{group}/{tag}"):
            keep_record(
                _record(elem, tag, schema, list_id),
                path.name,
                line,
                entities,
                problems,
                "duplicate DATAID {id}",
            )
    if not entities:
        raise ListError(f"{path}: no INDIVIDUAL or ENTITY records found")
    published = _iso(doc.root.get("dateGenerated", "").strip())
    return build_list(list_id, "un", published, [(path, data)], list(entities.values()), problems)


def _record(elem: Element, tag: str, schema: str, list_id: str) -> Entity | str:
    data_id = stripped(elem, "DATAID")
    parts = [stripped(elem, p) for p in (_NAME_PARTS if schema == "Person" else _NAME_PARTS[:1])]
    name = " ".join(p for p in parts if p)
    if not data_id:
        return f"{tag} without DATAID"
    if not name:
        return f"{tag} {data_id} has no name"
    # FIRST_NAME is the given name; SECOND.. are family names (a surname, or father's and
    # grandfather's names in Arabic names), which identify more than the given name. A name
    # with no family part has no roles: its one column is all the list knows.
    family = " ".join(p for p in parts[1:] if p)
    roles = person_parts(family, parts[0]) if schema == "Person" and family and parts[0] else {}
    entity = Entity(
        id=data_id,
        list_id=list_id,
        schema=schema,
        name=name,
        name_parts=roles,
        reference=stripped(elem, "REFERENCE_NUMBER"),
        remarks=stripped(elem, "COMMENTS1"),
        listed_on=_iso(stripped(elem, "LISTED_ON")),
        gender=stripped(elem, "GENDER"),
    )
    program = stripped(elem, "UN_LIST_TYPE")
    entity.programs = [program] if program else []
    entity.titles = _values(elem, "TITLE") + _values(elem, "DESIGNATION")
    entity.nationalities = _values(elem, "NATIONALITY")
    _aliases(entity, elem, tag)
    for node in elem.findall(f"{tag}_ADDRESS"):
        address = Address(
            street=stripped(node, "STREET"),
            city=stripped(node, "CITY"),
            country=stripped(node, "COUNTRY"),
            note=stripped(node, "NOTE"),
            region=stripped(node, "STATE_PROVINCE"),
            postal_code=stripped(node, "ZIP_CODE"),
        )
        if address.street or address.city or address.country or address.region:
            entity.addresses.append(address)
    for node in elem.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        birth = _birth_date(node)
        if birth is not None:
            entity.birth_dates.append(birth)
    for node in elem.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        place = _join(
            stripped(node, "STREET"),
            stripped(node, "CITY"),
            stripped(node, "STATE_PROVINCE"),
            stripped(node, "COUNTRY"),
        )
        if place:
            entity.places_of_birth.append(place)
    for node in elem.findall("INDIVIDUAL_DOCUMENT"):
        number = stripped(node, "NUMBER")
        if number:
            entity.documents.append(
                Document(
                    type=stripped(node, "TYPE_OF_DOCUMENT")
                    or stripped(node, "TYPE_OF_DOCUMENT2")
                    or "Document",
                    number=number,
                    country=stripped(node, "ISSUING_COUNTRY") or stripped(node, "COUNTRY_OF_ISSUE"),
                    note=_join(
                        stripped(node, "DATE_OF_ISSUE"),
                        stripped(node, "CITY_OF_ISSUE"),
                        stripped(node, "NOTE"),
                    ),
                )
            )
    return entity


def _aliases(entity: Entity, elem: Element, tag: str) -> None:
    """QUALITY is Good/Low for individuals (Low = weak) and a.k.a./f.k.a. for entities."""
    names = {entity.name}
    for node in elem.findall(f"{tag}_ALIAS"):
        alias = stripped(node, "ALIAS_NAME")
        if not alias or alias in names:
            continue
        names.add(alias)
        quality = (stripped(node, "QUALITY") or "").lower()
        entity.aliases.append(Name(alias, FKA if quality == "f.k.a." else AKA, quality == "low"))
    original = stripped(elem, "NAME_ORIGINAL_SCRIPT")
    if original and original not in names:
        entity.aliases.append(Name(original, ORIGINAL_SCRIPT, False))


def _birth_date(node: Element) -> BirthDate | None:
    kind = (stripped(node, "TYPE_OF_DATE") or "").upper()
    circa = kind == "APPROXIMATELY" or "approx" in (stripped(node, "NOTE") or "").lower()
    if kind == "BETWEEN":
        start, end = _iso(stripped(node, "FROM_YEAR")), _iso(stripped(node, "TO_YEAR"))
        return BirthDate(start, end, circa) if start else None
    when = _iso(stripped(node, "DATE")) or _iso(stripped(node, "YEAR"))
    return BirthDate(when, None, circa) if when else None
