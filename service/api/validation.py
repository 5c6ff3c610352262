"""The API's request models (pydantic v2): every limit of the contract, validated and documented at once.

The OpenAPI document (``openapi.py``) is generated from these models, so a limit set here is the
limit the code enforces and the limit the document states. A ``ValidationError`` becomes one
``ApiError`` naming the first failing field's path ("queries[3].name"), with today's problem type
and wording: messages are written here once, by error kind and, where a field says more, by field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal, NoReturn, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import ErrorDetails, PydanticCustomError

from service.api.config import KEYED_MIN_THRESHOLD
from service.api.errors import ApiError
from service.api.schemas import absent
from service.engine.identifiers import KINDS
from service.engine.identifiers import Identifier as EngineIdentifier
from service.engine.normalize import MAX_NAME_CHARS, name_problem
from service.engine.screener import ANY, QUERY_SCHEMAS
from service.engine.screener import Query as EngineQuery
from service.monitor import records
from service.monitor.models import DECISIONS, STATUSES
from service.monitor.records import MAX_ID_CHARS as MAX_CUSTOMER_ID
from service.monitor.records import storable

# --- the limits of the contract: the only place each is written -----------------------------------
MAX_QUERIES = 1000  # names (or customers, or ids) per request
MAX_NAME = MAX_NAME_CHARS  # characters of one name (the batch reader's limit too)
MAX_COUNTRY, MAX_ID = 100, 256  # characters of a query's country and of its echoed id
MAX_IDENTIFIERS, MAX_NUMBER = 20, 64  # identifiers per query, characters of one number
DEFAULT_LIMIT, MAX_LIMIT = 10, 100  # matches per name
MAX_TEXT_CHARS = 100_000  # an article or a long payment message; larger is a 413, not a 400
MAX_REASON, MAX_REVIEWER = 2000, 128  # a reviewer's decision on an alert
DEFAULT_PAGE, MAX_PAGE = 100, 1000  # customers or alerts per page of a listing
MAX_ECHO = 100  # characters of a client's input quoted back in an error
BIRTH_DATE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
THRESHOLD_HELP = (
    f"Default: the service's (ORINOCO_THRESHOLD). Thresholds under ORINOCO_MIN_THRESHOLD (default "
    f"{KEYED_MIN_THRESHOLD} with API keys) are a 400 unless the key is one of ORINOCO_ADMIN_KEYS."
)


def _fail(slug: str, message: str, at: str | None = None, **ctx: Any) -> NoReturn:
    """A validation failure with its problem type, worded now; ``{field}`` in the message becomes the
    failing field's path, and ``at`` a field under it (an unknown key, the choice of queries)."""
    raise PydanticCustomError(
        slug, message.format(field="{field}", **ctx), None if at is None else {"at": at}
    )


def _storable_text(value: str) -> str:
    """Text that can be written out as UTF-8 (json.loads lets lone surrogates through)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail("invalid-text", "{field} is not valid Unicode (lone surrogate)")
    return value


def _a_name(value: str) -> str:
    problem = name_problem(value, MAX_NAME)  # the batch reader's rule too
    if problem is not None:
        _fail("empty-name" if not value.strip() else "no-letters-or-digits", "{field} " + problem)
    return value


def _a_date(value: str) -> str:
    y, m, d = (value.split("-") + ["1", "1"])[:3]
    try:
        date(int(y), int(m), int(d))
    except ValueError:
        _fail(
            "invalid-birth-date",
            "{field} must be a date YYYY-MM-DD, YYYY-MM or YYYY, got {text!r}",
            text=value,
        )
    return value


def _a_ref(value: Any) -> str | int | None:
    """The caller's reference: a string or an integer (not a boolean), echoed back as given."""
    if isinstance(value, bool) or not (value is None or isinstance(value, str | int)):
        _fail("wrong-type", "{field} must be a string or an integer")
    if isinstance(value, str):
        if len(value) > MAX_ID:
            _fail("too-long", "{field} is longer than {max_length} characters", max_length=MAX_ID)
        _storable_text(value)
    return value


def _storable_id(value: str) -> str:
    if not storable(value):
        _fail("invalid-text", "{field} has control characters or lone surrogates")
    return value


def _a_number(value: str) -> str:
    if not any(ch.isalnum() for ch in value):
        _fail("missing-identifier-number", "{field} must hold letters or digits")
    return value


