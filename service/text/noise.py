"""Words that look like names in running text but never are one on their own.

Written from general knowledge of English and of geography (pycountry for the countries), not
from any list or article: function words, months and weekdays, countries, their demonyms and
world regions. A candidate span made only of such words is not screened.
"""

from __future__ import annotations

from functools import cache

import pycountry

from service.engine.countries import country_code
from service.engine.name_parts import LEGAL_FORMS, PARTICLES, STOPWORDS, TITLES
from service.engine.normalize import fold, tokenize

FUNCTION_WORDS = (
    frozenset(
        """
a an the this that these those there here such some any all each every both either neither no not nor
and or but if then than so as because since while whereas although though unless until after before
of in on at to from by with without within into onto upon over under above below between among through
during against about around across along behind beyond near off out up down via per toward towards
i me my mine we us our ours you your yours he him his she her hers it its they them their theirs
who whom whose which what when where why how whoever whatever
is are was were be been being am do does did done doing have has had having
will would shall should can could may might must ought
also only just even still yet again already very too much many more most less least few several other
another same own new former latter last next first second third one two three
mr mrs ms dr said says say according reportedly allegedly however meanwhile moreover furthermore
""".split()
    )
    | STOPWORDS
)

MONTHS = frozenset(
    """
january february march april may june july august september october november december
jan feb mar apr jun jul aug sep sept oct nov dec
""".split()
)

WEEKDAYS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun".split()
)

# Offices and ranks written before a name ("President Nicolas Maduro"): never part of the name.
OFFICES = frozenset(
    """
president presidential vice minister prime secretary chairman chairwoman ceo director governor senator
ambassador spokesman spokeswoman leader chief head deputy mayor premier chancellor judge official
""".split()
)

# Continents and macro-regions, with the compass words that qualify them ("West Africa").
REGIONS = frozenset(
    """
africa african america americas american asia asian europe european oceania antarctica arctic
caribbean balkans caucasus levant maghreb sahel gulf scandinavia latin middle east west north south
central eastern western northern southern far near northeast northwest southeast southwest
""".split()
)


@cache
def country_tokens() -> frozenset[tuple[str, ...]]:
    """Every country name pycountry knows (name, common and official name), as folded token tuples."""
    names: set[tuple[str, ...]] = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value:
                for form in (value, value.partition(",")[0]):
                    names.add(tuple(tokenize(fold(form))))
    return frozenset(n for n in names if n)


@cache
def _country_words() -> frozenset[str]:
    return frozenset(t for name in country_tokens() if len(name) == 1 for t in name)


def is_noise_word(token: str) -> bool:
    """A folded token that never identifies anyone on its own: function word, month, weekday, title,
    office, legal form, number."""
    return (
        token in FUNCTION_WORDS
        or token in MONTHS
        or token in WEEKDAYS
        or token in TITLES
        or token in OFFICES
        or token in LEGAL_FORMS
        or token.isdigit()
        or len(token) == 1
    )


def is_place_or_noise(tokens: tuple[str, ...]) -> bool:
    """The span names a country or region (or is made only of such words and function words)."""
    if tokens in country_tokens():
        return True
    words = _country_words()
    return all(
        is_noise_word(t)
        or t in PARTICLES
        or t in REGIONS
        or t in words
        or country_code(t, codes=False) is not None
        for t in tokens
    )
