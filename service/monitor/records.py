"""Content hashes: of a customer's screened data and of a listed record, and the lists' fingerprint.

A cleared alert stays cleared while both hashes stay what they were when it was cleared; the
delta between two list versions is the records whose hash appeared, changed or disappeared.
"""

from __future__ import annotations

import hashlib
import json
import weakref
from dataclasses import dataclass, field

from service.engine.model import Entity, ListVersion
from service.engine.normalize import MAX_NAME_CHARS
from service.engine.screener import ANY, QUERY_SCHEMAS, Screener

CUSTOMER_FIELDS = ("id", "names", "name", "type", "birth_date", "country", "identifiers")
IDENTIFIER_FIELDS = ("type", "number", "country")
MAX_NAMES = 10
MAX_IDENTIFIERS = 20
MAX_ID_CHARS = 128
MAX_COUNTRY_CHARS = 64  # a customer's country, and an identifier's
MAX_KIND_CHARS, MAX_NUMBER_CHARS = 64, 128  # an identifier's type and number
_DATE_SHAPES = ((4,), (4, 2), (4, 2, 2))


class InvalidCustomer(ValueError):
    """A customer that cannot be stored, naming the field at fault."""

    def __init__(self, field: str, detail: str):
        super().__init__(f"{field} {detail}")
        self.field = field


@dataclass(slots=True)
class CustomerIn:
    """A validated customer as given by the bank: what is stored and screened."""

    id: str
    names: list[str]
    schema: str = ANY
    birth_date: str | None = None
    country: str | None = None
    identifiers: list[dict] = field(default_factory=list)

    @property
    def data_hash(self) -> str:
        return customer_hash(self.names, self.schema, self.birth_date, self.country)


