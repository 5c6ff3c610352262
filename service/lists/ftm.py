"""FollowTheMoney (FtM) entities, the JSON-lines format of OpenSanctions and yente, read as a list and
written from the loaded lists (``orinoco export --format ftm``).

Reading: one entity per line (``{"id", "schema", "properties"}``; other keys ignored). Person,
Organization, Company, LegalEntity, PublicBody, Vessel and Airplane entities are the listed
parties; ``Sanction`` (programme, listing date), ``Identification``/``Passport`` (numbers, by
``holder``) and ``Address`` (by ``addressEntity``) entities add to the party they point at; other
schemata (relations, securities...) are counted in a warning. ``name`` gives the primary name (the
first) and aliases, ``alias``/``weakAlias``/``previousName`` the other names; ``firstName``,
``secondName``, ``middleName``, ``fatherName`` and ``lastName`` give the roles of the names that
hold their words.

Writing: each listed entity as its FtM schema, plus one ``Sanction`` per entity, an
``Identification`` per document and an ``Address`` per address; a person's name roles as
``firstName`` (given names) and ``lastName``; each cross-list cluster link as an
``UnknownLink`` between the two records. Ids are ``<list id>-<entity id>`` made FtM-safe
(``ftm_id``). Birth-date ranges keep their first year, and "circa" is not carried.

The ``followthemoney`` package (the ``ftm`` extra) validates every entity on the way in and out.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from service.engine.model import (
    AKA,
    FKA,
    GIVEN,
    ORIGINAL_SCRIPT,
    SURNAME,
    Address,
    BirthDate,
    Document,
    Entity,
    LoadedList,
    Name,
    RowProblem,
    Vessel,
)
from service.lists.base import build_list, natural_order, non_latin, person_parts, read_bytes
from service.lists.errors import ListError

WHAT = "FollowTheMoney entities (JSON lines)"
PARTY_SCHEMATA = {
    "Person": "Person",
    "Organization": "Organization",
    "Company": "Organization",
    "LegalEntity": "Organization",
    "PublicBody": "Organization",
    "Vessel": "Vessel",
    "Airplane": "Aircraft",
}
EXPORT_SCHEMA = {
    "Person": "Person",
    "Organization": "Organization",
    "Vessel": "Vessel",
    "Aircraft": "Airplane",
}
_NUMBER_PROPS = (
    "idNumber",
    "passportNumber",
    "registrationNumber",
    "taxNumber",
    "innCode",
    "ogrnCode",
    "leiCode",
    "swiftBic",
    "imoNumber",
    "vatCode",
)
_UNSAFE_ID = re.compile(r"[^0-9A-Za-z.-]+")
_GIVEN_PROPS = ("firstName", "secondName", "middleName", "fatherName")
_WORD = re.compile(r"\w+")


def followthemoney() -> Any:
    """The FtM model; a ListError saying how to install it when the package is missing.

    Importing followthemoney raises the csv module's field limit for the whole process (to 30 MB);
    the CSV parsers rely on the default limit to refuse enormous fields, so it is put back."""
    limit = csv.field_size_limit()
    try:
        from followthemoney import model
    except ImportError:
        raise ListError(
            "FollowTheMoney support needs the followthemoney package: pip install 'orinoco[ftm]'"
        ) from None
    finally:
        csv.field_size_limit(limit)
    return model


def model_error() -> type[Exception]:
    """The exception FtM raises on data it cannot read (an unknown schema...)."""
    followthemoney()
    from followthemoney.exc import FollowTheMoneyException

    return FollowTheMoneyException


def ftm_id(list_id: str, entity_id: str, suffix: str = "") -> str:
    """ "ofac_sdn", "20250" -> "ofac-sdn-20250": FtM ids are letters, digits, dots and dashes."""
    return _UNSAFE_ID.sub("-", f"{list_id}-{entity_id}{suffix}").strip("-.")


# Reading


def load_ftm(path: str | Path, list_id: str = "ftm") -> LoadedList:
    """Parse a JSON-lines file of FtM entities; ListError if it holds no party or is cut short."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    model = followthemoney()
    problems: list[RowProblem] = []
    proxies: dict[str, tuple[int, Any]] = {}
    for line, text in _lines(data, path):
        try:
            raw = json.loads(text)
            proxy = model.get_proxy(raw)
        except (ValueError, TypeError, KeyError, AttributeError, model_error()) as exc:
            problems.append(RowProblem(path.name, line, f"not an FtM entity: {str(exc)[:80]}"))
            continue
        if not proxy.id:
            problems.append(RowProblem(path.name, line, f"{proxy.schema.name} entity without an id"))
        elif proxy.id in proxies:
            problems.append(RowProblem(path.name, line, f"duplicate id {proxy.id}"))
        else:
            proxies[proxy.id] = (line, proxy)
    entities: dict[str, Entity] = {}
    other: dict[str, int] = {}
    for entity_id, (line, proxy) in proxies.items():
        if proxy.schema.name in PARTY_SCHEMATA:
            made = _party(proxy, list_id)
            if isinstance(made, str):
                problems.append(RowProblem(path.name, line, made))
            else:
                entities[entity_id] = made
        elif proxy.schema.name not in ("Sanction", "Identification", "Passport", "Address"):
            other[proxy.schema.name] = other.get(proxy.schema.name, 0) + 1
    _attach(entities, proxies)
    if not entities:
        raise ListError(
            f"{path}: no Person, Organization, Company, LegalEntity, Vessel or Airplane entity "
            f"({len(proxies)} entities, {len(problems)} unreadable lines)"
        )
    warnings = [
        f"{n} {schema} entities not screened (not a listed party)" for schema, n in sorted(other.items())
    ]
    return build_list(list_id, "ftm", None, [(path, data)], list(entities.values()), problems, warnings)


