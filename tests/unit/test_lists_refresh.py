"""The refresh schedule's parts in-process: durations, one round of checks and its status file, the
stale flag, file-change detection for --list paths, and the swap hook (SwapEvent)."""

from __future__ import annotations

import json
import time

import pytest
from conftest import FIXTURE_LISTS

from service.api import ScreenerProvider
from service.engine.screener import Screener
from service.lists import ListError, load_source
from service.lists.refresh import Refresher, cache_targets, parse_duration, path_targets, read_status
from service.lists.registry import DEFAULT_REGISTRY, load_registry
from service.lists.specs import parse_list_spec


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("6h", 21600), ("30m", 1800), ("90s", 90), ("1d", 86400), ("300", 300), ("1.5h", 5400)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "often", "-1h", "0", "6 hours", "h"])
def test_bad_durations_say_what_is_expected(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


def test_one_round_records_each_list_and_reloads_once_if_any_changed(tmp_path):
    reloads = []

    def broken() -> bool:
        raise ListError("un_sc: HTTP 503 (after 4 attempts); keeping the current version")

    status = tmp_path / "status.json"
    refresher = Refresher(
        {"ofac_sdn": lambda: True, "un_sc": broken, "eu_fsf": lambda: False},
        lambda: reloads.append(1),
        3600,
        status,
        max_age=3600,
    )
    assert refresher.run_once() and reloads == [1]
    seen = read_status(str(status))
    assert seen["lists"]["ofac_sdn"]["last_change"] and seen["lists"]["ofac_sdn"]["error"] is None
    assert "HTTP 503" in seen["lists"]["un_sc"]["error"] and seen["lists"]["un_sc"]["last_success"] is None
    assert seen["lists"]["eu_fsf"]["last_change"] is None and seen["lists"]["eu_fsf"]["last_success"]
    assert not any(r["stale"] for r in seen["lists"].values())
    refresher.targets = {"eu_fsf": lambda: False}
    refresher.status.lists = {"eu_fsf": refresher.status.lists["eu_fsf"]}
    assert not refresher.run_once() and reloads == [1]  # nothing new: no reload


def test_a_list_never_confirmed_current_goes_stale(tmp_path):
    status = tmp_path / "status.json"

    def down() -> bool:
        raise ListError("HTTP 404")

    Refresher({"un_sc": down}, lambda: None, 3600, status, max_age=0.2).run_once()
    time.sleep(0.3)
    assert read_status(str(status))["lists"]["un_sc"]["stale"]
    assert read_status(str(tmp_path / "missing.json")) is None
    assert json.loads(status.read_text())["max_age_seconds"] == 0.2


def test_a_changed_list_file_is_noticed(tmp_path):
    path = tmp_path / "watchlist.csv"
    path.write_bytes((FIXTURE_LISTS / "custom" / "watchlist.csv").read_bytes())
    [check] = path_targets([parse_list_spec(f"custom={path}")], ["custom"]).values()
    assert check() is False
    path.write_bytes(path.read_bytes() + b"X9,Another Name,person,1,,,,\n")
    assert check() is True and check() is False
    path.unlink()
    with pytest.raises(ListError, match="no longer there"):
        check()


def test_each_swap_is_announced_with_the_old_and_new_versions(tmp_path):
    path = tmp_path / "watchlist.csv"
    full = (FIXTURE_LISTS / "custom" / "watchlist.csv").read_bytes()
    path.write_bytes(full)
    provider = ScreenerProvider(build=lambda: Screener.from_lists([load_source("custom", path)]))
    events = []
    provider.on_swap.append(events.append)
    provider.on_swap.append(lambda event: 1 / 0)  # a failing hook neither blocks nor undoes the swap
    assert provider.load()
    assert events[0].old == {"custom": None} and events[0].new["custom"].entities == 4
    path.write_bytes(full + b"X9,Another Name,person,1,,,,\n")
    assert provider.load()
    assert events[1].changed() == ["custom"]
    assert events[1].old["custom"].sha256 == events[0].new["custom"].sha256
    assert events[1].new["custom"].entities == 5 and provider.screener.versions[0].entities == 5


def test_the_closed_ofsi_list_is_archived_and_never_refreshed():
    specs = load_registry(DEFAULT_REGISTRY)
    assert [s.id for s in specs if s.archived] == ["uk_ofsi"]
    assert {"uk_fcdo", "eu_fsf", "ch_seco", "us_csl", "us_dpl"} <= {s.id for s in specs}
    targets = cache_targets(["uk_ofsi", "un_sc", "imported_by_hand"], 5, specs=specs)
    assert list(targets) == ["un_sc"]


def test_a_reload_that_drops_a_served_list_is_refused(tmp_path):
    custom = load_source("custom", FIXTURE_LISTS / "custom" / "watchlist.csv")
    un = load_source("un", FIXTURE_LISTS / "un" / "consolidated.xml")
    lists = [[custom, un]]
    provider = ScreenerProvider(build=lambda: Screener.from_lists(lists[0]))
    assert provider.load()
    lists[0] = [un]  # e.g. only one list refreshed into a cache that held none
    assert not provider.load() and provider.screener.list_ids == ["custom", "un_sc"]
    assert "custom: served now but missing from the new lists" in provider.status.error


def test_a_reload_asked_for_during_a_load_runs_when_it_ends(tmp_path):
    """A SIGHUP (or refresh) while a load runs is not lost: the file may have changed after the
    running load read it, so the lists are loaded once more when it ends."""
    import threading

    path = tmp_path / "watchlist.csv"
    full = (FIXTURE_LISTS / "custom" / "watchlist.csv").read_bytes()
    path.write_bytes(full)
    release, started = threading.Event(), threading.Event()

    def build() -> Screener:
        loaded = load_source("custom", path)
        started.set()
        release.wait(10)  # the first load holds here, its file already read
        return Screener.from_lists([loaded])

    provider = ScreenerProvider(build=build)
    assert provider.load_in_background()
    assert started.wait(10)
    path.write_bytes(full + b"X9,Another Name,person,1,,,,\n")
    assert not provider.load_in_background()  # one is running: this one follows it
    release.set()
    deadline = time.monotonic() + 30
    while provider.screener is None or provider.screener.versions[0].entities != 5:
        assert time.monotonic() < deadline, "the reload asked for during a load never ran"
        time.sleep(0.05)
