"""Turn request bodies into engine calls, or an ``ApiError`` naming the offending field.

Checks are explicit rather than schema-driven so that every message can say exactly what was
wrong and where ("queries[3].name"); the OpenAPI document describes the same rules.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from service.api.config import ApiConfig
from service.api.errors import ApiError
from service.engine.identifiers import KINDS, Identifier
from service.engine.normalize import name_problem
from service.engine.screener import ANY, QUERY_SCHEMAS, Query

QUERY_FIELDS = ("name", "schema", "birth_date", "country", "id", "identifiers")
IDENTIFIER_FIELDS = ("type", "number", "country")
MAX_IDENTIFIERS, MAX_NUMBER = 20, 64
SCREEN_FIELDS = ("queries", "name", "names", "threshold", "limit", "lists")
_BIRTH_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")
MAX_COUNTRY, MAX_ID = 100, 256
MAX_ECHO = 100  # characters of a client's input quoted back in an error


@dataclass(slots=True)
class ScreenRequest:
    queries: list[Query]
    threshold: float | None
    limit: int
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


def _object(value: Any, field: str, allowed: tuple[str, ...]) -> dict:
    if not isinstance(value, dict):
        raise ApiError(400, "wrong-type", f"{field or 'the body'} must be a JSON object", field or None)
    for key in value:
        if key not in allowed:
            prefix = f"{field}." if field else ""
            shown = key if len(key) <= MAX_ECHO else key[:MAX_ECHO] + "..."  # never echo a 900 KB key whole
            raise ApiError(
                400,
                "unknown-field",
                f"unknown field {shown!r}; expected one of {', '.join(allowed)}",
                prefix + shown,
            )
    return value


def _text(value: Any, field: str, max_len: int) -> str:
    if not isinstance(value, str):
        raise ApiError(400, "wrong-type", f"{field} must be a string", field)
    if len(value) > max_len:
        raise ApiError(400, "too-long", f"{field} is longer than {max_len} characters", field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(400, "invalid-text", f"{field} is not valid Unicode (lone surrogate)", field) from None
    return value


def name_of(value: Any, field: str, config: ApiConfig) -> str:
    if value is None:
        raise ApiError(400, "missing-name", f"{field} is required", field)
    name = _text(value, field, config.max_name_length)
    problem = name_problem(name, config.max_name_length)  # the batch reader's rule too
    if problem is not None:
        kind = "empty-name" if not name.strip() else "no-letters-or-digits"
        raise ApiError(400, kind, f"{field} {problem}", field)
    return name


def _birth_date(value: Any, field: str) -> str | None:
    if value is None:
        return None
    text = _text(value, field, 10)
    m = _BIRTH_DATE.fullmatch(text)
    try:
        if not m:
            raise ValueError
        date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        raise ApiError(
            400,
            "invalid-birth-date",
            f"{field} must be a date YYYY-MM-DD, YYYY-MM or YYYY, got {text!r}",
            field,
        ) from None
    return text


def query(value: Any, field: str, config: ApiConfig) -> Query:
    obj = _object(value, field, QUERY_FIELDS)
    schema = obj.get("schema", ANY)
    if schema is None:
        schema = ANY
    if not isinstance(schema, str):
        raise ApiError(400, "wrong-type", f"{field}.schema must be a string", f"{field}.schema")
    if schema not in QUERY_SCHEMAS:
        raise ApiError(
            400,
            "unknown-schema",
            f"unknown schema {schema[:50]!r}; expected one of {', '.join(QUERY_SCHEMAS)}",
            f"{field}.schema",
        )
    country = obj.get("country")
    ref = obj.get("id")
    if isinstance(ref, bool) or not (ref is None or isinstance(ref, str | int)):
        raise ApiError(400, "wrong-type", f"{field}.id must be a string or an integer", f"{field}.id")
    return Query(
        name=name_of(obj.get("name"), f"{field}.name", config),
        schema=schema,
        birth_date=_birth_date(obj.get("birth_date"), f"{field}.birth_date"),
        country=None if country is None else _text(country, f"{field}.country", MAX_COUNTRY),
        id=ref if not isinstance(ref, str) else _text(ref, f"{field}.id", MAX_ID),
        identifiers=_identifiers(obj.get("identifiers"), f"{field}.identifiers"),
    )


def _identifiers(value: Any, field: str) -> list[Identifier]:
    """[{"type": "passport", "number": "C1668015", "country": "VE"}, ...]; type one of KINDS."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ApiError(400, "wrong-type", f"{field} must be an array", field)
    if len(value) > MAX_IDENTIFIERS:
        raise ApiError(
            400, "too-many-identifiers", f"{field} has {len(value)} entries; at most {MAX_IDENTIFIERS}", field
        )
    out = []
    for i, item in enumerate(value):
        at = f"{field}[{i}]"
        obj = _object(item, at, IDENTIFIER_FIELDS)
        kind = obj.get("type")
        if not isinstance(kind, str) or kind not in KINDS:
            raise ApiError(
                400, "unknown-identifier-type", f"{at}.type must be one of {', '.join(KINDS)}", f"{at}.type"
            )
        number = _text(obj.get("number"), f"{at}.number", MAX_NUMBER) if "number" in obj else None
        if not number or not any(ch.isalnum() for ch in number):
            raise ApiError(
                400, "missing-identifier-number", f"{at}.number must hold letters or digits", f"{at}.number"
            )
        country = obj.get("country")
        out.append(
            Identifier(
                kind, number, None if country is None else _text(country, f"{at}.country", MAX_COUNTRY)
            )
        )
    return out


