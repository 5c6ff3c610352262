"""The Flask application factory: a thin HTTP layer over a ``Screener``.

Per request it assigns a request id, checks the API key, times the request for /metrics, and
turns every failure into problem+json (``errors``). The routes themselves live in
``routes_screen`` / ``routes_lists`` / ``routes_ops``; engine calls go through ``context``.
"""

from __future__ import annotations

import re
import time
import uuid

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from service import logs
from service.api import (
    auth,
    cost,
    errors,
    metrics,
    routes_lists,
    routes_monitor,
    routes_ops,
    routes_screen,
    routes_text,
)
from service.api.config import ApiConfig, from_env
from service.api.context import ENGINE_LOCK, EXTENSION, MONITOR_EXTENSION
from service.api.provider import ScreenerProvider
from service.api.ratelimit import RateLimiter
from service.engine.screener import Screener
from service.monitor import Monitor
from service.ui import register as register_ui

_CLIENT_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def create_app(
    screener_or_provider: Screener | ScreenerProvider,
    config: ApiConfig | None = None,
    monitor: Monitor | None = None,
) -> Flask:
    """An app serving a fixed Screener, or whatever a ``ScreenerProvider`` currently holds; with a
    ``Monitor``, also the customer book and its alerts (``routes_monitor``)."""
    provider = (
        screener_or_provider
        if isinstance(screener_or_provider, ScreenerProvider)
        else ScreenerProvider(screener=screener_or_provider)
    )
    config = config or from_env()
    app = Flask("service.api")
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    # keep the documented field order: it reads better in an audit trail (sort_keys is an attribute of
    # Flask's default DefaultJSONProvider; app.json is typed as its base class, which lacks it)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.merge_slashes = False  # "/v1//lists" is a 404 problem, not an HTML redirect
    if config.trusted_proxies:
        # The client's address from X-Forwarded-For, believing only the hops we put in front:
        # rate limiting and the audit log then see clients, not the proxy.
        n = config.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.extensions[EXTENSION] = (provider, config)
    if monitor is not None:
        monitor.engine_lock = ENGINE_LOCK  # its screenings share the engine with the requests'
        app.extensions[MONITOR_EXTENSION] = monitor
    for blueprint in (routes_screen.bp, routes_text.bp, routes_lists.bp, routes_ops.bp, routes_monitor.bp):
        app.register_blueprint(blueprint)
    register_ui(app)  # the analyst's pages under /ui/, behind the same keys (a session cookie)
    errors.register(app)
    limiter = RateLimiter(config.rate_limit) if config.rate_limit else None
    if limiter:
        app.extensions[cost.LIMITER] = limiter

    @app.before_request
    def _start() -> None:
        g.started = time.perf_counter()
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _CLIENT_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        logs.REQUEST_ID.set(g.request_id)  # on every log line written while this request runs
        if limiter:
            limiter.check(config.api_keys)
        auth.check(config.api_keys, config.key_scopes)

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        if "audit_id" in g:  # the audit record's own key (a client's request id need not be unique)
            response.headers["X-Audit-ID"] = g.audit_id
        endpoint = request.url_rule.rule if request.url_rule else metrics.OTHER
        method = metrics.method_label(request.method)
        metrics.REQUESTS.labels(endpoint, method, str(response.status_code)).inc()
        if "started" in g:
            metrics.LATENCY.labels(endpoint).observe(time.perf_counter() - g.started)
        return response

    @app.teardown_request
    def _forget(_exc: BaseException | None) -> None:
        logs.REQUEST_ID.set(None)  # the thread's next request, or its idle log lines, are not this one's

    return app
