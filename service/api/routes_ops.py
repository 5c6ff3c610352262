"""Operations and documentation: /healthz, /readyz, /metrics, /openapi.json and the / page."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files

from flask import Blueprint, Response, current_app, jsonify

from service import __version__
from service.api import context, metrics, openapi, schemas
from service.api.openapi import operation
from service.lists import SOURCES
from service.lists.refresh import read_status
from service.monitor.metrics import MonitorCollector

bp = Blueprint("ops", __name__)


@cache
def _resource(name: str) -> str:
    return files("service.api").joinpath(name).read_text(encoding="utf-8")


def supported_lists() -> str:
    """Every list source this build reads, named from the parsers' own registry (``SOURCES``), so
    the / page and the API description never lag behind the parsers."""
    return "; ".join(
        f"{s.help.split(':')[0].removesuffix(' file').removesuffix(' folder')} ({s.name})"
        for s in SOURCES.values()
    )


@bp.get("/")
@operation(
    id="home",
    summary="A short HTML page about the service",
    answer=None,
    answered="HTML",
    content={"text/html": {"schema": {"type": "string"}}},
    public=True,
)
def index():
    return Response(
        _resource("index.html").replace("{lists}", html.escape(supported_lists())), mimetype="text/html"
    )


@bp.get("/openapi.json")
@operation(
    id="openapi",
    summary="This document",
    answer=None,
    answered="OpenAPI 3.1",
    content={"application/json": {"schema": {"type": "object"}}},
    public=True,
)
def openapi_json():
    """Generated from the routes' operations and models, once per process (``openapi.document``)."""
    return jsonify(openapi.document(current_app, supported_lists()))


@bp.get("/healthz")
@operation(
    id="healthz", summary="Liveness", answer=schemas.Health, answered="The process answers", public=True
)
def healthz():
    """Alive: the process answers. Says nothing about the lists (that is /readyz)."""
    return jsonify({"status": "ok", "version": __version__})


@bp.get("/readyz")
@operation(
    id="readyz",
    summary="Readiness: an index is loaded; loading progress; list ages and fallbacks; last reload error",
    answer=schemas.Ready,
    answered="Ready",
    also={503: "Still loading, no list could be loaded, or the audit log cannot be written"},
    public=True,
)
def readyz():
    """Ready once an index is loaded and the audit log (if any) can be written; 503 before, with
    how far the load has got (``progress``: lists parsed n of m, index built, records linked n of
    m, each finished phase with its duration). A failed reload is reported but keeps it ready.
    Under gunicorn, ready also waits until the workers forked before the first load have exited
    (``progress.retiring``): until then a request could still reach one of them."""
    provider = context.provider()
    screener = provider.screener
    progress = provider.progress.snapshot() if provider.progress else None
    ready = screener is not None and not (progress or {}).get("retiring")
    now = datetime.now(UTC)
    body = {
        "status": "ready"
        if ready
        else (
            "loading" if screener or provider.status.loading or not provider.status.error else "unavailable"
        ),
        "lists": [
            {
                "id": v.id,
                "published": v.published,
                "loaded_at": v.loaded_at,
                "entities": v.entities,
                "fallback": v.fallback,
                "published_age_seconds": metrics.age_seconds(v.published, now),
                "loaded_age_seconds": metrics.age_seconds(v.loaded_at, now),
            }
            for v in (screener.versions if screener else [])
        ],
        "reload": provider.status.to_dict(),
        "progress": progress,
    }
    refresh = read_status()
    if refresh is not None:  # a stale list is an alert in the detail, not a reason to stop serving
        stale = sorted(k for k, r in refresh["lists"].items() if r["stale"])
        refresh_failing = sorted(k for k, r in refresh["lists"].items() if r["error"])
        body["refresh"] = refresh["lists"]
        body["stale_lists"] = stale
        if stale:
            body["detail"] = (
                f"stale lists: {', '.join(stale)} not confirmed current for over "
                f"{refresh['max_age_seconds'] / 3600:g} h"
            )
        elif refresh_failing:
            body["detail"] = (
                f"last refresh failed for {', '.join(refresh_failing)}; the loaded versions keep serving"
            )
    audit = context.config().audit
    failing = audit.health() if audit else None
    if audit:
        body["audit"] = {"ok": failing is None, "error": failing}
    if screener is not None and failing:
        body["status"] = "unavailable"  # every screening request would be a 500: no answer without its record
    response = jsonify(body)
    if not ready or failing:
        response.status_code = 503
        response.headers["Retry-After"] = "5"
    return response


@bp.get("/metrics")
@operation(
    id="metrics",
    summary="Prometheus metrics",
    answer=None,
    answered="Prometheus text format",
    content={"text/plain": {"schema": {"type": "string"}}},
    public=True,
)
def prometheus():
    monitor = context.monitor()
    extra = (MonitorCollector(monitor),) if monitor else ()
    return Response(metrics.render(context.provider(), *extra), content_type=metrics.CONTENT_TYPE)