def _queries(body: dict, config: ApiConfig) -> list[Query]:
    given = [k for k in ("queries", "name", "names") if k in body]
    if len(given) != 1:
        detail = (
            "give the names to screen as exactly one of queries, names or name"
            if given
            else 'missing queries: send {"queries": [{"name": ...}]}, {"names": [...]} or {"name": ...}'
        )
        raise ApiError(400, "missing-name" if not given else "conflicting-fields", detail, "queries")
    key = given[0]
    if key == "name":
        return [Query(name_of(body["name"], "name", config))]
    items = body[key]
    if not isinstance(items, list):
        raise ApiError(400, "wrong-type", f"{key} must be an array", key)
    if not items:
        raise ApiError(400, "empty-queries", f"{key} is empty: give at least one name", key)
    if len(items) > config.max_queries:
        raise ApiError(
            400,
            "too-many-queries",
            f"{key} has {len(items)} entries; at most {config.max_queries} per request",
            key,
        )
    if key == "names":
        return [Query(name_of(v, f"names[{i}]", config)) for i, v in enumerate(items)]
    return [query(v, f"queries[{i}]", config) for i, v in enumerate(items)]


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(400, "wrong-type", f"{field} must be a number", field)
    return value


def _threshold(value: Any) -> float | None:
    """The request's threshold in [0, 1], or None for the service's default."""
    if value is None:
        return None
    threshold = float(_number(value, "threshold"))
    if not 0.0 <= threshold <= 1.0:
        raise ApiError(
            400, "threshold-out-of-range", f"threshold must be between 0 and 1, got {threshold}", "threshold"
        )
    return threshold


def screen_request(body: Any, config: ApiConfig, known_lists: list[str]) -> ScreenRequest:
    body = _object(body, "", SCREEN_FIELDS)
    queries = _queries(body, config)
    threshold = _threshold(body.get("threshold"))
    limit = body.get("limit", config.default_limit)
    if isinstance(limit, bool) or not isinstance(limit, int):
        raise ApiError(400, "wrong-type", "limit must be an integer", "limit")
    if not 1 <= limit <= config.max_limit:
        raise ApiError(
            400, "limit-out-of-range", f"limit must be between 1 and {config.max_limit}, got {limit}", "limit"
        )
    return ScreenRequest(queries, threshold, limit, list_filter(body.get("lists"), known_lists))


def list_filter(value: Any, known: list[str]) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise ApiError(400, "wrong-type", "lists must be an array of list ids", "lists")
    if not value:
        raise ApiError(400, "empty-lists", "lists is empty: omit it to screen against every list", "lists")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ApiError(400, "wrong-type", f"lists[{i}] must be a string", f"lists[{i}]")
        if item not in known:
            raise ApiError(
                400,
                "unknown-list",
                f"unknown list {item[:100]!r}; loaded lists: {', '.join(known)}",
                f"lists[{i}]",
            )
    return list(dict.fromkeys(value))


def compare_request(body: Any, config: ApiConfig) -> tuple[Query, Query]:
    body = _object(body, "", ("a", "b"))
    for side in ("a", "b"):
        if side not in body:
            raise ApiError(400, "missing-name", f'{side} is required: {{"{side}": {{"name": ...}}}}', side)
    return query(body["a"], "a", config), query(body["b"], "b", config)


TEXT_FIELDS = ("text", "threshold", "lists")
MAX_TEXT_CHARS = 100_000  # an article or a long payment message; larger is a 413


@dataclass(slots=True)
class TextRequest:
    text: str
    threshold: float | None
    lists: list[str] | None


def text_request(body: Any, known_lists: list[str]) -> TextRequest:
    body = _object(body, "", TEXT_FIELDS)
    value = body.get("text")
    if value is None:
        raise ApiError(400, "missing-text", 'text is required: {"text": "..."}', "text")
    if isinstance(value, str) and len(value) > MAX_TEXT_CHARS:
        raise ApiError(
            413,
            "text-too-large",
            f"text has {len(value)} characters; at most {MAX_TEXT_CHARS} per request",
            "text",
        )
    text = _text(value, "text", MAX_TEXT_CHARS)
    if not text.strip():
        raise ApiError(400, "empty-text", "text is empty", "text")
    threshold = _threshold(body.get("threshold"))
    return TextRequest(text, threshold, list_filter(body.get("lists"), known_lists))
