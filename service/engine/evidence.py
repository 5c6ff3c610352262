"""Evidence beyond the name: birth date and country raise or lower a score, mildly.

The factors multiply the odds of the calibrated score (``shift``), so they never hide a strong
name match: an identical name stays at 1 whatever the birth date, and only a clear conflict
(birth years more than a year apart) lowers a score.
"""

from __future__ import annotations

from service.engine.countries import country_code
from service.engine.facts import birth_span, tied_countries, years
from service.engine.model import Entity
from service.engine.normalize import fold

BIRTH_MATCH, BIRTH_CONFLICT = 2.0, 0.5  # odds multipliers
COUNTRY_MATCH = 1.3
MAX_FACTOR = BIRTH_MATCH * COUNTRY_MATCH  # the most evidence can raise a name score's odds


def shift(score: float, factor: float) -> float:
    """``score`` with its odds multiplied by ``factor`` (0 and 1 stay where they are)."""
    if factor == 1.0 or score <= 0.0 or score >= 1.0:
        return score
    return score * factor / (score * factor + 1.0 - score)


def floor_for(threshold: float) -> float:
    """The lowest name score that evidence could still lift over ``threshold``."""
    return threshold / (threshold + MAX_FACTOR * (1.0 - threshold)) if threshold < 1.0 else threshold


def birth_factor(birth_date: str | None, entity: Entity) -> tuple[float, str | None]:
    """Same birth year (or inside a listed range, a year either way): up; all far apart: down."""
    if not birth_date or not entity.birth_dates:
        return 1.0, None
    wanted = years(birth_date)
    if not wanted:
        return 1.0, None
    year = wanted[0]
    for bd in entity.birth_dates:
        span = birth_span(bd)
        if span and span[0] - 1 <= year <= span[1] + 1:
            exact = birth_date.strip() == bd.date
            return BIRTH_MATCH, "birth date matches" if exact else "birth year matches"
    return BIRTH_CONFLICT, "birth date conflicts with every listed one"


def country_factor(country: str | None, entity: Entity) -> tuple[float, str | None]:
    """A country named among the entity's nationalities, citizenships or addresses: up a little."""
    if not country:
        return 1.0, None
    wanted, code = fold(country).strip(), country_code(country)
    for c in tied_countries(entity):
        if fold(c).strip() == wanted or (code is not None and country_code(c) == code):
            return COUNTRY_MATCH, "country matches"
    return 1.0, None


def adjust(birth_date: str | None, country: str | None, entity: Entity) -> tuple[float, list[dict]]:
    factor, notes = 1.0, []
    for f, reason in (birth_factor(birth_date, entity), country_factor(country, entity)):
        if reason:
            factor *= f
            notes.append({"reason": reason, "factor": f})
    return factor, notes
