"""The OpenAPI 3.1 document, generated: each route declares its operation (``operation``), and the
schemas are the request and response models' own JSON Schema (pydantic), assembled once per process.

Why not spectree or flask-openapi3: both would own the validation and its error answers, and the API
keeps its own problem+json wording and field paths (``validation.problem``); what they would add
over ``models_json_schema`` is a few dozen lines of assembly. A route without an operation is an
error here, so no route goes undocumented.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from service import __version__
from service.api.schemas import Problem

F = TypeVar("F", bound=Callable[..., Any])
ATTRIBUTE = "__openapi__"
CACHE = "orinoco.openapi"
REF = "#/components/schemas/{model}"

# Every error is a Problem (``schemas.Problem``); each status has one shared description.
ERRORS: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Invalid input; `field` names the offending field"),
    401: ("Unauthorized", "Missing or invalid API key (only when ORINOCO_API_KEYS is set)"),
    403: (
        "Forbidden",
        "Admin endpoint disabled, or the API key lacks the scope the request needs (screen, review or admin)",
    ),
    404: ("NotFound", "Unknown route, list or entity"),
    409: ("Conflict", "The alert is delisted or closed and cannot be decided"),
    413: (
        "TooLarge",
        "Body over 1 MiB, or names holding more words together than ORINOCO_MAX_TOKENS (problem with limit)",
    ),
    422: (
        "TooCostly",
        "The request would cost more than its budget: more candidate pairs than ORINOCO_MAX_CANDIDATES, more "
        "matches than ORINOCO_MAX_MATCHES, longer than ORINOCO_REQUEST_DEADLINE, or a response larger than "
        "ORINOCO_MAX_RESPONSE_BYTES; `limit` names which. Nothing was returned: raise the threshold, lower "
        "the limit or split the request.",
    ),
    429: (
        "TooManyRequests",
        "Over ORINOCO_RATE_LIMIT for this client (per worker process); retry after Retry-After seconds",
    ),
    500: ("Internal", "Unexpected error; quote request_id"),
    503: ("NotReady", "The lists are still loading"),
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds until a request is accepted again",
        "schema": {"type": "integer", "minimum": 1},
    }
}
DESCRIPTION = (
    "Screens names against official sanctions lists ({lists}) and explains every match. Every error is an "
    "RFC 9457 problem+json document. With ORINOCO_API_KEYS set, /v1/* needs `Authorization: Bearer KEY` "
    "or `X-API-Key: KEY`. With ORINOCO_RATE_LIMIT set (e.g. 100/minute), each client (its API key, else "
    "its address) gets at most that many names screened per worker process (a request costs one per "
    "name; text one per 1,000 characters), then 429 with Retry-After. Each request is bounded (README, "
    "Deployment and limits): words of all names together, candidate pairs, matches, response size and an "
    "engine deadline; past one, a 413 or 422 problem whose `limit` names the setting. API keys may carry "
    "scopes (ORINOCO_API_KEYS=key1:screen+review,key2; a key without scopes has all three): screen for "
    "screening and the customer book, review to read and decide alerts, admin for /v1/admin/*; a request "
    "outside its key's scopes is a 403."
)


@dataclass(frozen=True, slots=True)
class Operation:
    """One route's contract: its models, the statuses it may answer, its words."""

    id: str
    summary: str
    answer: type[BaseModel] | None  # the JSON body of a success; None: ``content`` says what it is
    answered: str  # what a success holds, in a few words
    body: type[BaseModel] | None = None
    errors: tuple[int, ...] = ()
    status: int = 200
    description: str | None = None
    query: type[BaseModel] | None = None  # the query parameters, one per field
    public: bool = False  # no API key needed (health, metrics, this document)
    content: dict[str, Any] | None = None  # a success that is not a model: {media type: schema}
    also: dict[int, str] = field(default_factory=dict)  # other statuses answering ``answer``


def operation(**kwargs: Any) -> Callable[[F], F]:
    """Declare a view's operation (see ``Operation``) for the generated document."""
    op = Operation(**kwargs)

    def mark(view: F) -> F:
        setattr(view, ATTRIBUTE, op)
        return view

    return mark


class _Generator(GenerateJsonSchema):
    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "title": "Entity Id" beside every property says nothing the name does not

    def default_schema(self, schema: Any) -> dict:
        """An optional field whose absence is its default: no ``"default": null`` on a type without null."""
        out = super().default_schema(schema)
        if out.get("default", ...) is None and "anyOf" not in out and out.get("type") != "null":
            del out["default"]
        return out


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _ref(model: type[BaseModel]) -> dict:
    return {"$ref": REF.format(model=model.__name__)}


def _parameters(rule: str, query: type[BaseModel] | None) -> list[dict]:
    params: list[dict] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"<(?:[^<>:]+:)?([^<>]+)>", rule)
    ]
    if query is not None:
        schema = query.model_json_schema(schema_generator=_Generator)
        for name, prop in schema["properties"].items():
            param = {"name": name, "in": "query", "required": name in schema.get("required", ())}
            if "description" in prop:
                param["description"] = prop.pop("description")
            params.append({**param, "schema": prop})
    return params


def _operation(op: Operation, rule: str, models: list[type[BaseModel]]) -> dict:
    out: dict[str, Any] = {"summary": op.summary, "operationId": op.id}
    if op.description:
        out["description"] = op.description
    if op.public:
        out["security"] = []
    params = _parameters(rule, op.query)
    if params:
        out["parameters"] = params
    if op.body is not None:
        models.append(op.body)
        out["requestBody"] = {"required": True, "content": _json(_ref(op.body))}
    content = op.content
    if op.answer is not None:
        models.append(op.answer)
        content = _json(_ref(op.answer))
    responses: dict[str, Any] = {str(op.status): {"description": op.answered, "content": content}}
    for status, text in op.also.items():
        responses[str(status)] = {"description": text, "content": content}
    for status in op.errors:
        responses[str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    out["responses"] = responses
    return out


def build(app: Flask, lists: str) -> dict:
    """The document for ``app``'s routes (the HTML pages under /ui/ aside), naming the ``lists`` read."""
    paths: dict[str, dict] = {}
    models: list[type[BaseModel]] = [Problem]
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/ui/"):
            continue
        op = getattr(app.view_functions[rule.endpoint], ATTRIBUTE, None)
        if op is None:
            raise LookupError(f"{rule.rule} declares no OpenAPI operation (service.api.openapi.operation)")
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(op, rule.rule, models)
    _, schemas = models_json_schema(
        [(m, "validation") for m in dict.fromkeys(models)], ref_template=REF, schema_generator=_Generator
    )
    problem = {"application/problem+json": {"schema": _ref(Problem)}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Orinoco sanctions screening API",
            "version": __version__,
            "description": DESCRIPTION.format(lists=lists),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "paths": paths,
        "components": {
            "schemas": schemas["$defs"],
            "responses": {
                name: {
                    "description": text,
                    **({"headers": RETRY_AFTER} if status == 429 else {}),
                    "content": problem,
                }
                for status, (name, text) in ERRORS.items()
            },
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
        },
        "security": [{}, {"bearer": []}, {"apiKey": []}],
    }


def document(app: Flask, lists: str) -> dict:
    """``build``, once per app (the routes do not change once it serves)."""
    if CACHE not in app.extensions:
        app.extensions[CACHE] = build(app, lists)
    return app.extensions[CACHE]
