"""Ongoing monitoring: the customer book in a database, alerts and their decisions, re-screening
when the lists change, and webhook delivery. No Flask here: ``service.api.routes_monitor`` is the
HTTP layer over ``Monitor``."""

from service.monitor.service import Monitor

__all__ = ["Monitor"]
