"""The monitoring runner of a gunicorn worker (service.serving): the workers forked before the
first load answer 503 until the loaded ones replace them, and /readyz waits for them to exit, so
they start no runner (it would only hand a lease back through the database on the way out)."""

from __future__ import annotations

from pathlib import Path

from lists_support import UN_2026, reference_path

from service.api import ScreenerProvider
from service.engine.screener import Screener
from service.lists import load_source
from service.monitor import Monitor
from service.monitor.db import Database
from service.serving import start_worker_runner, stop_runners


def test_only_a_worker_forked_with_the_lists_runs_the_monitor(tmp_path: Path) -> None:
    monitor = Monitor(Database(f"sqlite:///{tmp_path / 'monitor.db'}"))
    monitor.start()
    assert start_worker_runner(monitor, ScreenerProvider()) is None  # forked before the first load
    lists = [load_source("un", reference_path(UN_2026))]
    loaded = ScreenerProvider(screener=Screener.from_lists(lists, tmp_path / "index"))
    runner = start_worker_runner(monitor, loaded)
    try:
        assert runner is not None and runner.is_alive()
    finally:
        stop_runners()
    assert not runner.is_alive()
