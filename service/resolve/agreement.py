"""Do two records' birth dates and nationalities agree, conflict, or say nothing?

Resolution only trusts a name match when the other facts do not contradict it: the same name
with birth dates years apart is two people (father and son, namesakes), not one.
"""

from __future__ import annotations

import re
from enum import Enum

from service.engine.facts import birth_span, identity_countries
from service.engine.model import BirthDate, Entity

_FULL = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class Agreement(Enum):
    SAME_DATE = "same birth date"  # a full date both lists give
    SAME_YEAR = "birth years agree"  # a year, a range or a "circa" that overlap, or one year
    NEAR = "birth dates a year apart"  # typos and approximations: not agreement, not conflict
    UNKNOWN = "no birth date to compare"
    CONFLICT = "birth dates conflict"  # two years or more apart, every listed date


# Lists write one person's date with a day off, day and month swapped, or a year approximated,
# so dates a year apart are "near", not a conflict; two years or more apart is a conflict.
NEAR_YEARS = 1


def _pair(x: BirthDate, span_x: tuple[int, int], y: BirthDate, span_y: tuple[int, int]) -> Agreement:
    if _FULL.match(x.date) and x.date == y.date and not x.end and not y.end:
        return Agreement.SAME_DATE
    gap = max(0, span_y[0] - span_x[1], span_x[0] - span_y[1])
    if gap == 0:
        return Agreement.SAME_YEAR
    return Agreement.NEAR if gap <= NEAR_YEARS else Agreement.CONFLICT


_RANK = [Agreement.SAME_DATE, Agreement.SAME_YEAR, Agreement.NEAR, Agreement.CONFLICT]


def birth_agreement(a: Entity, b: Entity) -> Agreement:
    """The closest agreement between any listed date of ``a`` and any of ``b``; UNKNOWN when
    either has none, CONFLICT only when every pair of dates is two years or more apart."""
    dated_a = [(bd, s) for bd in a.birth_dates if (s := birth_span(bd))]
    dated_b = [(bd, s) for bd in b.birth_dates if (s := birth_span(bd))]
    if not dated_a or not dated_b:
        return Agreement.UNKNOWN
    found = {_pair(x, sx, y, sy) for x, sx in dated_a for y, sy in dated_b}
    return next(level for level in _RANK if level in found)


def country_agreement(a: Entity, b: Entity) -> bool | None:
    """True when the two share a country, False when both name countries and none is shared."""
    ca, cb = identity_countries(a), identity_countries(b)
    if not ca or not cb:
        return None
    return bool(ca & cb)
