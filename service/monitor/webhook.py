"""Webhook delivery of alert events: signed, retried with backoff, every attempt in ``deliveries``.

The body is the event's JSON (identifiers, score, status; never a name), sent to the configured URL
as it is (nothing is added to the URL). ``X-Orinoco-Signature: sha256=HEX`` is the HMAC-SHA256
under ORINOCO_WEBHOOK_SECRET of ``TIMESTAMP.BODY``, the timestamp being ``X-Orinoco-Timestamp``
(seconds since the epoch), so a receiver can refuse a replayed or altered delivery.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from service.monitor.db import Database
from service.monitor.models import Delivery, utcnow

log = logging.getLogger("service.monitor.webhook")

MAX_ATTEMPTS = 8
BACKOFF_SECONDS = 2.0  # 2, 4, 8, ... up to MAX_BACKOFF between attempts
MAX_BACKOFF = 3600.0
BATCH = 50


@dataclass(frozen=True, slots=True)
class Webhook:
    url: str
    secret: bytes
    timeout: float = 10.0
    max_attempts: int = MAX_ATTEMPTS
    backoff: float = BACKOFF_SECONDS

    def __repr__(self) -> str:  # the secret stays out of any log
        return f"Webhook({self.url.split('?')[0]!r})"


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def from_settings(url: str | None, secret: str | None) -> Webhook | None:
    """The webhook of ORINOCO_WEBHOOK_URL / ORINOCO_WEBHOOK_SECRET; ValueError if half-configured."""
    url = (url or "").strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise ValueError("ORINOCO_WEBHOOK_URL must be an http:// or https:// URL")
    if not secret:
        raise ValueError(
            "ORINOCO_WEBHOOK_URL needs ORINOCO_WEBHOOK_SECRET, the key its signatures are made with"
        )
    return Webhook(url, secret.encode("utf-8"))


def post(webhook: Webhook, delivery_id: int, event: str, body: bytes) -> tuple[int | None, str | None]:
    """One attempt: (HTTP status, error text) — a status in 2xx is a success."""
    timestamp = str(int(time.time()))
    request = urllib.request.Request(
        webhook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "orinoco-webhook",
            "X-Orinoco-Event": event,
            "X-Orinoco-Delivery": str(delivery_id),
            "X-Orinoco-Timestamp": timestamp,
            "X-Orinoco-Signature": sign(webhook.secret, timestamp, body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=webhook.timeout) as response:  # noqa: S310 - configured URL
            return response.status, None
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]


def deliver_due(db: Database, webhook: Webhook, limit: int = BATCH) -> int:
    """Send the deliveries that are due, oldest first; the attempts made."""
    now = utcnow()
    with db.transaction() as session:
        due = [
            (d.id, d.event, d.payload)
            for d in session.scalars(
                select(Delivery)
                .where(Delivery.status == "pending", Delivery.next_attempt_at <= now)
                .order_by(Delivery.id)
                .limit(limit)
            )
        ]
    for delivery_id, event, payload in due:
        status, error = post(webhook, delivery_id, event, payload.encode("utf-8"))
        with db.transaction() as session:
            d = session.get(Delivery, delivery_id)
            assert d is not None  # deliveries are never deleted: it was listed as due just above
            d.attempts += 1
            d.last_status, d.last_error = status, error
            if status is not None and 200 <= status < 300:
                d.status, d.delivered_at = "delivered", utcnow()
            elif d.attempts >= webhook.max_attempts:
                d.status = "failed"
                log.error("webhook delivery %d failed %d times, giving up: %s", d.id, d.attempts, error)
            else:
                wait = min(MAX_BACKOFF, webhook.backoff * 2 ** (d.attempts - 1))
                d.next_attempt_at = utcnow() + timedelta(seconds=wait)
                log.warning(
                    "webhook delivery %d attempt %d failed (%s); retrying in %.0fs",
                    d.id,
                    d.attempts,
                    error,
                    wait,
                )
    return len(due)
