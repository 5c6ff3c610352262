"""Optional API-key authentication for /v1/*: ``Authorization: Bearer KEY`` or ``X-API-Key``.

Keys are compared with ``hmac.compare_digest`` against every configured key (no early exit
on a match) and are never logged. Health, readiness, metrics and the documentation stay open.

Each key has scopes (``screen``, ``review``, ``admin``; ``config.parse_key_scopes``): a request
outside the key's scopes is a 403 naming the scope it needs. Without keys, everything is open.
"""

from __future__ import annotations

import hmac

from flask import g, request

from service.api.errors import ApiError

PROTECTED_PREFIX = "/v1/"
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="orinoco"'}


def presented_key() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.headers.get("X-API-Key") or None


def key_is_valid(key: str, keys: tuple[str, ...]) -> bool:
    return key_index(key, keys) is not None


def key_index(key: str, keys: tuple[str, ...]) -> int | None:
    given = key.encode("utf-8", "surrogateescape")
    found = None
    for i, k in enumerate(keys):
        if hmac.compare_digest(given, k.encode("utf-8")) and found is None:
            found = i
    return found


def accepted_scopes(method: str, path: str) -> set[str]:
    """Any one of these scopes lets a key make this request."""
    if path.startswith("/v1/admin/"):
        return {"admin"}
    if path.startswith("/v1/alerts"):
        return {"review"} if method not in ("GET", "HEAD") else {"review", "screen"}
    return {"screen"}


def check(keys: tuple[str, ...], scopes: tuple[frozenset[str], ...] = ()) -> None:
    """Raise a 401 for a protected path without a valid key, a 403 outside the key's scopes;
    a no-op when no keys are configured."""
    if not keys or not request.path.startswith(PROTECTED_PREFIX):
        return
    key = presented_key()
    if key is None:
        raise ApiError(
            401,
            "unauthorized",
            "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
            headers=CHALLENGE,
        )
    index = key_index(key, keys)
    if index is None:
        raise ApiError(401, "unauthorized", "the API key is not valid", headers=CHALLENGE)
    held = scopes[index] if index < len(scopes) else frozenset({"screen", "review", "admin"})
    g.key_id = f"key{index + 1}"  # which configured key, for the audit trail (never the key itself)
    wanted = accepted_scopes(request.method, request.path)
    if not held & wanted:
        raise ApiError(
            403,
            "insufficient-scope",
            f"this API key lacks the {' or '.join(sorted(wanted))} "
            f"scope that {request.method} {request.path} needs",
        )
