"""Optional API-key authentication for /v1/*: ``Authorization: Bearer KEY`` or ``X-API-Key``.

Keys are compared with ``hmac.compare_digest`` against every configured key (no early exit
on a match) and are never logged. Health, readiness, metrics and the documentation stay open.
"""

from __future__ import annotations

import hmac

from flask import request

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
    given = key.encode("utf-8", "surrogateescape")
    found = False
    for k in keys:
        found |= hmac.compare_digest(given, k.encode("utf-8"))
    return found


def check(keys: tuple[str, ...]) -> None:
    """Raise a 401 for a protected path without a valid key; a no-op when no keys are configured."""
    if not keys or not request.path.startswith(PROTECTED_PREFIX):
        return
    key = presented_key()
    if key is None:
        raise ApiError(401, "unauthorized", "an API key is required: send 'Authorization: Bearer KEY' "
                                            "or 'X-API-Key: KEY'", headers=CHALLENGE)
    if not key_is_valid(key, keys):
        raise ApiError(401, "unauthorized", "the API key is not valid", headers=CHALLENGE)
