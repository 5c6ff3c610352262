"""UK Sanctions List (FCDO), ``UK-Sanctions-List.xml`` -> entities; the only UK source since the OFSI
Consolidated List closed on 28 January 2026.

``<Designations>`` holds ``<DateGenerated>`` (DD/MM/YYYY) and one ``<Designation>`` per party:
``UniqueID`` (regime prefix + number, the key), ``OFSIGroupID`` and ``UNReferenceNumber`` (optional),
``Names/Name`` with ``Name1``..``Name6`` (Name6 the family name, or the whole name of an entity or
ship), ``NameType`` (``Primary Name`` / ``Alias``, any case) and ``AliasStrength`` (``Low quality
a.k.a`` = weak), ``NonLatinNames``, ``RegimeName``, ``IndividualEntityShip``, ``DateDesignated``, and
per type ``IndividualDetails`` (DOBs, nationalities, passports, national ids, birth places),
``EntityDetails`` or ``ShipDetails`` (IMO numbers, flag, type, tonnage, owner). Values carry trailing
spaces; dates may be partial ("dd/mm/1968", "dd/09/1958", "1985").

An OFSI ``ConList.xlsx`` given to this source (``--list uk=ConList.xlsx``, the archived format) is
read by the OFSI parser as list ``uk_ofsi`` (``ofsi_workbook`` tells ``load_source``), so existing
deployments keep working.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import (
    AKA,
    ORIGINAL_SCRIPT,
    Address,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, keep_record, non_latin, person_parts, read_bytes
from service.lists.errors import ListError
from service.lists.freedates import day_month_year, whole_day_month_year
from service.lists.safexml import open_list, text, texts
from service.lists.uk import load_uk_ofsi

WHAT = "UK Sanctions List XML"
ROOT, RECORD = "Designations", "Designation"
DEFAULT_ID = "uk_fcdo"
_SCHEMA = {"individual": "Person", "entity": "Organization", "ship": "Vessel"}
_GIVEN = ("Name1", "Name2", "Name3", "Name4", "Name5")
_ZIP_MAGIC = b"PK\x03\x04"  # an .xlsx workbook is a zip archive
_IMO = re.compile(r"\d{7}")


def load_uk_sanctions_list(path: str | Path, list_id: str = DEFAULT_ID) -> LoadedList:
    """Parse the FCDO XML (or hand an OFSI workbook to its parser); ListError if unusable."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    if data.startswith(_ZIP_MAGIC):
        return load_uk_ofsi(path, list_id)
    doc = open_list(data, path, WHAT, ROOT, frozenset({RECORD}), "the UK Sanctions List")
    root, records = doc.root, doc.records(RECORD)
    problems: list[RowProblem] = []
    entities: dict[str, Entity] = {}
    for elem, line in records:
        keep_record(_record(elem, list_id), path.name, line, entities, problems, "duplicate UniqueID {id}")
    if not entities:
        raise ListError(f"{path}: no usable <{RECORD}> in <{ROOT}> ({len(records)} records)")
    published = (
        whole_day_month_year(text(root, "DateGenerated")) or (root.get("dateGenerated") or "")[:10] or None
    )
    return build_list(list_id, "uk", published, [(path, data)], list(entities.values()), problems)


def ofsi_workbook(path: Path) -> str | None:
    """ "uk_ofsi" when ``path`` is a workbook (the archived OFSI list given to this source), else None."""
    try:
        with path.open("rb") as f:
            return "uk_ofsi" if f.read(len(_ZIP_MAGIC)) == _ZIP_MAGIC else None
    except OSError:
        return None  # the loader says why it cannot read the file


