"""Ongoing monitoring over HTTP: the customer book, alerts and decisions (``service.monitor``).

Thin: each route validates its input, calls ``Monitor`` and serializes. Cursors are opaque
strings (the last key of the page, base64url-encoded); a bad one is a 400 naming ``cursor``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from datetime import UTC, datetime
from typing import cast

from flask import Blueprint, g, jsonify, request

from service.api import context, validation
from service.api.body import read_body
from service.api.errors import ApiError
from service.monitor import Monitor
from service.monitor.models import STATUSES
from service.monitor.records import InvalidCustomer, parse_customer, storable
from service.monitor.service import Conflict, NotFound

bp = Blueprint("monitor", __name__)
log = logging.getLogger("service.api.monitor")

DEFAULT_PAGE, MAX_PAGE = 100, 1000
MAX_REASON, MAX_REVIEWER = 2000, 128


def monitor() -> Monitor:
    found = context.monitor()
    if found is None:
        raise ApiError(
            404, "monitoring-disabled", "monitoring is not enabled on this server (ORINOCO_MONITOR=0)"
        )
    return found


def _encode(value: str | int) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _decode(kind: type):
    raw = request.args.get("cursor")
    if raw is None:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, binascii.Error):
        value = None
    if type(value) is not kind or (kind is str and not storable(cast(str, value))):  # type(value) is str here
        raise ApiError(400, "invalid-cursor", "cursor is not one this API returned", "cursor")
    return value


def _arg(name: str) -> str | None:
    value = request.args.get(name)
    if value is not None and not storable(value):
        raise ApiError(400, "invalid-parameter", f"{name} contains control characters", name)
    return value


def _path_id(customer_id: str) -> str:
    if not storable(customer_id) or len(customer_id) > 128:
        raise ApiError(404, "unknown-customer", "no such customer")
    return customer_id


def _limit() -> int:
    raw = request.args.get("limit", str(DEFAULT_PAGE))
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(400, "invalid-limit", f"limit must be a whole number from 1 to {MAX_PAGE}", "limit")
    return int(raw)


def _unknown_params(allowed: tuple[str, ...]) -> None:
    for name in request.args:
        if name not in allowed:
            raise ApiError(
                400,
                "unknown-parameter",
                f"unknown query parameter {name!r}; expected one of {', '.join(allowed)}",
                name,
            )


def _body_object(allowed: tuple[str, ...]) -> dict:
    body = validation.parse_json(read_body())
    if not isinstance(body, dict):
        raise ApiError(400, "wrong-type", "the body must be a JSON object")
    for key in body:
        if key not in allowed:
            raise ApiError(
                400, "unknown-field", f"unknown field {key!r}; expected one of {', '.join(allowed)}", key
            )
    return body


def _customers(items, where: str) -> list:
    cfg = context.config()
    if not isinstance(items, list) or not items:
        raise ApiError(400, "wrong-type", f"{where} must be a non-empty array of customers", where)
    if len(items) > cfg.max_queries:
        raise ApiError(
            400,
            "too-many-customers",
            f"{where} has {len(items)} customers; at most {cfg.max_queries} per request",
            where,
        )
    parsed, seen = [], set()
    for i, item in enumerate(items):
        try:
            customer = parse_customer(item, f"{where}[{i}].")
        except InvalidCustomer as exc:
            raise ApiError(400, "invalid-customer", str(exc), exc.field) from None
        if customer.id in seen:
            raise ApiError(
                400,
                "duplicate-customer",
                f"{where}[{i}].id {customer.id!r} is given twice",
                f"{where}[{i}].id",
            )
        seen.add(customer.id)
        parsed.append(customer)
    return parsed


@bp.post("/v1/customers")
def put_customers():
    """Add or update customers (a bulk upsert); each new or changed one is screened at once."""
    body = _body_object(("customers",))
    items = _customers(body.get("customers"), "customers")
    out = monitor().put_customers(items, context.provider().screener)
    log.info("customers request_id=%s upserted=%d", g.request_id, len(out))
    return jsonify({"request_id": g.request_id, "customers": out})


@bp.put("/v1/customers/<path:customer_id>")
def put_customer(customer_id: str):
    body = _body_object(("names", "name", "type", "birth_date", "country", "identifiers"))
    try:
        item = parse_customer({**body, "id": customer_id})
    except InvalidCustomer as exc:
        raise ApiError(400, "invalid-customer", str(exc), exc.field) from None
    out = monitor().put_customers([item], context.provider().screener)[0]
    return jsonify({"request_id": g.request_id, **monitor().get_customer(out["id"])})


@bp.get("/v1/customers")
def list_customers():
    _unknown_params(("cursor", "limit"))
    limit, after = _limit(), _decode(str)
    page, last = monitor().list_customers(after, limit)
    return jsonify({"customers": page, "next_cursor": _encode(last) if last is not None else None})


@bp.get("/v1/customers/<path:customer_id>")
def get_customer(customer_id: str):
    try:
        return jsonify(monitor().get_customer(_path_id(customer_id)))
    except NotFound as exc:
        raise ApiError(404, "unknown-customer", str(exc)) from None


@bp.delete("/v1/customers/<path:customer_id>")
def remove_customer(customer_id: str):
    if not monitor().remove_customers([_path_id(customer_id)]):
        raise ApiError(404, "unknown-customer", f"no monitored customer {customer_id!r}")
    return jsonify({"request_id": g.request_id, "removed": 1})


@bp.post("/v1/customer-removals")
def remove_customers():
    body = _body_object(("ids",))
    ids = body.get("ids")
    if (
        not isinstance(ids, list)
        or not ids
        or not all(isinstance(i, str) and 0 < len(i) <= 128 and storable(i) for i in ids)
    ):
        raise ApiError(400, "wrong-type", "ids must be a non-empty array of customer ids", "ids")
    if len(ids) > context.config().max_queries:
        raise ApiError(
            400, "too-many-customers", f"at most {context.config().max_queries} ids per request", "ids"
        )
    return jsonify({"request_id": g.request_id, "removed": monitor().remove_customers(ids)})


def _since() -> datetime | None:
    raw = _arg("since")
    if raw is None:
        return None
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            400, "invalid-since", "since must be an ISO 8601 date or time, e.g. 2026-12-07T15:00:00Z", "since"
        ) from None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


@bp.get("/v1/alerts")
def list_alerts():
    _unknown_params(("status", "list", "since", "cursor", "limit", "customer_id"))
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        raise ApiError(400, "invalid-status", f"status must be one of {', '.join(STATUSES)}", "status")
    limit, after, since = _limit(), _decode(int), _since()
    page, last = monitor().list_alerts(
        status, request.args.get("list"), since, after, limit, request.args.get("customer_id")
    )
    return jsonify({"alerts": page, "next_cursor": _encode(last) if last is not None else None})


def _alert_id(raw: str) -> int:
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise ApiError(404, "unknown-alert", f"no alert {raw!r}")
    return int(raw)


@bp.get("/v1/alerts/<alert_id>")
def get_alert(alert_id: str):
    try:
        return jsonify(monitor().get_alert(_alert_id(alert_id)))
    except NotFound as exc:
        raise ApiError(404, "unknown-alert", str(exc)) from None


@bp.post("/v1/alerts/<alert_id>/decisions")
def decide(alert_id: str):
    """A reviewer's decision (the ``review`` scope): kept in the alert's history and the audit log."""
    body = _body_object(("decision", "reason", "reviewer"))
    fields = {}
    for name, limit in (("decision", 16), ("reason", MAX_REASON), ("reviewer", MAX_REVIEWER)):
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            raise ApiError(
                400,
                "missing-field" if value is None else "wrong-type",
                f"{name} is required: a non-empty string",
                name,
            )
        if len(value) > limit:
            raise ApiError(400, "too-long", f"{name} is longer than {limit} characters", name)
        if not storable(value.replace("\n", " ").replace("\t", " ")):
            raise ApiError(400, "invalid-text", f"{name} has control characters or lone surrogates", name)
        fields[name] = value.strip()
    audit = context.config().audit
    on_record = audit.record if audit else None
    try:
        out = monitor().decide(
            _alert_id(alert_id),
            fields["decision"],
            fields["reason"],
            fields["reviewer"],
            g.request_id,
            on_record,
        )
    except NotFound as exc:
        raise ApiError(404, "unknown-alert", str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, "alert-closed", str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, "invalid-decision", str(exc), "decision") from None
    log.info("decision request_id=%s alert=%s decision=%s", g.request_id, alert_id, fields["decision"])
    return jsonify({"request_id": g.request_id, "alert": out})


@bp.get("/v1/monitor/jobs")
def jobs():
    """The latest re-screen jobs (list deltas) and their progress."""
    return jsonify({"jobs": monitor().jobs()})
