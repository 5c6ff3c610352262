"""POST /v1/screen/text: the listed names mentioned in a text, with character offsets."""

from __future__ import annotations

import logging
import time
from dataclasses import asdict

from flask import Blueprint, g, jsonify

from service.api import context, cost, metrics, schemas, validation
from service.api.body import read_body
from service.api.openapi import operation
from service.paths import now_iso
from service.text import screen_text

bp = Blueprint("screen_text", __name__)
log = logging.getLogger("service.api.screen_text")


@bp.post("/v1/screen/text")
@operation(
    id="screenText",
    summary="Find mentions of listed names in free text (an article, a payment message)",
    description="Candidate spans of the text are screened in one batch; mentions are non-overlapping, in "
    "text order, and a surname repeated after a full name is resolved to the earlier mention (its "
    "explanation says so). Only mentions with a match above the threshold are listed. The text is never "
    "logged.",
    body=validation.TextRequest,
    answer=schemas.TextResponse,
    answered="The mentions found, in text order",
    errors=(400, 413, 503, 401, 500, 429, 422),
)
def screen_text_route():
    cfg = context.config()
    screener = context.screener()
    req = validation.text_request(validation.parse_json(read_body()), screener.list_ids)
    threshold = screener.effective_threshold(cost.threshold(req.threshold, cfg))
    cost.charge(1 + len(req.text) // cost.TEXT_CHARS_PER_NAME)
    started = time.perf_counter()
    mentions = cost.engine_call(
        lambda budget: screen_text(screener, req.text, threshold=threshold, lists=req.lists, budget=budget),
        cfg,
    )
    elapsed = time.perf_counter() - started
    metrics.ALERTS.inc(len(mentions))
    # Sizes and counts only: the text is personal data and never goes to the log.
    log.info(
        "screen_text request_id=%s chars=%d mentions=%d engine_ms=%.1f",
        g.request_id,
        len(req.text),
        len(mentions),
        elapsed * 1000,
    )
    used = req.lists or screener.list_ids
    # each alerting mention is recorded as a screened name
    context.audit_screening(
        "/v1/screen/text", threshold, req.lists, [m.as_result(threshold) for m in mentions]
    )
    return cost.bounded(
        jsonify(
            {
                "request_id": g.request_id,
                "screened_at": now_iso(),
                "threshold": threshold,
                "score_model": screener.model.version,
                "lists": [context.version_dict(v) for v in screener.versions if v.id in used],
                "mentions": [
                    {
                        "start": m.start,
                        "end": m.end,
                        "text": m.text,
                        "matches": [asdict(x) for x in m.matches],
                    }
                    for m in mentions
                ],
            }
        ),
        cfg,
    )
