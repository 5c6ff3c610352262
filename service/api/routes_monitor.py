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

from service.api import context, schemas, validation
from service.api.body import read_body
from service.api.errors import ApiError
from service.api.openapi import operation
from service.monitor import Monitor
from service.monitor.models import STATUSES
from service.monitor.records import InvalidCustomer, parse_customer, storable
from service.monitor.service import Conflict, NotFound

bp = Blueprint("monitor", __name__)
log = logging.getLogger("service.api.monitor")

DEFAULT_PAGE, MAX_PAGE = validation.DEFAULT_PAGE, validation.MAX_PAGE


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
    if not storable(customer_id) or len(customer_id) > validation.MAX_CUSTOMER_ID:
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
    if not isinstance(items, list) or not items:
        raise ApiError(400, "wrong-type", f"{where} must be a non-empty array of customers", where)
    if len(items) > validation.MAX_QUERIES:
        raise ApiError(
            400,
            "too-many-customers",
            f"{where} has {len(items)} customers; at most {validation.MAX_QUERIES} per request",
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
@operation(
    id="putCustomers",
    summary=f"Add or update customers (up to {validation.MAX_QUERIES:,}); new or changed ones are screened "
    "at once",
    body=validation.CustomersRequest,
    answer=schemas.CustomersResponse,
    answered="The customers as stored",
    errors=(400, 413, 401, 403, 404, 429, 500),
)
def put_customers():
    """Add or update customers (a bulk upsert); each new or changed one is screened at once."""
    body = _body_object(("customers",))
    items = _customers(body.get("customers"), "customers")
    out = monitor().put_customers(items, context.provider().screener)
    log.info("customers request_id=%s upserted=%d", g.request_id, len(out))
    return jsonify({"request_id": g.request_id, "customers": out})


@bp.put("/v1/customers/<path:customer_id>")
@operation(
    id="putCustomer",
    summary="Add or replace one customer; screened at once if its screened data changed",
    body=validation.CustomerData,
    answer=schemas.CustomerDetail,
    answered="The customer",
    errors=(400, 413, 401, 403, 404, 429, 500),
)
def put_customer(customer_id: str):
    body = _body_object(("names", "name", "type", "birth_date", "country", "identifiers"))
    try:
        item = parse_customer({**body, "id": customer_id})
    except InvalidCustomer as exc:
        raise ApiError(400, "invalid-customer", str(exc), exc.field) from None
    out = monitor().put_customers([item], context.provider().screener)[0]
    return jsonify({"request_id": g.request_id, **monitor().get_customer(out["id"])})


@bp.get("/v1/customers")
@operation(
    id="listCustomers",
    summary="The monitored customers, by id, a page at a time",
    query=validation.Page,
    answer=schemas.CustomerPage,
    answered="A page of customers",
    errors=(400, 401, 403, 404, 429, 500),
)
def list_customers():
    _unknown_params(("cursor", "limit"))
    limit, after = _limit(), _decode(str)
    page, last = monitor().list_customers(after, limit)
    return jsonify({"customers": page, "next_cursor": _encode(last) if last is not None else None})


@bp.get("/v1/customers/<path:customer_id>")
@operation(
    id="getCustomer",
    summary="One customer with its alerts",
    answer=schemas.CustomerDetail,
    answered="The customer",
    errors=(400, 401, 403, 404, 429, 500),
)
def get_customer(customer_id: str):
    try:
        return jsonify(monitor().get_customer(_path_id(customer_id)))
    except NotFound as exc:
        raise ApiError(404, "unknown-customer", str(exc)) from None


@bp.delete("/v1/customers/<path:customer_id>")
@operation(
    id="removeCustomer",
    summary="Stop monitoring one customer",
    answer=schemas.RemoveResponse,
    answered="Removed",
    errors=(400, 401, 403, 404, 429, 500),
)
def remove_customer(customer_id: str):
    if not monitor().remove_customers([_path_id(customer_id)]):
        raise ApiError(404, "unknown-customer", f"no monitored customer {customer_id!r}")
    return jsonify({"request_id": g.request_id, "removed": 1})


@bp.post("/v1/customer-removals")
@operation(
    id="removeCustomers",
    summary="Stop monitoring customers (their open alerts close; history is kept)",
    body=validation.RemoveRequest,
    answer=schemas.RemoveResponse,
    answered="How many were removed",
    errors=(400, 413, 401, 403, 404, 429, 500),
)
def remove_customers():
    ids = validation.validate(validation.RemoveRequest, validation.parse_json(read_body())).ids
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
@operation(
    id="listAlerts",
    summary="Alerts, oldest first, a page at a time",
    query=validation.AlertFilter,
    answer=schemas.AlertPage,
    answered="A page of alerts",
    errors=(400, 401, 403, 404, 429, 500),
)
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
@operation(
    id="getAlert",
    summary="One alert with its history of decisions",
    answer=schemas.AlertDetail,
    answered="The alert",
    errors=(401, 403, 404, 429, 500),
)
def get_alert(alert_id: str):
    try:
        return jsonify(monitor().get_alert(_alert_id(alert_id)))
    except NotFound as exc:
        raise ApiError(404, "unknown-alert", str(exc)) from None


@bp.post("/v1/alerts/<alert_id>/decisions")
@operation(
    id="decide",
    summary="Decide on an alert (needs the review scope); kept in its history and the audit log",
    body=validation.DecisionRequest,
    answer=schemas.DecisionResponse,
    answered="The alert after the decision",
    errors=(400, 413, 409, 401, 403, 404, 429, 500),
)
def decide(alert_id: str):
    """A reviewer's decision (the ``review`` scope): kept in the alert's history and the audit log."""
    req = validation.validate(validation.DecisionRequest, validation.parse_json(read_body()))
    audit = context.config().audit
    on_record = audit.record if audit else None
    try:
        out = monitor().decide(
            _alert_id(alert_id),
            req.decision,
            req.reason,
            req.reviewer,
            g.request_id,
            on_record,
        )
    except NotFound as exc:
        raise ApiError(404, "unknown-alert", str(exc)) from None
    except Conflict as exc:
        raise ApiError(409, "alert-closed", str(exc)) from None
    except ValueError as exc:
        raise ApiError(400, "invalid-decision", str(exc), "decision") from None
    log.info("decision request_id=%s alert=%s decision=%s", g.request_id, alert_id, req.decision)
    return jsonify({"request_id": g.request_id, "alert": out})


@bp.get("/v1/monitor/jobs")
@operation(
    id="rescreenJobs",
    summary="The latest re-screens of the book on list changes, with their progress",
    answer=schemas.JobsResponse,
    answered="Jobs, newest first",
    errors=(401, 403, 404, 429, 500),
)
def jobs():
    """The latest re-screen jobs (list deltas) and their progress."""
    return jsonify({"jobs": monitor().jobs()})