# Strings are checked by pydantic's own (compiled) str type first, lone surrogates included; a
# Python function runs only where a rule needs one (a name's letters, a real date).
Country = Annotated[str, Field(max_length=MAX_COUNTRY, examples=["VE"])]
BirthDate = Annotated[
    str, Field(max_length=10, pattern=BIRTH_DATE, examples=["1974-11-12", "1974"]), AfterValidator(_a_date)
]
Name = Annotated[
    str, Field(min_length=1, max_length=MAX_NAME, description="Not blank."), AfterValidator(_a_name)
]
Threshold = Annotated[float | None, Field(ge=0.0, le=1.0)]
ListIds = Annotated[
    list[str] | None, Field(min_length=1, description="List ids (GET /v1/lists); default all")
]


class Model(BaseModel):
    """A JSON object with known fields (an unknown one is an ``unknown-field``), each of its type as
    JSON has it: no "3" for 3, no 1 for true."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=False)

    @classmethod
    def fields(cls) -> list[str]:
        return [f.alias or name for name, f in cls.model_fields.items()]


class Identifier(Model):
    type: Literal[KINDS]  # type: ignore[valid-type]  # a tuple of literals, unpacked by pydantic
    number: Annotated[
        str,
        Field(max_length=MAX_NUMBER, json_schema_extra={"pattern": "[A-Za-z0-9]"}),
        AfterValidator(_a_number),
    ]
    country: Country | None = None


class Query(Model):
    """A name to screen and what is known of its party. An optional field given as null is absent."""

    name: Name
    schema_: Literal[QUERY_SCHEMAS] | None = Field(ANY, alias="schema")  # type: ignore[valid-type]
    birth_date: BirthDate | None = None
    country: Annotated[Country | None, Field(description="ISO 3166 alpha-2 code or country name")] = None
    id: Annotated[
        str | int | None,
        PlainValidator(_a_ref),
        WithJsonSchema(
            {
                "type": ["string", "integer", "null"],
                "maxLength": MAX_ID,
                "description": "The caller's reference, echoed back",
            }
        ),
    ] = None
    identifiers: Annotated[
        list[Identifier] | None,
        Field(
            max_length=MAX_IDENTIFIERS,
            description="Identifiers of the party: an exact match with a listed number alerts even when "
            "the names differ; a different number of the same type and country counts against",
        ),
    ] = None

    def to_query(self) -> EngineQuery:
        ids = [EngineIdentifier(i.type, i.number, i.country) for i in self.identifiers or ()]
        return EngineQuery(self.name, self.schema_ or ANY, self.birth_date, self.country, self.id, ids)


_GIVEN = ("queries", "names", "name")
_SCREEN_FIELDS = {*_GIVEN, "threshold", "limit", "lists"}


class ScreenRequest(Model):
    """Exactly one of queries, names or name. threshold or lists given as null are treated as absent."""

    model_config = ConfigDict(json_schema_extra={"oneOf": [{"required": [k]} for k in _GIVEN]})

    queries: Annotated[list[Query], Field(min_length=1, max_length=MAX_QUERIES)] = Field(default_factory=list)
    names: Annotated[list[Name], Field(min_length=1, max_length=MAX_QUERIES)] = Field(default_factory=list)
    name: Name = Field(default_factory=str)
    threshold: Threshold = absent(description=THRESHOLD_HELP)
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT
    lists: ListIds = None

    @model_validator(mode="before")
    @classmethod
    def _one_of(cls, value: Any) -> Any:
        if not isinstance(value, dict) or not value.keys() <= _SCREEN_FIELDS:
            return value  # not an object, or an unknown field: reported as such first
        given = [k for k in _GIVEN if k in value]
        if not given:
            _fail(
                "missing-name",
                'missing queries: send {{"queries": [{{"name": ...}}]}}, '
                '{{"names": [...]}} or {{"name": ...}}',
                at="queries",
            )
        if len(given) > 1:
            _fail(
                "conflicting-fields",
                "give the names to screen as exactly one of queries, names or name",
                at="queries",
            )
        return value

    def to_queries(self) -> list[EngineQuery]:
        if "name" in self.model_fields_set:
            return [EngineQuery(self.name)]
        if "names" in self.model_fields_set:
            return [EngineQuery(n) for n in self.names]
        return [q.to_query() for q in self.queries]


class CompareRequest(Model):
    a: Query
    b: Query


class TextRequest(Model):
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MAX_TEXT_CHARS,
            description=f"The text to screen, at most {MAX_TEXT_CHARS:,} characters: a longer text is "
            f"refused with a 413 (not a 400)",
        ),
        AfterValidator(lambda v: v if v.strip() else _fail("empty-text", "text is empty")),
    ]
    threshold: Threshold = absent(description=THRESHOLD_HELP)
    lists: ListIds = None


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _reviewable(value: str) -> str:
    if not storable(value.replace("\n", " ").replace("\t", " ")):  # a reason may have lines
        _fail("invalid-text", "{field} has control characters or lone surrogates")
    return value


Reason = Annotated[
    str, BeforeValidator(_strip), Field(min_length=1, max_length=MAX_REASON), AfterValidator(_reviewable)
]
Reviewer = Annotated[
    str, BeforeValidator(_strip), Field(min_length=1, max_length=MAX_REVIEWER), AfterValidator(_reviewable)
]


class DecisionRequest(Model):
    """A reviewer's decision on an alert, kept in its history and the audit log."""

    decision: Annotated[Literal[DECISIONS], BeforeValidator(_strip)]  # type: ignore[valid-type]
    reason: Reason
    reviewer: Reviewer


