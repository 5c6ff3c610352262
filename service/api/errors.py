"""Every error the API returns is an RFC 9457 problem+json document, never an HTML page.

``ApiError`` carries a client mistake to the handler; unexpected exceptions become a generic
500 whose body says nothing about internals and whose log line carries the request id.
"""

from __future__ import annotations

import logging
import traceback

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException

from service.api.body import drain

log = logging.getLogger("service.api")

PROBLEM_TYPE = "https://orinoco.invalid/problems/"  # stable identifiers, not fetchable pages
TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Content Too Large",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class ApiError(Exception):
    """A problem the client can act on: status, a short slug for ``type``, a detail, the field."""

    def __init__(
        self,
        status: int,
        slug: str,
        detail: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
        limit: str | None = None,
    ):
        super().__init__(detail)
        self.status, self.slug, self.detail, self.field = status, slug, detail, field
        self.headers, self.limit = headers, limit


def problem(
    status: int,
    slug: str,
    detail: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
    limit: str | None = None,
) -> Response:
    body = {
        "type": PROBLEM_TYPE + slug,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if field is not None:
        body["field"] = field
    if limit is not None:
        body["limit"] = limit
    rid = g.get("request_id")
    if rid:
        body["request_id"] = rid
    response = jsonify(body)
    response.status_code = status
    response.content_type = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    slug = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}.get(status, "http-error")
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    path = request.path if len(request.path) <= 100 else request.path[:100] + "..."  # echoed, truncated
    detail = {
        404: f"no such resource: {path}",
        405: f"{request.method[:20]} is not allowed on {path}",
        413: f"the request body is larger than the limit of {limit} bytes",
    }.get(status, exc.description or "")
    if status == 413:
        drain()
    allow = exc.get_response().headers.get("Allow") if status == 405 else None
    return problem(status, slug, detail, headers={"Allow": allow} if allow else None)


def _unexpected(exc: Exception) -> Response:
    # Where it happened, not the exception's message: a message may quote a screened name.
    frames = "\n".join(
        f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(exc.__traceback__)
    )
    log.error(
        "unhandled %s on %s %s request_id=%s\n%s",
        type(exc).__name__,
        request.method,
        request.url_rule.rule if request.url_rule else "?",
        g.get("request_id"),
        frames,
    )
    return problem(
        500, "internal-error", "an internal error occurred; quote the request_id when reporting it"
    )


def register(app: Flask) -> None:
    app.register_error_handler(
        ApiError, lambda e: problem(e.status, e.slug, e.detail, e.field, e.headers, e.limit)
    )
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