def _record(elem: Element, list_id: str) -> Entity | str:
    uid = text(elem, "UniqueID")
    kind = (text(elem, "IndividualEntityShip") or "").lower()
    names = [n for n in elem.findall("Names/Name") if _name_of(n, "Person")[0]]
    if not uid:
        return "Designation without UniqueID"
    if kind not in _SCHEMA:
        return f"Designation {uid}: unknown IndividualEntityShip {kind[:20]!r}"
    if not names:
        return f"Designation {uid} has no name"
    schema = _SCHEMA[kind]
    primary = next((n for n in names if (text(n, "NameType") or "").lower() == "primary name"), names[0])
    name, natural, parts = _name_of(primary, schema)
    entity = Entity(
        id=uid,
        list_id=list_id,
        schema=schema,
        name=name,
        natural_name=natural,
        name_parts=parts,
        reference=text(elem, "UNReferenceNumber") or text(elem, "OFSIGroupID"),
        listed_on=whole_day_month_year(text(elem, "DateDesignated")),
        remarks=text(elem, "OtherInformation"),
    )
    seen = {name}
    for node in names:
        if node is primary:
            continue
        alias, natural, parts = _name_of(node, schema)
        weak = (text(node, "AliasStrength") or "").lower().startswith("low")
        _add(entity, seen, Name(alias, ORIGINAL_SCRIPT if non_latin(alias) else AKA, weak, natural, parts))
    for original in texts(elem, "NonLatinNames/NonLatinName/NameNonLatinScript"):
        _add(entity, seen, Name(original, ORIGINAL_SCRIPT, False))
    entity.programs = texts(elem, "RegimeName")
    entity.titles = texts(elem, "Titles/Title")
    for node in elem.findall("Addresses/Address"):
        lines = [v for i in range(1, 7) if (v := text(node, f"AddressLine{i}"))]
        address = Address(
            street=", ".join(lines) or None,
            country=text(node, "AddressCountry"),
            postal_code=text(node, "AddressPostalCode"),
        )
        if (address.street or address.country) and address not in entity.addresses:
            entity.addresses.append(address)
    person = elem.find("IndividualDetails/Individual")
    if person is not None:
        _person(entity, person)
    ship = elem.find("ShipDetails/Ship")
    if ship is not None:
        _ship(entity, ship)
    return entity


def _name_of(node: Element, schema: str) -> tuple[str, str | None, dict[str, str]]:
    """(list form, natural order, roles): individuals "FAMILY, Given Names" / "Given Names FAMILY",
    Name6 the surname and Name1..Name5 the given names (as the OFSI list's columns); a name with one
    of the two only has no roles."""
    family = text(node, "Name6") or ""
    given = " ".join(v for tag in _GIVEN if (v := text(node, tag)))
    reading = " ".join(p for p in (given, family) if p)
    if schema != "Person" or not (given and family):
        return reading, None, {}
    return f"{family}, {given}", reading, person_parts(family, given)


def _add(entity: Entity, seen: set[str], name: Name) -> None:
    if name.name not in seen:
        seen.add(name.name)
        entity.aliases.append(name)


def _person(entity: Entity, node: Element) -> None:
    for value in texts(node, "DOBs/DOB"):
        birth = day_month_year(value)
        if birth and birth not in entity.birth_dates:
            entity.birth_dates.append(birth)
    entity.nationalities = texts(node, "Nationalities/Nationality")
    entity.titles += [p for p in texts(node, "Positions/Position") if p not in entity.titles]
    entity.gender = text(node, "Genders/Gender") or text(node, "Gender")
    for place in node.findall("BirthDetails/Location"):
        where = ", ".join(v for tag in ("TownOfBirth", "CountryOfBirth") if (v := text(place, tag)))
        if where and where not in entity.places_of_birth:
            entity.places_of_birth.append(where)
    for doc in node.findall("PassportDetails/Passport"):
        _document(entity, "Passport", text(doc, "PassportNumber"), text(doc, "PassportAdditionalInformation"))
    for doc in node.findall("NationalIdentifierDetails/NationalIdentifier"):
        _document(
            entity,
            "National ID",
            text(doc, "NationalIdentifierNumber"),
            text(doc, "NationalIdentifierAdditionalInformation"),
        )


def _document(entity: Entity, kind: str, number: str | None, note: str | None) -> None:
    if number:
        doc = Document(kind, number, note=note)
        if doc not in entity.documents:
            entity.documents.append(doc)


def _ship(entity: Entity, node: Element) -> None:
    imos = [m.group(0) for v in texts(node, "IMONumbers/IMONumber") if (m := _IMO.search(v))]
    entity.vessel = Vessel(
        imo=imos[0] if imos else None,
        flag=text(node, "CurrentBelievedFlagOfShips/CurrentBelievedFlagOfShip"),
        type=text(node, "TypeOfShipDetails/TypeOfShip"),
        tonnage=text(node, "TonnageOfShipDetails/TonnageOfShip"),
        owner=text(node, "CurrentOwnerOperators/CurrentOwnerOperator"),
    )
    for imo in imos:
        _document(entity, "IMO", imo, None)