CustomerId = Annotated[str, Field(min_length=1, max_length=MAX_CUSTOMER_ID), AfterValidator(_storable_id)]


class RemoveRequest(Model):
    ids: Annotated[list[CustomerId], Field(min_length=1, max_length=MAX_QUERIES)]


# --- from pydantic's errors to today's problems -----------------------------------------------------
# By error kind: (problem type, message); {field} is the failing field's path, {max_length} etc. the
# error's context. A field's own wording (below) wins over its kind's.
_BY_KIND: dict[str, tuple[str, str]] = {
    "string_type": ("wrong-type", "{field} must be a string"),
    "string_unicode": ("invalid-text", "{field} is not valid Unicode (lone surrogate)"),
    "string_too_long": ("too-long", "{field} is longer than {max_length} characters"),
    "string_too_short": ("too-short", "{field} is shorter than {min_length} characters"),
    "list_type": ("wrong-type", "{field} must be an array"),
    "model_type": ("wrong-type", "{field} must be a JSON object"),
    "int_type": ("wrong-type", "{field} must be an integer"),
    "float_type": ("wrong-type", "{field} must be a number"),
    "missing": ("missing-field", "{field} is required"),
}
_BY_FIELD: dict[tuple[str, str], tuple[str, str]] = {
    ("queries", "too_short"): ("empty-queries", "{field} is empty: give at least one name"),
    ("names", "too_short"): ("empty-queries", "{field} is empty: give at least one name"),
    ("queries", "too_long"): (
        "too-many-queries",
        "{field} has {actual_length} entries; at most {max_length} per request",
    ),
    ("names", "too_long"): (
        "too-many-queries",
        "{field} has {actual_length} entries; at most {max_length} per request",
    ),
    ("name", "string_too_short"): ("empty-name", "{field} is empty"),
    ("name", "missing"): ("missing-name", "{field} is required"),
    ("a", "missing"): ("missing-name", '{field} is required: {{"{field}": {{"name": ...}}}}'),
    ("b", "missing"): ("missing-name", '{field} is required: {{"{field}": {{"name": ...}}}}'),
    ("text", "missing"): ("missing-text", 'text is required: {{"text": "..."}}'),
    ("text", "string_too_short"): ("empty-text", "text is empty"),
    ("text", "string_too_long"): (
        "text-too-large",
        "text has {length} characters; at most {max_length} per request",
    ),
    ("threshold", "greater_than_equal"): (
        "threshold-out-of-range",
        "threshold must be between 0 and 1, got {value}",
    ),
    ("threshold", "less_than_equal"): (
        "threshold-out-of-range",
        "threshold must be between 0 and 1, got {value}",
    ),
    ("threshold", "finite_number"): (
        "threshold-out-of-range",
        "threshold must be between 0 and 1, got {value}",
    ),
    ("limit", "greater_than_equal"): (
        "limit-out-of-range",
        f"limit must be between 1 and {MAX_LIMIT}, got {{value}}",
    ),
    ("limit", "less_than_equal"): (
        "limit-out-of-range",
        f"limit must be between 1 and {MAX_LIMIT}, got {{value}}",
    ),
    ("lists", "list_type"): ("wrong-type", "lists must be an array of list ids"),
    ("lists", "too_short"): ("empty-lists", "lists is empty: omit it to screen against every list"),
    ("identifiers", "too_long"): (
        "too-many-identifiers",
        "{field} has {actual_length} entries; at most {max_length}",
    ),
    ("birth_date", "string_pattern_mismatch"): (
        "invalid-birth-date",
        "{field} must be a date YYYY-MM-DD, YYYY-MM or YYYY, got {shown!r}",
    ),
    ("schema", "literal_error"): (
        "unknown-schema",
        "unknown schema {shown!r}; expected one of " + ", ".join(QUERY_SCHEMAS),
    ),
    ("type", "literal_error"): ("unknown-identifier-type", "{field} must be one of " + ", ".join(KINDS)),
    ("type", "missing"): ("unknown-identifier-type", "{field} must be one of " + ", ".join(KINDS)),
    ("number", "missing"): ("missing-identifier-number", "{field} must hold letters or digits"),
    ("number", "string_type"): ("missing-identifier-number", "{field} must hold letters or digits"),
    ("decision", "literal_error"): ("invalid-decision", "decision must be one of " + ", ".join(DECISIONS)),
    ("ids", "too_long"): ("too-many-customers", "at most {max_length} ids per request"),
    ("ids", "too_short"): ("wrong-type", "ids must be a non-empty array of customer ids"),
}
_STATUS = {"text-too-large": 413}
# in the monitoring routes a reviewer's fields are required, non-empty strings (their own wording)
_REVIEW = ("decision", "reason", "reviewer")


