"""The app's own objects, reachable from any route: the provider and the config."""

from __future__ import annotations

import threading

from flask import current_app, g, request

from service.api.config import ApiConfig
from service.api.errors import ApiError
from service.api.provider import ScreenerProvider
from service.engine.model import Entity, ListVersion
from service.engine.screener import Result, Screener
from service.monitor import Monitor

EXTENSION = "orinoco"
MONITOR_EXTENSION = "orinoco.monitor"

# The engine keeps a token-similarity cache that is not safe to mutate from several threads,
# so one request at a time per process uses it; gunicorn scales across worker processes.
ENGINE_LOCK = threading.Lock()


def provider() -> ScreenerProvider:
    return current_app.extensions[EXTENSION][0]


def config() -> ApiConfig:
    return current_app.extensions[EXTENSION][1]


def monitor() -> Monitor | None:
    """The monitoring store, or None when this server runs without one (ORINOCO_MONITOR=0)."""
    return current_app.extensions.get(MONITOR_EXTENSION)


def screener() -> Screener:
    """The Screener to use for this whole request (read once: a reload may swap it meanwhile)."""
    current = provider().screener
    if current is None:
        raise ApiError(503, "not-ready", "the lists are still loading (see /readyz); retry shortly")
    return current


def audit_screening(endpoint: str, threshold: float, lists: list[str] | None, results: list[Result]) -> None:
    """Write the audit record of one screening, before the answer leaves (no decision without its
    record), with the list versions used, the client and the score model; its key goes to
    ``g.audit_id`` (the X-Audit-ID header). Nothing without an audit log."""
    cfg, current = config(), screener()
    if cfg.audit:
        used = lists or current.list_ids
        g.audit_id = cfg.audit.screening(
            g.request_id,
            endpoint,
            threshold,
            [v for v in current.versions if v.id in used],
            results,
            client=request.remote_addr,
            score_model=current.model.version,
        )


def entity_dict(entity: Entity) -> dict:
    """A listed entity as /v1/entities shows it: identified by ``list`` and ``entity_id`` as in
    matches, clusters and ``also_listed_on``; every other field as the entity model has it, so
    the fields a match repeats (schema, name, programs, birth_dates, nationalities,
    citizenships) have the same shape in both."""
    record = entity.to_dict()
    return {"list": record.pop("list_id"), "entity_id": record.pop("id"), **record}


def version_dict(v: ListVersion) -> dict:
    """A list version as the API shows it: what an auditor needs, not the server's file paths."""
    return {
        "id": v.id,
        "source": v.source,
        "entities": v.entities,
        "names": v.names,
        "published": v.published,
        "loaded_at": v.loaded_at,
        "sha256": v.sha256,
        "skipped_rows": v.skipped_rows,
        "origin": v.origin,
        "fallback": v.fallback,
    }
