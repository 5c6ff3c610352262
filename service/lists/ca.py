"""Canada, Consolidated Canadian Autonomous Sanctions List (``sema-lmes.xml``) -> entities.

A ``<data-set>`` of flat ``<record>``s: Country (the sanctions regime, bilingual "Russia /
Russie", or the JVCFOA regulations), LastName + GivenName or Entity, Aliases (one comma-separated
string), DateOfBirth, Title, Schedule, Item. Records have no id: the entity id is
"<regime>-<schedule>-<item>" ("Russia-1-Part-2-5", "JVCFOR-1-3"), URL-safe. Later publications
rename elements (EntityOrShip, TitleOrShip, DateOfBirthOrShipBuildDate, ShipIMONumber,
DateOfListing) and some add the French name to the tag ("Country-Pays"): both forms are read.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree.ElementTree import Element

from service.engine.model import AKA, BirthDate, Entity, LoadedList, Name, RowProblem, Vessel
from service.lists.base import build_list, keep_record, person_parts, read_bytes, split_outside_brackets
from service.lists.errors import ListError
from service.lists.safexml import local, open_list

WHAT = "Canadian SEMA list XML"
ROOT, RECORD = "data-set", "record"
_ISO_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_NOT_GIVEN = {"", "n/a", "na"}
_ALIAS_SEP = re.compile(r"\s*,\s*")
_BILINGUAL = re.compile(r"\s*/\s*")  # "Central Bank of Syria/Banque centrale de Syrie", "GORT/ORTAS"
_FRENCH_AND = re.compile(r"\s+et\s+")  # the last of "A, B et C"
_ACRONYM = re.compile(r"\(([A-Z]{3,})\)")  # "... Regulations (JVCFOR)"
_SLUG = re.compile(r"[^A-Za-z0-9]+")
_REGULATIONS = re.compile(r"\b(?:Act|Regulations?)\b")


def load_ca(path: str | Path, list_id: str = "ca_sema") -> LoadedList:
    """Parse sema-lmes.xml; ListError if the file is unsafe, broken or not this list."""
    path = Path(path)
    data = read_bytes(path, WHAT)
    records = open_list(data, path, WHAT, ROOT, frozenset({RECORD}), "the Canadian SEMA list").records(RECORD)
    problems: list[RowProblem] = []
    entities: dict[str, Entity] = {}
    for elem, line in records:
        keep_record(
            _record(_fields(elem), list_id),
            path.name,
            line,
            entities,
            problems,
            "duplicate id {id} (Country, Schedule, Item)",
        )
    if not entities:
        raise ListError(f"{path}: no usable <{RECORD}> in <{ROOT}> ({len(records)} records)")
    return build_list(list_id, "ca", None, [(path, data)], list(entities.values()), problems)


def _fields(elem: Element) -> dict[str, str]:
    """A record's children by English tag name ("Country-Pays" -> "Country"), whitespace (NBSP too)
    collapsed, empty values left out."""
    out = {}
    for child in elem:
        value = " ".join((child.text or "").split())
        if value:
            out[local(child.tag).split("-")[0]] = value
    return out


def _record(f: dict[str, str], list_id: str) -> Entity | str:
    regime, item = f.get("Country"), f.get("Item")
    last, given = f.get("LastName"), f.get("GivenName")
    org = f.get("EntityOrShip") or f.get("Entity")
    if not regime or not item:
        return "record without Country or Item"
    if not (org or last or given):
        return f"record {regime} item {item} has no name"
    if org and (last or given):
        return f"record {regime} item {item} has both a person's and an entity's name"
    english = regime.split(" / ")[0]
    entity = Entity(
        id=_id(english, f.get("Schedule"), item),
        list_id=list_id,
        schema="Person",
        name="",
        programs=[english if _REGULATIONS.search(english) else f"SEMA {english}"],
        listed_on=_iso(f.get("DateOfListing")),
    )
    title = f.get("TitleOrShip") or f.get("TitleOrShipType") or f.get("Title")
    if org:
        entity.name, *others = _bilingual(org)
        entity.aliases = [Name(o, AKA) for o in others]
        entity.schema = "Vessel" if f.get("ShipIMONumber") else "Organization"
        if entity.schema == "Vessel":
            entity.vessel = Vessel(imo=f["ShipIMONumber"], type=title)
    else:
        entity.name = f"{last}, {given}" if last and given else (last or given or "")
        entity.natural_name = f"{given} {last}" if last and given else None
        entity.name_parts = person_parts(last, given) if last and given else {}
        entity.titles = _bilingual(title)[:1] if title else []
        born = f.get("DateOfBirthOrShipBuildDate") or f.get("DateOfBirth") or ""
        entity.birth_dates = [BirthDate(d) for part in born.split(" or ") if (d := _iso(part))]
    names = {entity.name, *(a.name for a in entity.aliases)}
    for alias in _aliases(f.get("Aliases", ""), last, given):
        if alias.name not in names:
            names.add(alias.name)
            entity.aliases.append(alias)
    return entity


def _id(regime: str, schedule: str | None, item: str) -> str:
    """ "Russia", "1, Part 2", "5" -> "Russia-1-Part-2-5"; the JVCFOA regulations by their acronym;
    no schedule ("N/A" or none) -> "Zimbabwe-12"."""
    acronym = _ACRONYM.search(regime)
    schedule = None if (schedule or "").lower() in _NOT_GIVEN else schedule
    parts = (acronym.group(1) if acronym else regime, schedule, item)
    return "-".join(slug for p in parts if p and (slug := _SLUG.sub("-", p).strip("-")))


def _bilingual(text: str) -> list[str]:
    """ "English/French" -> both; a slash in brackets or in a short code ("A/S") is part of the name."""
    parts = split_outside_brackets(text, _BILINGUAL)
    return parts if all(len(p) >= 3 for p in parts) else [text]


def _iso(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if _ISO_DATE.fullmatch(value) else None


def _aliases(text: str, last: str | None, given: str | None) -> list[Name]:
    """The Aliases string as names.

    Commas separate aliases: all 99 non-empty values of the 2020 file were checked and none has a
    comma inside one alias, except a stray one in "Baqiatollah, Medical Sciences University/..."
    (the regulation lists "Baqiatollah Medical Sciences University"): a one-word piece is joined to
    the next when another alias ends with that next piece. "A, B et C" ends with two aliases, and
    "English/French" pairs are two. For individuals listed as "SURNAME, Given", an alias is often
    a variant of part of the name ("Andrei" for "Andrey Igorevich", "PASHENKO" for "PASHCHENKO"):
    it is completed from the listed name, since "Andrei" alone would match every Andrei.
    """
    pieces = [_unbracketed(p) for p in split_outside_brackets(text, _ALIAS_SEP)]
    if len(pieces) > 1:
        pieces[-1:] = _FRENCH_AND.split(pieces[-1])
    pieces = _join_stray_commas([p for p in pieces if p])
    names = [n for p in pieces for n in _bilingual(p)]
    if not (last and given and last.isupper()):
        return [Name(n, AKA) for n in names]
    return [_completed(n, last, given) for n in names]


def _unbracketed(piece: str) -> str:
    """ "(Rosselkhozbank)" -> "Rosselkhozbank"; "ZAO Interavtomatika (IA)" unchanged."""
    m = re.fullmatch(r"\((.*)\)", piece)
    return m.group(1).strip() if m else piece


def _join_stray_commas(pieces: list[str]) -> list[str]:
    out: list[str] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        if i + 1 < len(pieces) and " " not in piece:
            after = _bilingual(pieces[i + 1])[0]
            if any(p != pieces[i + 1] and p.endswith(f" {after}") for p in pieces):
                piece, i = f"{piece} {pieces[i + 1]}", i + 1
        out.append(piece)
        i += 1
    return out


def _completed(alias: str, last: str, given: str) -> Name:
    """An alias of a "SURNAME, Given" individual: an upper-case alias is another surname, a
    mixed-case one without an upper-case word replaces the first given names; a full name stays."""
    words = alias.split()
    if all(w.isupper() for w in words):
        return Name(f"{alias}, {given}", AKA, False, f"{given} {alias}", person_parts(alias, given))
    given_words = given.split()
    if not any(w.isupper() for w in words) and len(words) <= len(given_words):
        variant = " ".join(words + given_words[len(words) :])
        return Name(f"{last}, {variant}", AKA, False, f"{variant} {last}", person_parts(last, variant))
    return Name(alias, AKA)
