"""OFAC sdnList XML (CONSOLIDATED.XML; SDN.XML has the same schema) -> entities.

Mapped exactly like the legacy CSV (``ofac.py`` + ``ofac_remarks.py``) so the two formats of one
publication give the same entities: individuals are named "LAST, First", ids of the document types
the CSV remarks know become Documents, an IMO number is a Document and the vessel's IMO, and the
weak aliases (CSV: remarks "a.k.a. '...'") are the akas of category "weak". Ids that fit no field
(directive information, websites...) are kept in ``remarks``, as the CSV keeps them there.

Tags are matched by local name: OFAC moved from ``http://tempuri.org/sdnList.xsd`` to the
Sanctions List Service namespace, and may move again. The service also emits child elements in a
different order on different downloads, so nothing here depends on their order.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import (
    AKA,
    FKA,
    NKA,
    Address,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, comma_parts, keep_record, natural_order, read_bytes
from service.lists.errors import ListError
from service.lists.ofac_remarks import DOC_TYPES, IMO, add_imo, add_weak_alias, parse_birth_date
from service.lists.safexml import all_stripped, open_list, stripped

ROOT, RECORD = "sdnList", "sdnEntry"
_SCHEMA = {"individual": "Person", "entity": "Organization", "vessel": "Vessel", "aircraft": "Aircraft"}
_AKA_KIND = {"a.k.a.": AKA, "f.k.a.": FKA, "n.k.a.": NKA}
_DOCUMENTS = frozenset(DOC_TYPES)
_LINK = re.compile(r"\(Linked To: ((?:[^()]|\([^()]*\))+)\)")
_WHAT = "OFAC sdnList XML"


def _local_names(root: Element) -> None:
    """Drop every ``{namespace}`` so that paths below work for the old and the new namespace alike."""
    for elem in root.iter():
        elem.tag = elem.tag.rpartition("}")[2]


def _full_name(elem: Element) -> str | None:
    """OFAC's own form: "LAST, First" when there is a first name, else the last name alone."""
    last, first = stripped(elem, "lastName"), stripped(elem, "firstName")
    if not last:
        return None
    return f"{last}, {first}" if first else last


def load_ofac_xml(path: str | Path, list_id: str = "ofac_cons", source: str = "ofac_cons") -> LoadedList:
    """Parse an sdnList XML file; ListError if it is unsafe, broken, or not an sdnList."""
    path = Path(path)
    data = read_bytes(path, _WHAT)
    doc = open_list(data, path, _WHAT, ROOT, frozenset({RECORD}), "an OFAC XML list")
    root, records = doc.root, doc.records(RECORD)
    _local_names(root)
    problems: list[RowProblem] = []
    warnings: list[str] = []
    entities: dict[str, Entity] = {}
    for elem, line in records:
        keep_record(
            _entry(elem, list_id, path.name, line, problems),
            path.name,
            line,
            entities,
            problems,
            "duplicate uid {id}",
        )
    if not entities:
        raise ListError(f"{path}: no valid <{RECORD}> records ({len(records)} found, all malformed)")
    declared = stripped(root, "publshInformation/Record_Count")
    if declared is not None and declared != str(len(records)):
        warnings.append(f"{path}: Record_Count says {declared[:20]}, the file has {len(records)} records")
    published = published_date(stripped(root, "publshInformation/Publish_Date"), path, warnings)
    return build_list(list_id, source, published, [(path, data)], list(entities.values()), problems, warnings)


def published_date(value: str | None, path: Path, warnings: list[str]) -> str | None:
    """Publish_Date is MM/DD/YYYY; an unreadable one is a warning, the list is still usable."""
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%m/%d/%Y").date().isoformat()
    except ValueError:
        warnings.append(f"{path}: Publish_Date {value[:30]!r} is not MM/DD/YYYY, publication date unknown")
        return None


def _entry(elem: Element, list_id: str, file: str, line: int, problems: list[RowProblem]) -> Entity | str:
    """One sdnEntry -> Entity, or the reason it cannot be one. A bad alias alone is a problem, not a skip."""
    uid, kind, name = stripped(elem, "uid"), (stripped(elem, "sdnType") or "").lower(), _full_name(elem)
    if not uid:
        return f"{RECORD} without uid"
    if not uid.isdigit():
        return f"{RECORD} uid {uid[:20]!r} is not a number"
    if kind not in _SCHEMA:
        return f"{RECORD} {uid}: unknown sdnType {kind[:20]!r}"
    if name is None:
        return f"{RECORD} {uid}: no lastName"
    schema = _SCHEMA[kind]
    entity = Entity(
        id=uid,
        list_id=list_id,
        schema=schema,
        name=name,
        titles=all_stripped(elem, "title"),
        programs=all_stripped(elem, "programList/program"),
        natural_name=natural_order(name) if schema == "Person" else None,
        name_parts=comma_parts(name) if schema == "Person" else {},
    )
    _aliases(entity, elem, file, line, problems)
    if schema == "Vessel":
        entity.vessel = _vessel(elem.find("vesselInfo"))
    _details(entity, elem)
    remarks = stripped(elem, "remarks")
    entity.links = [m.strip() for m in _LINK.findall(remarks or "")]
    rest = _ids(entity, elem)
    entity.remarks = "; ".join(([remarks] if remarks else []) + rest) or None
    return entity


