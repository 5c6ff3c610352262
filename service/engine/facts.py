"""Facts about a listed party that several rooms compare: the years a birth date may mean and
the countries a party is tied to. One definition here, so evidence (screening), resolution
(linking records) and the text screener read a record the same way."""

from __future__ import annotations

import re

from service.engine.countries import country_code, country_codes
from service.engine.model import BirthDate, Entity

YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")


def years(text: str) -> list[int]:
    """The four-digit years (1800-2099) written in ``text``."""
    return [int(y) for y in YEAR.findall(text)]


def birth_span(bd: BirthDate) -> tuple[int, int] | None:
    """The first and last year a listed birth date may mean: its year, its range, a year either
    way when the list says "circa"; None when it names no year."""
    found = years(bd.date) + (years(bd.end) if bd.end else [])
    if not found:
        return None
    slack = 1 if bd.circa else 0
    return min(found) - slack, max(found) + slack


def tied_countries(entity: Entity) -> list[str]:
    """Every country the record names for the party, as written: nationalities, citizenships,
    address countries."""
    return entity.nationalities + entity.citizenships + [a.country for a in entity.addresses if a.country]


def identity_countries(entity: Entity) -> set[str]:
    """ISO codes of the countries that say who the party is: a person's nationalities and
    citizenships; an organisation's address countries when it names no nationality."""
    named = entity.nationalities + entity.citizenships
    if not named and entity.schema != "Person":
        named = [a.country for a in entity.addresses if a.country]
    return country_codes(named)


def tied_country_codes(entity: Entity) -> set[str]:
    """ISO codes of every country in ``tied_countries``."""
    return {code for c in tied_countries(entity) if (code := country_code(c))}