def _lines(data: bytes, path: Path) -> Iterator[tuple[int, str]]:
    """(line number, text) of the non-blank lines; ListError on bytes that are not UTF-8 or a file cut
    inside its last entity."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        number = data[: exc.start].count(b"\n") + 1
        raise ListError(f"{path}: line {number}: {WHAT} is not UTF-8 ({exc.reason})") from None
    lines = text.split("\n")
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), None)
    if last is not None:
        try:
            json.loads(lines[last])
        except ValueError:
            raise ListError(
                f"{path}: line {last + 1}: the last entity is not whole JSON: truncated file"
            ) from None
    for i, line in enumerate(lines):
        if line.strip():
            yield i + 1, line


def _party(proxy: Any, list_id: str) -> Entity | str:
    schema = PARTY_SCHEMATA[proxy.schema.name]
    names = proxy.get("name")
    if not names and schema == "Person":
        whole = " ".join(proxy.first(p) or "" for p in ("firstName", "middleName", "lastName")).split()
        names = [" ".join(whole)] if whole else []
    if not names:
        return f"{proxy.schema.name} {proxy.id} has no name"
    primary = next((n for n in names if not non_latin(n)), names[0])  # an original-script name is an alias
    person = schema == "Person"
    entity = Entity(
        id=proxy.id,
        list_id=list_id,
        schema=schema,
        name=primary,
        natural_name=natural_order(primary) if person else None,
        name_parts=_roles(proxy, primary) if person else {},
    )
    seen = {primary}
    for prop, kind, weak in (
        ("name", AKA, False),
        ("alias", AKA, False),
        ("previousName", FKA, False),
        ("weakAlias", AKA, True),
    ):
        for value in proxy.get(prop):
            if value not in seen:
                seen.add(value)
                natural = natural_order(value) if person else None
                kind_here = ORIGINAL_SCRIPT if non_latin(value) else kind
                roles = _roles(proxy, value) if person else {}
                entity.aliases.append(Name(value, kind_here, weak, natural, roles))
    entity.birth_dates = [BirthDate(d) for d in proxy.get("birthDate", quiet=True)]
    entity.places_of_birth = proxy.get("birthPlace", quiet=True)
    entity.nationalities = proxy.get("nationality", quiet=True)
    entity.citizenships = proxy.get("citizenship", quiet=True)
    entity.gender = proxy.first("gender", quiet=True)
    entity.titles = proxy.get("title", quiet=True) + proxy.get("position", quiet=True)
    entity.programs = proxy.get("program", quiet=True)
    entity.remarks = "\n".join(proxy.get("notes", quiet=True)) or None
    for prop in _NUMBER_PROPS:
        for number in proxy.get(prop, quiet=True):
            if prop == "imoNumber":  # FtM writes "IMO9562233"
                entity.documents.append(Document("IMO", number.upper().removeprefix("IMO")))
            else:
                entity.documents.append(Document(prop, number))
    for country in proxy.get("country", quiet=True):
        entity.addresses.append(Address(country=country))
    for text in proxy.get("address", quiet=True):
        entity.addresses.append(Address(street=text))
    if schema == "Vessel":
        imo = next((d.number for d in entity.documents if d.type == "IMO"), None)
        entity.vessel = Vessel(
            imo=imo,
            flag=proxy.first("flag"),
            call_sign=proxy.first("callSign"),
            type=proxy.first("type"),
            tonnage=proxy.first("tonnage"),
            owner=None,
            gross_tonnage=proxy.first("grossRegisteredTonnage"),
        )
    return entity


def _roles(proxy: Any, name: str) -> dict[str, str]:
    """The roles of one of a Person's names from its name-part properties: firstName, secondName,
    middleName and fatherName (a patronymic, as OFAC places it) are given names, lastName the
    surname. FtM keeps the parts per entity, not per name (an export writes every name's), so a
    name takes one lastName value and the given-name values that together spell exactly its words
    (first the part before the comma of "LAST, First" as surname, then values written in the name
    as they are, then in its own case, then longer ones); a name no such set spells has no roles."""
    words = _WORD.findall(name.casefold())
    have, written = set(words), set(_WORD.findall(name))
    listed_surname = name.partition(",")[0] if "," in name else ""  # "LAST, First"

    def spelled(value: str) -> set[str]:
        return set(_WORD.findall(value.casefold()))

    def best_first(values: list[str]) -> list[str]:
        return sorted(
            values,
            key=lambda v: (
                spelled(v) != spelled(listed_surname),
                v not in name,
                not set(_WORD.findall(v)) <= written,
                -len(spelled(v)),
            ),
        )

    givens = best_first([v for prop in _GIVEN_PROPS for v in proxy.get(prop, quiet=True)])
    for surname in best_first(proxy.get("lastName", quiet=True)):
        covered = spelled(surname)
        if not covered or not covered < have:
            continue
        chosen = []
        for value in givens:
            if spelled(value) and spelled(value) <= have and not spelled(value) <= covered:
                chosen.append(value)
                covered |= spelled(value)
        if covered == have:
            chosen.sort(key=lambda v: min(words.index(w) for w in spelled(v)))
            return person_parts(surname, " ".join(chosen))
    return {}


def _attach(entities: dict[str, Entity], proxies: dict[str, tuple[int, Any]]) -> None:
    """Sanctions, identifications and addresses onto the party they name."""
    for _, proxy in proxies.values():
        kind = proxy.schema.name
        if kind == "Sanction":
            for target in proxy.get("entity"):
                if target in entities:
                    entity = entities[target]
                    entity.programs += [p for p in proxy.get("program") if p not in entity.programs]
                    listed = proxy.first("listingDate") or proxy.first("startDate")
                    entity.listed_on = entity.listed_on or listed
        elif kind in ("Identification", "Passport"):
            for holder in proxy.get("holder"):
                if holder in entities and proxy.first("number"):
                    doc = Document(proxy.first("type") or kind, proxy.first("number"), proxy.first("country"))
                    entities[holder].documents.append(doc)
    for entity in entities.values():
        _, proxy = proxies[entity.id]
        for ref in proxy.get("addressEntity", quiet=True):
            if ref in proxies and proxies[ref][1].schema.name == "Address":
                node = proxies[ref][1]
                entity.addresses.append(
                    Address(
                        street=node.first("street") or (None if node.first("city") else node.first("full")),
                        city=node.first("city"),
                        country=node.first("country"),
                        region=node.first("region"),
                        postal_code=node.first("postalCode"),
                    )
                )


# Writing


def export_entities(
    lists: Iterable[LoadedList],
    clusters: Iterable[tuple[str, list[tuple[tuple[str, str], tuple[str, str], list[str]]]]] = (),
) -> Iterator[dict]:
    """FtM entities (as dicts) for every record of ``lists``, then an UnknownLink per cluster link:
    ``clusters`` yields (cluster id, [(member a, member b, evidence)])."""
    model = followthemoney()
    for loaded in lists:
        for entity in loaded.entities:
            yield from _export_entity(model, entity, loaded)
    for cluster_id, links in clusters:
        for a, b, evidence in links:
            link = model.make_entity("UnknownLink")
            link.id = ftm_id("link", f"{cluster_id}-{ftm_id(*a)}-{ftm_id(*b)}")
            link.add("subject", ftm_id(*a))
            link.add("object", ftm_id(*b))
            link.add("role", f"same party (Orinoco cluster {cluster_id})")
            link.add("summary", "; ".join(evidence))
            yield link.to_dict()


def _export_entity(model: Any, entity: Entity, loaded: LoadedList) -> Iterator[dict]:
    proxy = model.make_entity(EXPORT_SCHEMA[entity.schema])
    proxy.id = ftm_id(entity.list_id, entity.id)
    proxy.add("name", entity.name)
    for alias in entity.aliases:
        prop = "weakAlias" if alias.weak else "previousName" if alias.kind == FKA else "alias"
        proxy.add(prop, alias.name)
    proxy.add("notes", entity.remarks, quiet=True)
    if entity.schema == "Person":
        for name in entity.names():  # FtM keeps name parts per entity: every name's, once each
            proxy.add("firstName", name.parts.get(GIVEN))
            proxy.add("lastName", name.parts.get(SURNAME))
        proxy.add("birthDate", [b.date for b in entity.birth_dates], quiet=True)
        proxy.add("birthPlace", entity.places_of_birth, quiet=True)
        proxy.add("nationality", entity.nationalities, quiet=True, fuzzy=True)
        proxy.add("citizenship", entity.citizenships, quiet=True, fuzzy=True)
        proxy.add("gender", (entity.gender or "").lower() or None, quiet=True)
        proxy.add("position", entity.titles, quiet=True)
    elif entity.schema != "Vessel":
        proxy.add("country", entity.nationalities + entity.citizenships, quiet=True, fuzzy=True)
    if entity.vessel is not None:
        proxy.add("imoNumber", entity.vessel.imo, quiet=True)
        proxy.add("flag", entity.vessel.flag, quiet=True, fuzzy=True)
        proxy.add("callSign", entity.vessel.call_sign, quiet=True)
        proxy.add("type", entity.vessel.type, quiet=True)
    extra = []
    for n, address in enumerate(entity.addresses):
        node = model.make_entity("Address")
        node.id = ftm_id(entity.list_id, entity.id, f"-address-{n}")
        parts = (address.street, address.city, address.region, address.postal_code, address.country)
        node.add("full", ", ".join(v for v in parts if v))
        node.add("street", address.street)
        node.add("city", address.city)
        node.add("region", address.region)
        node.add("postalCode", address.postal_code)
        node.add("country", address.country, quiet=True, fuzzy=True)
        node.add("remarks", address.note)
        proxy.add("addressEntity", node.id)
        extra.append(node)
    for n, doc in enumerate(entity.documents):
        node = model.make_entity("Identification")
        node.id = ftm_id(entity.list_id, entity.id, f"-document-{n}")
        node.add("holder", proxy.id)
        node.add("number", doc.number)
        node.add("type", doc.type)
        node.add("country", doc.country, quiet=True, fuzzy=True)
        node.add("summary", doc.note)
        extra.append(node)
    sanction = model.make_entity("Sanction")
    sanction.id = ftm_id(entity.list_id, entity.id, "-sanction")
    sanction.add("entity", proxy.id)
    sanction.add("authorityId", entity.id)
    sanction.add("program", entity.programs)
    sanction.add("listingDate", entity.listed_on, quiet=True)
    sanction.add("publisher", f"{loaded.version.id} ({loaded.version.source})")
    sanction.add("recordId", entity.reference)
    yield proxy.to_dict()
    for node in extra:
        yield node.to_dict()
    yield sanction.to_dict()