def _digest(value) -> str:
    text = json.dumps(value, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def customer_hash(names: list[str], schema: str, birth_date: str | None, country: str | None) -> str:
    """What screening a customer depends on (not its identifiers, which the engine does not screen)."""
    return _digest([names, schema, birth_date or "", (country or "").upper()])


def entity_hash(e: Entity) -> str:
    """A listed record's content: names (with their weak flags), type, dates, nationalities, documents."""
    return _digest(
        [
            e.schema,
            [[n.name, n.weak] for n in e.names()],
            [[b.date, b.end or "", b.circa] for b in e.birth_dates],
            sorted(set(e.nationalities + e.citizenships)),
            sorted([d.type, d.number, d.country or ""] for d in e.documents),
        ]
    )


_HASHES: weakref.WeakKeyDictionary[Screener, dict[tuple[str, str], str]] = weakref.WeakKeyDictionary()


def record_hashes(screener: Screener) -> dict[tuple[str, str], str]:
    """Every loaded record's content hash, computed once per Screener (a reload brings a new one)."""
    found = _HASHES.get(screener)
    if found is None:
        found = {(e.list_id, e.id): entity_hash(e) for e in screener.entities}
        _HASHES[screener] = found
    return found


def fingerprint(versions: list[ListVersion]) -> str:
    """The set of list versions, as stored with a re-screen job and compared before screening."""
    return ";".join(sorted(f"{v.id}:{v.sha256}" for v in versions))


def storable(text: str) -> bool:
    """Text any database keeps as given: no control characters (PostgreSQL refuses NUL) and no
    lone surrogates (not encodable as UTF-8)."""
    return not any(ord(ch) < 32 or ord(ch) == 127 or 0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def _text(value, field: str, max_chars: int, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidCustomer(field, "is required")
        return None
    if not isinstance(value, str):
        raise InvalidCustomer(field, "must be a string")
    value = value.strip()
    if required and not value:
        raise InvalidCustomer(field, "is empty")
    if len(value) > max_chars:
        raise InvalidCustomer(field, f"is longer than {max_chars} characters")
    if not storable(value):
        raise InvalidCustomer(field, "contains control characters or lone surrogates")
    return value or None


def _birth_date(value: str | None, field: str, given: bool) -> str | None:
    if value is None:
        if given:
            raise InvalidCustomer(field, "must be YYYY, YYYY-MM or YYYY-MM-DD")
        return None
    parts = value.split("-")
    if tuple(len(p) for p in parts) not in _DATE_SHAPES or not all(p.isdigit() for p in parts):
        raise InvalidCustomer(field, "must be YYYY, YYYY-MM or YYYY-MM-DD")
    return value


def parse_customer(data, where: str = "") -> CustomerIn:
    """A customer from a JSON object (the API, a CSV row); InvalidCustomer names the field at fault."""
    if not isinstance(data, dict):
        raise InvalidCustomer(where.rstrip(".") or "customer", "must be an object")
    for key, value in data.items():
        if key not in CUSTOMER_FIELDS:
            raise InvalidCustomer(f"{where}{key}", f"is not a customer field ({', '.join(CUSTOMER_FIELDS)})")
        if value is None:
            raise InvalidCustomer(f"{where}{key}", "must not be null")
    cid = _text(data.get("id"), f"{where}id", MAX_ID_CHARS, required=True)
    raw = data.get("names")
    if raw is None and "name" in data:
        raw = [data["name"]]
    if not isinstance(raw, list) or not raw:
        raise InvalidCustomer(f"{where}names", "must be a non-empty array of names")
    if len(raw) > MAX_NAMES:
        raise InvalidCustomer(f"{where}names", f"has more than {MAX_NAMES} names")
    names = []
    for i, name in enumerate(raw):
        text = _text(name, f"{where}names[{i}]", MAX_NAME_CHARS, required=True)
        assert text is not None  # required=True: _text raises instead of returning None
        if not any(ch.isalpha() for ch in text or ""):
            raise InvalidCustomer(f"{where}names[{i}]", "has no letters")
        names.append(text)
    schema = _text(data.get("type"), f"{where}type", 16) or ANY
    if schema not in QUERY_SCHEMAS:
        raise InvalidCustomer(f"{where}type", f"must be one of {', '.join(QUERY_SCHEMAS)}")
    identifiers = data.get("identifiers") or []
    if not isinstance(identifiers, list) or len(identifiers) > MAX_IDENTIFIERS:
        raise InvalidCustomer(f"{where}identifiers", f"must be an array of at most {MAX_IDENTIFIERS} objects")
    clean = []
    for i, ident in enumerate(identifiers):
        if not isinstance(ident, dict):
            raise InvalidCustomer(f"{where}identifiers[{i}]", "must be an object")
        unknown = [k for k in ident if k not in IDENTIFIER_FIELDS]
        if unknown:
            raise InvalidCustomer(f"{where}identifiers[{i}].{unknown[0]}", "is not an identifier field")
        if "country" in ident and not isinstance(ident["country"], str):
            raise InvalidCustomer(f"{where}identifiers[{i}].country", "must be a string")
        clean.append(
            {
                k: v
                for k, v in (
                    (
                        "type",
                        _text(
                            ident.get("type"), f"{where}identifiers[{i}].type", MAX_KIND_CHARS, required=True
                        ),
                    ),
                    (
                        "number",
                        _text(
                            ident.get("number"),
                            f"{where}identifiers[{i}].number",
                            MAX_NUMBER_CHARS,
                            required=True,
                        ),
                    ),
                    (
                        "country",
                        _text(ident.get("country"), f"{where}identifiers[{i}].country", MAX_COUNTRY_CHARS),
                    ),
                )
                if v
            }
        )
    return CustomerIn(
        cid or "",
        names,
        schema,
        _birth_date(
            _text(data.get("birth_date"), f"{where}birth_date", 10),
            f"{where}birth_date",
            "birth_date" in data,
        ),
        _text(data.get("country"), f"{where}country", MAX_COUNTRY_CHARS),
        clean,
    )