def path(loc: tuple[str | int, ...]) -> str:
    """("queries", 3, "name") -> "queries[3].name"."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _first(errors: list[ErrorDetails]) -> ErrorDetails:
    """The error reported: the first, unless its object (or one holding it) has an unknown field,
    which is reported before its fields' errors."""
    first = errors[0]
    for e in errors:
        parent = tuple(e["loc"][:-1])
        if e["type"] == "extra_forbidden" and tuple(first["loc"][: len(parent)]) == parent:
            return e
    return first


def _model_at(model: type[Model], loc: tuple) -> type[Model]:
    """The model of the object at ``loc`` under ``model`` (for the fields it allows)."""
    for part in loc:
        if isinstance(part, str):
            annotation = next(f.annotation for n, f in model.model_fields.items() if (f.alias or n) == part)
            model = next(m for m in _models_in(annotation))
    return model


def _models_in(annotation: Any) -> list[type[Model]]:
    if isinstance(annotation, type) and issubclass(annotation, Model):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]


def problem(exc: ValidationError, model: type[Model]) -> ApiError:
    """The first failing field of ``exc`` as a 400 (413 for a text too long) problem naming its path."""
    err = _first(exc.errors(include_url=False))
    loc, kind, ctx, value = tuple(err["loc"]), err["type"], dict(err.get("ctx") or {}), err.get("input")
    at = ctx.pop("at", None)
    if kind == "extra_forbidden":
        key = str(loc[-1])
        shown = key if len(key) <= MAX_ECHO else key[:MAX_ECHO] + "..."  # never echo a 900 KB key whole
        field = path((*loc[:-1], shown))
        allowed = ", ".join(_model_at(model, loc[:-1]).fields())
        return ApiError(400, "unknown-field", f"unknown field {shown!r}; expected one of {allowed}", field)
    if kind in ("too_short", "too_long") and isinstance(value, str):  # a length rule on a checked string
        kind = "string_" + kind
    field = path(loc + ((at,) if at is not None else ()))
    name = next((p for p in reversed(loc) if isinstance(p, str)), "")
    if loc and isinstance(loc[-1], int):  # an item of a list of names: the name's own rules
        name = "name" if name == "names" else name
    if value is None and kind == "string_type" and (name, "missing") in _BY_FIELD:
        kind = "missing"  # a required string given as null: as if left out
    if name in _REVIEW and loc == (name,) and kind in ("missing", "string_type", "string_too_short"):
        slug = "missing-field" if value is None or kind == "missing" else "wrong-type"
        return ApiError(400, slug, f"{name} is required: a non-empty string", name)
    if kind in _BY_KIND or (name, kind) in _BY_FIELD:
        slug, template = _BY_FIELD.get((name, kind)) or _BY_KIND[kind]
        shown = value[:50] if isinstance(value, str) else value
        if kind == "literal_error" and not isinstance(value, str) and name == "schema":
            slug, template = _BY_KIND["string_type"]
        finite = isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e308
        number = value if finite else None  # float() of a 400-digit integer overflows
        detail = template.format(
            field=field or "the body",
            shown=shown,
            value=float(number) if name == "threshold" and number is not None else value,
            length=len(value) if isinstance(value, str) else 0,
            **ctx,
        )
    elif "_" not in kind:  # our own errors, already worded
        slug, detail = kind, err["msg"].replace("{field}", field or "the body")
    else:  # a kind of pydantic's without wording here yet: still a 400 naming the field
        slug, detail = "invalid-value", f"{field or 'the body'}: {err['msg']}"
    return ApiError(_STATUS.get(slug, 400), slug, detail, field or None)


