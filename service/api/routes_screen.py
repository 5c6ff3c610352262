"""POST /v1/screen and POST /v1/compare: validate, call the engine, return auditable JSON."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from flask import Blueprint, g, jsonify

from service.api import context, cost, metrics, schemas, validation
from service.api.body import read_body
from service.api.openapi import operation
from service.paths import now_iso

bp = Blueprint("screen", __name__)
log = logging.getLogger("service.api.screen")


@bp.post("/v1/screen")
@operation(
    id="screen",
    summary="Screen names against the loaded lists",
    body=validation.ScreenRequest,
    answer=schemas.ScreenResponse,
    answered="One result per query, in order",
    errors=(400, 413, 503, 401, 500, 429, 422),
)
def screen():
    cfg = context.config()
    screener = context.screener()
    req = validation.screen_request(validation.parse_json(read_body()), screener.list_ids)
    threshold = screener.effective_threshold(cost.threshold(req.threshold, cfg))
    cost.check_size(req.queries, cfg)
    cost.charge(len(req.queries))
    started = time.perf_counter()
    results = cost.engine_call(
        lambda budget: screener.screen(
            req.queries, limit=req.limit, threshold=threshold, lists=req.lists, budget=budget
        ),
        cfg,
    )
    elapsed = time.perf_counter() - started
    alerts = sum(1 for r in results if r.matches)
    metrics.QUERIES.inc(len(req.queries))
    metrics.ALERTS.inc(alerts)
    # Counts only: screened names are personal data and never go to the log.
    log.info(
        "screen request_id=%s queries=%d alerts=%d engine_ms=%.1f",
        g.request_id,
        len(req.queries),
        alerts,
        elapsed * 1000,
    )
    used = req.lists or screener.list_ids
    context.audit_screening("/v1/screen", threshold, req.lists, results)
    return cost.bounded(
        jsonify(
            {
                "request_id": g.request_id,
                "screened_at": now_iso(),
                "threshold": threshold,
                "score_model": screener.model.version,
                "limit": req.limit,
                "lists": [context.version_dict(v) for v in screener.versions if v.id in used],
                "results": [
                    {"query": asdict(r.query), "matches": [asdict(m) for m in r.matches]} for r in results
                ],
            }
        ),
        cfg,
    )


@bp.post("/v1/compare")
@operation(
    id="compare",
    summary="Score one pair of names",
    body=validation.CompareRequest,
    answer=schemas.CompareResponse,
    answered="The pair's score and explanation",
    errors=(400, 413, 503, 401, 500, 429),
)
def compare():
    screener = context.screener()
    a, b = validation.compare_request(validation.parse_json(read_body()))
    with context.ENGINE_LOCK:
        result = screener.compare(a, b)  # two names of at most 512 characters: bounded as it is
    return jsonify(
        {
            "request_id": g.request_id,
            "score": result.score,
            "score_model": screener.model.version,
            "explanation": result.explanation,
        }
    )
