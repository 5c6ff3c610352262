"""Prometheus gauges of the monitoring store, read from the database at scrape time (so every
gunicorn worker reports the same figures): alerts per status, the book, the last re-screen."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.monitor.models import STATUSES
from service.monitor.service import Monitor


class MonitorCollector(Collector):
    def __init__(self, monitor: Monitor):
        self.monitor = monitor

    def collect(self) -> Iterator[Metric]:
        stats = self.monitor.stats()
        alerts = GaugeMetricFamily(
            "orinoco_monitor_alerts", "Alerts in the monitoring store by status", labels=["status"]
        )
        for status in STATUSES:
            alerts.add_metric([status], stats["alerts"].get(status, 0))
        customers = GaugeMetricFamily("orinoco_monitor_customers", "Customers monitored")
        customers.add_metric([], stats["customers"])
        pending = GaugeMetricFamily(
            "orinoco_monitor_customers_pending", "Customers added or changed and not yet screened"
        )
        pending.add_metric([], stats["customers_pending"])
        last = stats["last_rescreen"] or {"seconds": 0.0, "records": 0, "customers": 0}
        seconds = GaugeMetricFamily(
            "orinoco_monitor_rescreen_seconds",
            "Duration of the last finished re-screen on a list change (screening time)",
        )
        seconds.add_metric([], last["seconds"])
        records = GaugeMetricFamily(
            "orinoco_monitor_rescreen_records",
            "Listed records (added or changed) the last re-screen screened the book against",
        )
        records.add_metric([], last["records"])
        book = GaugeMetricFamily(
            "orinoco_monitor_rescreen_customers", "Customers the last re-screen screened"
        )
        book.add_metric([], last["customers"])
        yield from (alerts, customers, pending, seconds, records, book)