def validate(model: type[Model], body: Any) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise problem(exc, model) from None


# --- what the routes and the UI call -----------------------------------------------------------------


@dataclass(slots=True)
class ScreenRequestIn:
    queries: list[EngineQuery]
    threshold: float | None
    limit: int
    lists: list[str] | None


@dataclass(slots=True)
class TextRequestIn:
    text: str
    threshold: float | None
    lists: list[str] | None


def parse_json(raw: bytes) -> Any:
    """The body as JSON; NaN/Infinity and malformed or over-deep documents are 400s."""
    if not raw.strip():
        raise ApiError(400, "invalid-json", "the request body is empty; send a JSON object")
    try:
        return json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        detail = (
            f"the request body is not valid JSON: {exc}"
            if isinstance(exc, json.JSONDecodeError)
            else "the request body is not valid JSON"
        )
        raise ApiError(400, "invalid-json", detail) from None


def _reject_constant(token: str) -> float:
    raise ValueError(f"{token} is not allowed")


def _threshold(value: float | None) -> float | None:
    return None if value is None else float(value)


def screen_request(body: Any, known_lists: list[str]) -> ScreenRequestIn:
    req: ScreenRequest = validate(ScreenRequest, body)
    return ScreenRequestIn(
        req.to_queries(), _threshold(req.threshold), req.limit, list_filter(req.lists, known_lists)
    )


def compare_request(body: Any) -> tuple[EngineQuery, EngineQuery]:
    req: CompareRequest = validate(CompareRequest, body)
    return req.a.to_query(), req.b.to_query()


def text_request(body: Any, known_lists: list[str]) -> TextRequestIn:
    req: TextRequest = validate(TextRequest, body)
    return TextRequestIn(req.text, _threshold(req.threshold), list_filter(req.lists, known_lists))


def list_filter(lists: list[str] | None, known: list[str]) -> list[str] | None:
    """The loaded lists asked for, each once; an unknown id is a 400 naming it (not a schema rule:
    which lists are loaded is the server's business)."""
    if lists is None:
        return None
    for i, item in enumerate(lists):
        if item not in known:
            raise ApiError(
                400,
                "unknown-list",
                f"unknown list {item[:MAX_ECHO]!r}; loaded lists: {', '.join(known)}",
                f"lists[{i}]",
            )
    return list(dict.fromkeys(lists))


# --- the customer book: the shapes ``monitor.records.parse_customer`` checks (it also reads the CSV
# files of ``orinoco monitor import``, so it stays the one validator), with its limits ---------------
CustomerName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]


class CustomerIdentifier(Model):
    type: Annotated[str, Field(min_length=1, max_length=records.MAX_KIND_CHARS)]
    number: Annotated[str, Field(min_length=1, max_length=records.MAX_NUMBER_CHARS)]
    country: Annotated[str, Field(max_length=records.MAX_COUNTRY_CHARS)] = absent()


class CustomerData(Model):
    """A monitored customer's data, without its id (PUT)."""

    names: Annotated[list[CustomerName], Field(min_length=1, max_length=records.MAX_NAMES)] = absent(
        description="The names screened (each needs a letter)"
    )
    name: CustomerName = absent(description="One name, instead of names")
    type: Literal[QUERY_SCHEMAS] = ANY  # type: ignore[valid-type]
    birth_date: Annotated[str, Field(pattern=BIRTH_DATE)] = absent()
    country: Annotated[str, Field(max_length=records.MAX_COUNTRY_CHARS)] = absent()
    identifiers: Annotated[list[CustomerIdentifier], Field(max_length=records.MAX_IDENTIFIERS)] = absent()


class Customer(CustomerData):
    """A customer to monitor: its id, names and screened data."""

    id: Annotated[str, Field(min_length=1, max_length=MAX_CUSTOMER_ID)]


class CustomersRequest(Model):
    customers: Annotated[list[Customer], Field(min_length=1, max_length=MAX_QUERIES)]


# --- query parameters of the listings (checked by ``routes_monitor``; documented from these) ----------
class Page(Model):
    cursor: str = absent(description="next_cursor of the previous page")
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE)] = DEFAULT_PAGE


class AlertFilter(Page):
    status: Literal[STATUSES] = absent()  # type: ignore[valid-type]
    list_: str = absent(alias="list")
    since: datetime = absent(description="only alerts changed at or after this time")
    customer_id: str = absent()
