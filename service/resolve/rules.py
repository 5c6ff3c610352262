"""When two records of different lists are the same party: the linking rules and their weights.

A link is scored in points; two records link at ``LINK_POINTS`` or more.

=========================================  ==========================================
evidence                                    points
=========================================  ==========================================
name similarity (the engine's score 0..1)   the score itself
a shared identifier number (passport,       +1.0, with a name score of at least
national ID, IMO, registration, SWIFT)      ``ID_NAME_FLOOR`` (a number alone is not
                                            enough: lists have typos)
same full birth date                        +0.30
birth years agree (year, range, circa)      +0.15
birth dates only a year apart               -0.05 (typos, approximations)
birth dates 2+ years apart (persons)        never linked, whatever else agrees
a shared nationality / country              +0.08
countries named on both sides, none shared  -0.15
different schemas (person vs organization)  never linked
=========================================  ==========================================

So a person needs a name score of 0.70 with the same birth date, 0.85 with the same birth year,
0.92 with only a shared nationality, 0.97 with birth dates a year apart and a shared nationality,
and an exact name (1.0) with nothing else to go on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.engine.model import Entity
from service.resolve.agreement import Agreement, birth_agreement, country_agreement
from service.resolve.identifiers import Identifier

LINK_POINTS = 1.0
ID_NAME_FLOOR = 0.40
IDENTIFIER_POINTS = 1.0
BIRTH_POINTS = {
    Agreement.SAME_DATE: 0.30,
    Agreement.SAME_YEAR: 0.15,
    Agreement.NEAR: -0.05,
    Agreement.UNKNOWN: 0.0,
}
COUNTRY_POINTS = {True: 0.08, None: 0.0, False: -0.15}


@dataclass(slots=True)
class Decision:
    """The points two records earned, and every piece of evidence that earned them."""

    points: float
    evidence: list[str] = field(default_factory=list)
    shared: list[Identifier] = field(default_factory=list)

    @property
    def linked(self) -> bool:
        return self.points >= LINK_POINTS


def decide(a: Entity, b: Entity, name_score: float, shared: list[Identifier]) -> Decision:
    """Score one candidate pair under the rules above."""
    if a.schema != b.schema:
        return Decision(float("-inf"), [f"schema {a.schema} vs {b.schema}"])
    evidence = [f"name similarity {name_score:.2f}"]
    points = name_score
    birth = birth_agreement(a, b) if a.schema == "Person" else Agreement.UNKNOWN
    if birth is Agreement.CONFLICT:
        return Decision(float("-inf"), [*evidence, birth.value])
    if shared and name_score >= ID_NAME_FLOOR:
        points += IDENTIFIER_POINTS
        evidence.extend(f"same {i.type} number {i.number}" for i in shared)
    points += BIRTH_POINTS[birth]
    if birth is not Agreement.UNKNOWN:
        evidence.append(birth.value)
    countries = country_agreement(a, b)
    points += COUNTRY_POINTS[countries]
    if countries is not None:
        evidence.append("a shared country" if countries else "no shared country")
    return Decision(round(points, 4), evidence, shared if name_score >= ID_NAME_FLOOR else [])
