"""Prometheus metrics: per-endpoint request counts and latency, screening volume, list state.

Under gunicorn every worker is its own process, so ``orinoco serve`` points
PROMETHEUS_MULTIPROC_DIR at a fresh directory *before* this module is imported and a scrape
aggregates all workers' files. List age and size are not stored: they are computed from the
answering worker's Screener at scrape time (all workers share the master's index).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from service.api.provider import ScreenerProvider
from service.lists.refresh import read_status

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Label values come from fixed sets only: a client inventing methods or paths must not create a
# series per invention. Endpoints are the app's route rules (unmatched paths are OTHER), methods
# the standard ones, statuses the three-digit codes.
OTHER = "other"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE"})


def method_label(method: str) -> str:
    return method if method in METHODS else OTHER


REQUESTS = Counter("orinoco_http_requests_total", "HTTP requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram(
    "orinoco_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["endpoint"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
QUERIES = Counter("orinoco_queries_screened_total", "Names screened (queries in /v1/screen requests)")
ALERTS = Counter("orinoco_alerts_total", "Screened names with at least one match above the threshold")


class ListCollector(Collector):
    """Size and age of the lists the answering process screens against."""

    def __init__(self, provider: ScreenerProvider):
        self.provider = provider

    def collect(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        entities = GaugeMetricFamily("orinoco_list_entities", "Entities in a loaded list", labels=["list"])
        names = GaugeMetricFamily(
            "orinoco_list_names", "Names (primary and aliases) in a loaded list", labels=["list"]
        )
        loaded = GaugeMetricFamily(
            "orinoco_list_loaded_age_seconds", "Seconds since the list was loaded", labels=["list"]
        )
        published = GaugeMetricFamily(
            "orinoco_list_published_age_seconds",
            "Seconds since the list's publication date (lists that state one)",
            labels=["list"],
        )
        fallback = GaugeMetricFamily(
            "orinoco_list_fallback",
            "1 if a historical reference snapshot stands in for the official list (not for real screening)",
            labels=["list"],
        )
        screener = self.provider.screener
        for v in screener.versions if screener else []:
            fallback.add_metric([v.id], 1.0 if v.fallback else 0.0)
            entities.add_metric([v.id], v.entities)
            names.add_metric([v.id], v.names)
            age = age_seconds(v.loaded_at, now)
            if age is not None:
                loaded.add_metric([v.id], age)
            age = age_seconds(v.published, now)
            if age is not None:
                published.add_metric([v.id], age)
        failed = GaugeMetricFamily(
            "orinoco_list_reload_failed", "1 if the last list load failed (the previous lists keep serving)"
        )
        failed.add_metric([], 1.0 if self.provider.status.error else 0.0)
        ready = GaugeMetricFamily("orinoco_ready", "1 once an index is loaded and serving")
        ready.add_metric([], 1.0 if screener else 0.0)
        yield from (entities, names, loaded, published, fallback, failed, ready)
        yield from _refresh_metrics(read_status())


def _refresh_metrics(status: dict | None) -> Iterator[Metric]:
    """Per list, from the scheduled refresh (``serve --refresh``): nothing when it is off."""
    if status is None:
        return
    age = GaugeMetricFamily(
        "orinoco_list_refresh_age_seconds",
        "Seconds since the list was last confirmed current by a refresh",
        labels=["list"],
    )
    attempt = GaugeMetricFamily(
        "orinoco_list_refresh_last_attempt_timestamp_seconds",
        "When the last refresh of the list was tried (Unix time)",
        labels=["list"],
    )
    failed = GaugeMetricFamily(
        "orinoco_list_refresh_failed",
        "1 if the last refresh of the list failed (the current version keeps serving)",
        labels=["list"],
    )
    stale = GaugeMetricFamily(
        "orinoco_list_stale",
        "1 if the list was not confirmed current for longer than the allowed age",
        labels=["list"],
    )
    for list_id, record in sorted(status["lists"].items()):
        age.add_metric([list_id], record["age_seconds"])
        if record["last_attempt"]:
            stamp = datetime.fromisoformat(record["last_attempt"].replace("Z", "+00:00"))
            attempt.add_metric([list_id], stamp.timestamp())
        failed.add_metric([list_id], 1.0 if record["error"] else 0.0)
        stale.add_metric([list_id], 1.0 if record["stale"] else 0.0)
    yield from (age, attempt, failed, stale)


def age_seconds(stamp: str | None, now: datetime) -> float | None:
    """Seconds from an ISO date or timestamp (UTC if no zone) to ``now``; None if absent or unparsable."""
    if not stamp:
        return None
    try:
        when = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return round((now - when).total_seconds(), 3)


def render(provider: ScreenerProvider, *extra: Collector) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shared = CollectorRegistry()
        MultiProcessCollector(shared)
    else:
        shared = REGISTRY
    lists = CollectorRegistry(auto_describe=False)
    lists.register(ListCollector(provider))
    for collector in extra:
        lists.register(collector)
    return generate_latest(shared) + generate_latest(lists)