def _by_uid(nodes: list[Element]) -> list[Element]:
    """Child records in uid order: OFAC emits them in a different order on each download."""
    return sorted(nodes, key=lambda n: int(u) if (u := stripped(n, "uid") or "").isdigit() else -1)


def _details(entity: Entity, elem: Element) -> None:
    for node in _by_uid(elem.findall("addressList/address")):
        lines = [v for tag in ("address1", "address2", "address3") if (v := stripped(node, tag))]
        address = Address(
            street=", ".join(lines) or None,
            city=stripped(node, "city"),
            country=stripped(node, "country"),
            region=stripped(node, "stateOrProvince"),
            postal_code=stripped(node, "postalCode"),
        )
        if address.street or address.city or address.country or address.region:
            entity.addresses.append(address)
    items = "dateOfBirthList/dateOfBirthItem"
    for value in (stripped(n, "dateOfBirth") for n in _by_uid(elem.findall(items))):
        birth = parse_birth_date(value) if value else None
        if birth is not None:
            entity.birth_dates.append(birth)
    items = "placeOfBirthList/placeOfBirthItem"
    entity.places_of_birth = [v for n in _by_uid(elem.findall(items)) if (v := stripped(n, "placeOfBirth"))]
    for field, items in (
        ("nationalities", "nationalityList/nationality"),
        ("citizenships", "citizenshipList/citizenship"),
    ):
        setattr(entity, field, [v for n in _by_uid(elem.findall(items)) if (v := stripped(n, "country"))])


def _vessel(info: Element | None) -> Vessel:
    """Every vessel gets a Vessel (as in the CSV), even when the entry has no vesselInfo."""
    if info is None:
        return Vessel()
    return Vessel(
        call_sign=stripped(info, "callSign"),
        type=stripped(info, "vesselType"),
        flag=stripped(info, "vesselFlag"),
        owner=stripped(info, "vesselOwner"),
        tonnage=stripped(info, "tonnage"),
        gross_tonnage=stripped(info, "grossRegisteredTonnage"),
    )


def _aliases(entity: Entity, elem: Element, file: str, line: int, problems: list[RowProblem]) -> None:
    """Strong akas are kept as listed (like alt.csv); weak ones skip repeats (like the remarks a.k.a.s)."""
    akas = [
        (n, (stripped(n, "category") or "").lower() == "weak") for n in _by_uid(elem.findall("akaList/aka"))
    ]
    for node, weak in sorted(akas, key=lambda a: a[1]):  # strong first: a weak repeat is then dropped
        name = _full_name(node)
        if name is None:
            problems.append(RowProblem(file, line, f"{RECORD} {entity.id}: aka without lastName skipped"))
            continue
        kind = _AKA_KIND.get((stripped(node, "type") or "").lower(), AKA)
        if weak:
            add_weak_alias(entity, name, kind)
        else:
            person = entity.schema == "Person"
            entity.aliases.append(
                Name(
                    name,
                    kind,
                    False,
                    natural_order(name) if person else None,
                    comma_parts(name) if person else {},
                )
            )


def _ids(entity: Entity, elem: Element) -> list[str]:
    """Fill gender, IMO and documents from idList; return the other ids as "idType idNumber" remarks."""
    rest = []
    for node in _by_uid(elem.findall("idList/id")):
        id_type, number = stripped(node, "idType"), stripped(node, "idNumber")
        if not id_type or not number:
            continue
        imos = IMO.findall(f"{id_type} {number}")
        if id_type == "Gender":
            entity.gender = number
        elif imos:
            for imo in imos:
                add_imo(entity, imo)
        elif id_type in _DOCUMENTS:
            note = " ".join(
                f"{word} {when}"
                for word, when in (
                    ("issued", stripped(node, "issueDate")),
                    ("expires", stripped(node, "expirationDate")),
                )
                if when
            )
            entity.documents.append(
                Document(
                    id_type.removesuffix(" #"),
                    number.lstrip("#").strip(),
                    stripped(node, "idCountry"),
                    note or None,
                )
            )
        else:
            rest.append(f"{id_type} {number}")
    return rest
