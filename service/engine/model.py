"""One entity model for every sanctions list Orinoco reads.

Parsers (``service.lists.*``) turn each official format into these dataclasses; the matching
engine and the HTTP layer only ever see this model, never a source's own format.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SCHEMAS = ("Person", "Organization", "Vessel", "Aircraft")
PERSON, ORGANIZATION, VESSEL, AIRCRAFT = range(len(SCHEMAS))  # their indices, as arrays hold them

# Alias kinds: the listed primary name, OFAC's aka/fka/nka, and a name in its original script.
PRIMARY, AKA, FKA, NKA, ORIGINAL_SCRIPT = "primary", "aka", "fka", "nka", "original_script"
ALIAS_KINDS = (PRIMARY, AKA, FKA, NKA, ORIGINAL_SCRIPT)

# Roles of the words of a person's name, as the lists' name columns give them (``Name.parts``).
GIVEN, SURNAME = "given", "surname"
NAME_ROLES = (GIVEN, SURNAME)


@dataclass(slots=True)
class Name:
    """A name an entity is listed under.

    ``name`` is the list's own form (OFAC individuals: "LAST, First"); ``natural`` is the
    same name in reading order ("First LAST") where the list's form differs, else None.
    ``weak`` marks OFAC's remarks a.k.a.s and UN/UK "Low" quality aliases: screened, but flagged.
    ``parts`` keeps the structure the list gives a person's name, role -> words (``GIVEN``,
    ``SURNAME``): a match on the given name alone is weak evidence, so the engine must know it.
    """

    name: str
    kind: str = AKA
    weak: bool = False
    natural: str | None = None
    parts: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class BirthDate:
    """A date of birth as precise as the list gives it: "1974-11-12", "1974-11" or "1974".

    ``end`` closes a range ("1955" .. "1958"); ``circa`` marks "circa"/"approximately".
    """

    date: str
    end: str | None = None
    circa: bool = False


@dataclass(slots=True)
class Document:
    type: str
    number: str
    country: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Address:
    street: str | None = None
    city: str | None = None
    country: str | None = None
    note: str | None = None
    region: str | None = None  # state / province
    postal_code: str | None = None


@dataclass(slots=True)
class Vessel:
    imo: str | None = None
    flag: str | None = None
    call_sign: str | None = None
    type: str | None = None
    tonnage: str | None = None
    owner: str | None = None
    gross_tonnage: str | None = None


@dataclass(slots=True)
class Entity:
    """One listed party. ``id`` is the source's own identifier, as a string."""

    id: str
    list_id: str
    schema: str
    name: str
    aliases: list[Name] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)
    birth_dates: list[BirthDate] = field(default_factory=list)
    places_of_birth: list[str] = field(default_factory=list)
    nationalities: list[str] = field(default_factory=list)
    citizenships: list[str] = field(default_factory=list)
    gender: str | None = None
    documents: list[Document] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    vessel: Vessel | None = None
    titles: list[str] = field(default_factory=list)
    remarks: str | None = None
    listed_on: str | None = None
    links: list[str] = field(default_factory=list)
    natural_name: str | None = None
    reference: str | None = None  # a second source identifier, e.g. the UN REFERENCE_NUMBER "TAi.005"
    name_parts: dict[str, str] = field(default_factory=dict)  # the primary name's roles (Name.parts)

    def names(self) -> list[Name]:
        """The primary name followed by every alias: what the index scores."""
        return [Name(self.name, PRIMARY, False, self.natural_name, self.name_parts), *self.aliases]

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class RowProblem:
    """A malformed row that was skipped: where it was and why."""

    file: str
    line: int
    reason: str


@dataclass(slots=True)
class ListVersion:
    """What was loaded, so that every screening decision can name the list it used."""

    id: str  # what API filters and entity URLs use, e.g. "ofac_sdn"
    source: str  # parser family: "ofac", "un", "custom", ...
    published: str | None  # publication date from the file itself, where it has one
    sha256: str  # of the input files, in a fixed order
    entities: int
    names: int
    loaded_at: str  # ISO 8601 UTC
    files: list[str] = field(default_factory=list)
    skipped_rows: int = 0
    # where these bytes came from: "file" (a path given), "download" or "import" (the list cache),
    # "reference" (a historical snapshot standing in for the official list: not for real screening)
    origin: str = "file"

    @property
    def fallback(self) -> bool:
        return self.origin == "reference"

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(slots=True)
class LoadedList:
    version: ListVersion
    entities: list[Entity]
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
