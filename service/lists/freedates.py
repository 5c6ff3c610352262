"""Dates typed by hand into a list's free-text cells (DFAT's "Date of Birth", "Listing Information").

The forms are the ones the DFAT workbook actually holds: "12/11/1974" (day first), "1 Jan. 1967",
"29-Aprl-1967", "23-Apr-68", "March 16, 1972", "August, 1961", "03/1965", "1974"; several at once
("a) 1957 b) 1953", "1961; 1962", "14 Mar 1974 >> 13 Apr 1974"); ranges ("1956-1957",
"Between 1963 and 1968", "March 1968 to March 1969", "Between Aug. and Sep 1977"); and
"Approximately"/"c." before a date or range. Anything else ("Approximately (30-35 years old)",
a Hijri "24/06/1402") yields no date rather than a wrong one.
"""

from __future__ import annotations

import re
from datetime import date

from service.engine.model import BirthDate

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il|l)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DATE = re.compile(
    rf"""(?<!\w)(?:
    (?P<d1>\d{{1,2}})[/.-](?P<m1>\d{{1,2}})[/.-]\s?(?P<y1>\d{{4}})
  | (?P<d2>\d{{1,2}})\.?[\s-]*(?P<mon2>{_MONTH})[\s,-]*(?P<y2>\d{{4}}|\d{{2}}(?!\d))
  | (?P<mon3>{_MONTH})\s*(?P<d3>\d{{1,2}}),?\s+(?P<y3>\d{{4}})
  | (?P<mon4>{_MONTH})[\s,]*(?P<y4>\d{{4}})
  | (?P<m5>\d{{1,2}})/(?P<y5>\d{{4}})
  | (?P<y6>\d{{4}})
)(?!\w)""",
    re.IGNORECASE | re.VERBOSE,
)
_MONTHS_ONLY_RANGE = re.compile(rf"\bbetween\s+({_MONTH})\s+and\s+({_MONTH})\s*(\d{{4}})", re.IGNORECASE)
_RANGE_GAP = re.compile(r"\s*(?:-|–|to|/|and)\s*", re.IGNORECASE)
_CIRCA = re.compile(r"approx|circa|\bca?\.|\babout\b|\baround\b", re.IGNORECASE)
_BETWEEN = re.compile(r"\bbetween\b", re.IGNORECASE)
MIN_YEAR, MAX_YEAR = 1850, 2100  # also keeps Hijri years (1402) and stray numbers out


def _iso(m: re.Match[str]) -> str | None:
    """The ISO form of one matched date, as precise as written; None if it is no real date."""
    g = m.groupdict()

    def pick(*names: str) -> str | None:
        return next((g[n] for n in names if g[n]), None)

    year = pick("y1", "y2", "y3", "y4", "y5", "y6") or ""
    if len(year) == 2:  # "23-Apr-68": the most recent such year that is not in the future
        year = str(2000 + int(year) if int(year) <= date.today().year % 100 else 1900 + int(year))
    mon = pick("mon2", "mon3", "mon4")
    month = _MONTHS.index(mon[:3].lower()) + 1 if mon else int(pick("m1", "m5") or 0)
    day = int(pick("d1", "d2", "d3") or 0)
    if not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    try:
        date(int(year), month or 1, day or 1)
    except ValueError:
        return None
    return year + (f"-{month:02d}" if month else "") + (f"-{day:02d}" if day else "")


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every date written in ``text``: (start, end, ISO date "1974-11-12" / "1974-11" / "1974")."""
    return [(m.start(), m.end(), iso) for m in _DATE.finditer(text) if (iso := _iso(m))]


def birth_dates(text: str) -> list[BirthDate]:
    """The dates, ranges and approximate dates in a free-text date-of-birth cell, in order, once each."""
    text = _MONTHS_ONLY_RANGE.sub(r"between \1 \3 and \2 \3", text)
    found = find_dates(text)
    out: list[BirthDate] = []
    i, previous_end = 0, 0
    while i < len(found):
        start, end, iso = found[i]
        before = text[previous_end:start]
        bd = BirthDate(iso, None, bool(_CIRCA.search(before)))
        if i + 1 < len(found):
            gap = text[end : found[i + 1][0]]
            later = found[i + 1][2]
            joined = _RANGE_GAP.fullmatch(gap) and (gap.strip().lower() != "and" or _BETWEEN.search(before))
            if joined and later > iso:
                bd.end, end = later, found[i + 1][1]
                i += 1
        if bd not in out:
            out.append(bd)
        previous_end = end
        i += 1
    return out


def day_month_year(value: str) -> BirthDate | None:
    """The UK lists' "DD/MM/YYYY" with its partial forms, as precise as given: "12/11/1974",
    "00/05/1965" or "dd/05/1965" (a month), "05/1965", "mm/1965", "1965" (a year); anything else None."""
    parts = value.lower().split("/")
    if not 1 <= len(parts) <= 3 or not parts[-1].isdigit() or len(parts[-1]) != 4:
        return None
    if not all(p.isdigit() or p in ("dd", "mm") for p in parts):
        return None
    day, month, year = ([0, 0] + [int(p) if p.isdigit() else 0 for p in parts])[-3:]
    try:
        date(year, month or 1, day or 1)
    except ValueError:
        return None
    if not month:
        return BirthDate(str(year))
    return BirthDate(f"{year}-{month:02d}" + (f"-{day:02d}" if day else ""))


def whole_day_month_year(value: str | None) -> str | None:
    """ "14/08/2026" -> "2026-08-14"; None unless it is a whole, real date."""
    birth = day_month_year(value or "")
    return birth.date if birth and len(birth.date) == 10 else None
