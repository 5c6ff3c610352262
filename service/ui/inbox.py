"""The review inbox: alerts of the monitored book, one alert with its match explained and history,
a decision with a reason, and a customer with all its alerts (``service.monitor`` via the API's
context). Deciding needs the ``review`` scope of the key the session was opened with."""

from __future__ import annotations

import logging

from flask import abort, g, redirect, render_template, request, url_for

from service.api import context
from service.monitor.models import DECISIONS, STATUSES
from service.monitor.records import storable
from service.monitor.service import Conflict, NotFound
from service.ui import security
from service.ui.views import bp

log = logging.getLogger("service.ui.inbox")
PAGE = 50


def _monitor():
    found = context.monitor()
    if found is None:
        abort(404)
    return found


def can_review() -> bool:
    """True without keys (everything is open), else when the session's key has the review scope."""
    cfg = context.config()
    if not cfg.api_keys:
        return True
    index = security.session_key_index(cfg.api_keys)
    if index is None:
        return False
    scopes = cfg.key_scopes[index] if index < len(cfg.key_scopes) else frozenset({"review"})
    return "review" in scopes


@bp.get("/alerts")
def alerts():
    status = request.args.get("status", "open")
    if status not in (*STATUSES, "all"):
        status = "open"
    after = request.args.get("after", "")
    rows, last = _monitor().list_alerts(
        None if status == "all" else status,
        request.args.get("list") or None,
        after=int(after) if after.isascii() and after.isdigit() and len(after) < 18 else None,
        limit=PAGE,
    )
    return render_template(
        "alerts.html",
        alerts=rows,
        status=status,
        statuses=(*STATUSES, "all"),
        next_after=last,
        jobs=_monitor().jobs(limit=3),
    )


def _alert_or_404(alert_id: int) -> dict:
    try:
        return _monitor().get_alert(alert_id)
    except NotFound:
        abort(404)


@bp.get("/alerts/<int:alert_id>")
def alert(alert_id: int):
    found = _alert_or_404(alert_id)
    customer = _monitor().get_customer(found["customer_id"])
    return render_template(
        "alert.html",
        a=found,
        customer=customer,
        decisions=DECISIONS,
        review=can_review(),
        error=None,
        form={},
    )


@bp.post("/alerts/<int:alert_id>/decide")
def decide(alert_id: int):
    found = _alert_or_404(alert_id)
    form = {k: request.form.get(k, "").strip() for k in ("decision", "reason", "reviewer")}
    error = None
    if not can_review():
        error, status = "This key lacks the review scope: it cannot decide on alerts.", 403
    elif form["decision"] not in DECISIONS:
        error, status = "Choose a decision.", 400
    elif not form["reason"] or not form["reviewer"]:
        error, status = "A decision needs a reason and the reviewer's name.", 400
    elif (
        len(form["reason"]) > 2000
        or len(form["reviewer"]) > 128
        or not storable(form["reason"].replace("\r\n", " ").replace("\n", " ") + form["reviewer"])
    ):
        error, status = (
            "The reason (2,000 characters) or the reviewer (128) is too long or has control characters.",
            400,
        )
    if error is None:
        audit = context.config().audit
        on_record = audit.record if audit else None
        try:
            _monitor().decide(
                alert_id, form["decision"], form["reason"], form["reviewer"], g.request_id, on_record
            )
        except Conflict as exc:
            error, status = str(exc), 409
        else:
            log.info(
                "ui decision request_id=%s alert=%d decision=%s", g.request_id, alert_id, form["decision"]
            )
            return redirect(url_for("ui.alert", alert_id=alert_id))
    customer = _monitor().get_customer(found["customer_id"])
    return render_template(
        "alert.html",
        a=found,
        customer=customer,
        decisions=DECISIONS,
        review=can_review(),
        error=error,
        form=form,
    ), status


@bp.get("/customers/<path:customer_id>")
def customer(customer_id: str):
    if not storable(customer_id) or len(customer_id) > 128:
        abort(404)
    try:
        found = _monitor().get_customer(customer_id)
    except NotFound:
        abort(404)
    histories = {a["id"]: _monitor().get_alert(a["id"])["history"] for a in found["alerts"]}
    return render_template("customer.html", c=found, histories=histories)
