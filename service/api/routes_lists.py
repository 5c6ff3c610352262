"""What is loaded: GET /v1/lists, GET /v1/entities/<list>/<id>, and POST /v1/admin/reload."""

from __future__ import annotations

import logging

from flask import Blueprint, g, jsonify

from service.api import context, schemas
from service.api.errors import ApiError
from service.api.openapi import operation
from service.lists.refresh import read_status

bp = Blueprint("lists", __name__)
log = logging.getLogger("service.api.lists")


@bp.get("/v1/lists")
@operation(
    id="lists",
    summary="The loaded list versions and the last reload's outcome",
    answer=schemas.ListsResponse,
    answered="Loaded lists",
    errors=(503, 401, 500, 429),
)
def lists():
    provider = context.provider()
    screener = context.screener()
    refresh = read_status()
    versions = [context.version_dict(v) for v in screener.versions]
    if refresh is not None:  # serve --refresh: each list's age, last attempt and last error
        for v in versions:
            v["refresh"] = refresh["lists"].get(v["id"])
    return jsonify(
        {
            "lists": versions,
            "reload": provider.status.to_dict(),
            "refresh": {
                k: refresh[k] for k in ("interval_seconds", "max_age_seconds", "last_run", "next_run")
            }
            if refresh
            else None,
        }
    )


@bp.get("/v1/entities/<list_id>/<path:entity_id>")
@operation(
    id="entity",
    summary="The full record of one listed entity",
    answer=schemas.Entity,
    answered="The entity",
    errors=(404, 503, 401, 500, 429),
)
def entity(list_id: str, entity_id: str):
    screener = context.screener()
    if list_id not in screener.list_ids:
        raise ApiError(
            404,
            "unknown-list",
            f"no list {list_id!r} is loaded; loaded lists: {', '.join(screener.list_ids)}",
        )
    found = screener.entity(list_id, entity_id)
    if found is None:
        raise ApiError(404, "unknown-entity", f"list {list_id!r} has no entity {entity_id!r}")
    cluster = screener.links.cluster_dict(list_id, entity_id) if screener.links else None
    return jsonify({**context.entity_dict(found), "cluster": cluster})


@bp.post("/v1/admin/reload")
@operation(
    id="reload",
    summary="Reload the lists without downtime (like SIGHUP); needs API keys configured",
    answer=schemas.ReloadAccepted,
    answered="Reload started",
    status=202,
    errors=(403, 401, 500, 429),
)
def reload():
    """Reload the lists like SIGHUP does. Only with API keys configured: it costs a full index build."""
    if not context.config().api_keys:
        raise ApiError(
            403,
            "admin-disabled",
            "POST /v1/admin/reload needs ORINOCO_API_KEYS to be set; "
            "without keys, send SIGHUP to the server process instead",
        )
    provider = context.provider()
    if not provider.can_reload:
        raise ApiError(
            403, "reload-unsupported", "this server was started with a fixed index and cannot reload"
        )
    outcome = provider.request_reload()
    log.info("reload requested over HTTP request_id=%s: %s", g.request_id, outcome)
    response = jsonify({"request_id": g.request_id, "status": outcome, "reload": provider.status.to_dict()})
    response.status_code = 202
    return response
