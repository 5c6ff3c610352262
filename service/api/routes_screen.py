"""POST /v1/screen and POST /v1/compare: validate, call the engine, return auditable JSON."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from flask import Blueprint, g, jsonify, request

from service.api import context, metrics, validation
from service.api.body import read_body
from service.paths import now_iso

bp = Blueprint("screen", __name__)
log = logging.getLogger("service.api.screen")



@bp.post("/v1/screen")
def screen():
    cfg = context.config()
    screener = context.screener()
    req = validation.screen_request(validation.parse_json(read_body()), cfg, screener.list_ids)
    threshold = screener.effective_threshold(req.threshold)
    started = time.perf_counter()
    with context.ENGINE_LOCK:
        results = screener.screen(req.queries, limit=req.limit, threshold=threshold, lists=req.lists)
    elapsed = time.perf_counter() - started
    alerts = sum(1 for r in results if r.matches)
    metrics.QUERIES.inc(len(req.queries))
    metrics.ALERTS.inc(alerts)
    # Counts only: screened names are personal data and never go to the log.
    log.info("screen request_id=%s queries=%d alerts=%d engine_ms=%.1f", g.request_id, len(req.queries),
             alerts, elapsed * 1000)
    used = req.lists or screener.list_ids
    if cfg.audit:  # before answering: no decision leaves without its record
        cfg.audit.screening(g.request_id, "/v1/screen", threshold,
                            [v for v in screener.versions if v.id in used], results,
                            client=request.remote_addr, score_model=screener.model.version)
    return jsonify({
        "request_id": g.request_id,
        "screened_at": now_iso(),
        "threshold": threshold,
        "score_model": screener.model.version,
        "limit": req.limit,
        "lists": [context.version_dict(v) for v in screener.versions if v.id in used],
        "results": [{"query": asdict(r.query), "matches": [asdict(m) for m in r.matches]} for r in results],
    })


@bp.post("/v1/compare")
def compare():
    screener = context.screener()
    a, b = validation.compare_request(validation.parse_json(read_body()), context.config())
    with context.ENGINE_LOCK:
        result = screener.compare(a, b)
    return jsonify({"request_id": g.request_id, "score": result.score, "score_model": screener.model.version,
                    "explanation": result.explanation})
