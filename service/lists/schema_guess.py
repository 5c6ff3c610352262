"""Person or organisation, for list rows that do not say (the CSL's BIS and State lists, the DPL).

A wrong guess costs recall (a schema mismatch is down-weighted x0.65), so the rule is written from
what organisation names are made of, never from the lists' own names: a legal form ("LTD", "GmbH",
"S.A.", "OOO"), a word of what organisations are (company, institute, bank, airlines...), a digit
("Tian Tai 36", "18th Central Scientific Research Institute") or an ampersand. Anything else is a
person's name.
"""

from __future__ import annotations

import re

from service.engine.name_parts import LEGAL_FORMS, LEGAL_PHRASES
from service.engine.normalize import fold, tokenize

_ORG_WORDS = frozenset(
    """
academy agency airline airlines association authority aviation bank brigade bureau center centre
chemical chemicals club college commission committee company consulting corp corporation council
department development directorate division electronic electronics energy engineering enterprise
enterprises equipment establishment export exports factory firm foundation freight front fund group
holding holdings import imports industrial industries industry institute institution instruments
international laboratories laboratory logistics machinery manufacturing marine ministry motors network
office organisation organization partners petroleum pharmaceutical plant port regiment research
resources school science sciences scientific services shipping solutions station steel supply systems
tech technical technologies technology telecom trade trading transport travel trust union university
works
""".split()
)
_DIGIT_OR_AMP = re.compile(r"[0-9&]")


def guess_schema(name: str) -> str:
    """ "Organization" when the name reads as an organisation's, else "Person"."""
    tokens = tokenize(fold(name))
    if _DIGIT_OR_AMP.search(name) or any(t in LEGAL_FORMS or t in _ORG_WORDS for t in tokens):
        return "Organization"
    pairs = set(zip(tokens, tokens[1:], strict=False))
    if any(phrase in pairs for phrase in LEGAL_PHRASES if len(phrase) == 2):
        return "Organization"
    return "Person"
