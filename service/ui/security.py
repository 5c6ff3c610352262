"""Login with an API key, the session cookie, and CSRF tokens for the UI's forms.

The session cookie (Flask's, signed with the app's secret key) never holds the key itself, only
an HMAC of it under the secret: a key removed from ORINOCO_API_KEYS logs its sessions out on
their next request. The cookie is HttpOnly, SameSite=Lax, and Secure whenever the request came
over https (directly or through a proxy that says so in X-Forwarded-Proto). Every POST under
/ui/ must carry the session's CSRF token in its ``csrf_token`` field.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

from service import settings

SESSION_HOURS = 8
CSRF_FIELD = "csrf_token"


class _SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure or forwarded == "https"


def configure(app: Flask) -> None:
    """Secret key (ORINOCO_SECRET_KEY, else random per server start: sessions end on restart) and
    cookie flags. Under gunicorn the app is built once in the master, so all workers share it."""
    env = settings.load()
    secret = (env.secret_key or "").strip()
    app.secret_key = secret.encode("utf-8") if secret else secrets.token_bytes(32)
    app.config.update(
        SESSION_COOKIE_NAME="orinoco_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=env.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.session_interface = _SessionInterface()


def _key_tag(key: str) -> str:
    secret = current_app.secret_key
    assert isinstance(secret, bytes)
    return hmac.new(secret, key.encode("utf-8", "surrogateescape"), hashlib.sha256).hexdigest()


def log_in(key: str) -> None:
    """A fresh session (new CSRF token: no fixation) bound to this key."""
    session.clear()
    session.permanent = True
    session["key"] = _key_tag(key)
    session[CSRF_FIELD] = secrets.token_urlsafe(32)


def log_out() -> None:
    session.clear()


def logged_in(keys: tuple[str, ...]) -> bool:
    """True when no keys are configured (the UI is then open), or the session's key is still one."""
    if not keys:
        return True
    tag = session.get("key")
    if not isinstance(tag, str):
        return False
    found = False
    for key in keys:  # no early exit, like service.api.auth
        found |= hmac.compare_digest(tag, _key_tag(key))
    return found


def session_key_index(keys: tuple[str, ...]) -> int | None:
    """Which configured key the session was opened with (its position), for the key's scopes."""
    tag = session.get("key")
    if not isinstance(tag, str):
        return None
    found = None
    for i, key in enumerate(keys):
        if hmac.compare_digest(tag, _key_tag(key)) and found is None:
            found = i
    return found


def csrf_token() -> str:
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    expected = session.get(CSRF_FIELD)
    given = request.form.get(CSRF_FIELD, "")
    return isinstance(expected, str) and hmac.compare_digest(expected.encode(), given.encode())
