"""`update`/`import` into the cache against a local HTTP server: a bad download never replaces a good list."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile

import pytest
from lists_support import FIXTURES, fixture_routes, http_server, write_registry

from service.engine import parallel
from service.lists import ListError
from service.lists.cache import (
    ListCache,
    _bytes_to_parse,
    default_lists,
    download_interval,
    import_files,
    update_list,
)
from service.lists.registry import load_registry


@pytest.fixture()
def env(tmp_path, monkeypatch):
    """An empty cache, no reference files, and a registry pointing at a local server."""
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("ORINOCO_REFERENCE_DIR", str(tmp_path / "no-reference"))
    routes, seen = fixture_routes(), []
    with http_server(routes, seen) as base_url:
        registry = write_registry(tmp_path / "sources.toml", base_url)
        monkeypatch.setenv("ORINOCO_SOURCES", str(registry))
        yield {
            "routes": routes,
            "specs": {s.id: s for s in load_registry()},
            "cache": ListCache(),
            "tmp": tmp_path,
            "seen": seen,
        }


def _state(cache: ListCache, list_id: str) -> tuple[str, str]:
    current = cache.current(list_id)
    return current.name, cache.meta(current)["version"]["sha256"]


def test_update_downloads_checks_and_records(env):
    cache, spec = env["cache"], env["specs"]["ofac_sdn"]
    installed = update_list(spec, cache, timeout=5)
    assert installed.changed and installed.loaded.version.entities == 5
    meta = cache.meta(cache.current("ofac_sdn"))
    recorded = {f["name"]: f["sha256"] for f in meta["files"]}
    fixtures = (FIXTURES / "ofac").iterdir()
    assert recorded == {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in fixtures}
    assert all(f["url"].startswith("http://127.0.0.1:") for f in meta["files"])
    assert cache.load("ofac_sdn").version.sha256 == installed.loaded.version.sha256
    assert all(path.startswith(str(installed.path)) for path in installed.loaded.version.files)


def test_same_content_is_unchanged_and_a_new_version_keeps_the_previous(env):
    cache, spec, routes = env["cache"], env["specs"]["ofac_sdn"], env["routes"]
    first = update_list(spec, cache, timeout=5)
    assert not update_list(spec, cache, timeout=5).changed
    body, _ = routes["/ofac/sdn.csv"]
    routes["/ofac/sdn.csv"] = (body.replace(b"NORTHERN STAR", b"NORTHERN STAR II"), "ok")
    second = update_list(spec, cache, timeout=5)
    assert second.changed and second.loaded.version.sha256 != first.loaded.version.sha256
    assert cache.previous("ofac_sdn") == first.path
    assert cache.current("ofac_sdn") == second.path


@pytest.mark.parametrize(
    ("path", "broken"),
    [
        ("/ofac/sdn.csv", "truncated"),  # connection closed before Content-Length bytes arrived
        ("/ofac/sdn.csv", "missing"),  # required file: HTTP 404
        ("/ofac/sdn.csv", "cut"),  # complete HTTP response, but the file itself stops mid-row
        ("/ofac/sdn.csv", "shrunk"),  # parses, but far fewer entities than the current version
        (
            "/ofac/alt.csv",
            "missing",
        ),  # optional, but the current version has it: the new one would be partial
        ("/ofac/alt.csv", "cut"),
        ("/un/consolidated.xml", "truncated"),
        ("/un/consolidated.xml", "cut"),
        ("/un/consolidated.xml", "garbage"),
    ],
)
def test_a_bad_download_leaves_the_good_version_in_place(env, path, broken):
    cache, routes = env["cache"], env["routes"]
    list_id = "ofac_sdn" if path.startswith("/ofac") else "un_sc"
    update_list(env["specs"][list_id], cache, timeout=5)
    before = _state(cache, list_id)
    body, _ = routes[path]
    routes[path] = {
        "truncated": (body, "truncated"),
        "missing": (b"", "missing"),
        "cut": (body[: len(body) * 2 // 3], "ok"),
        "shrunk": (body.split(b"\r\n")[0] + b"\r\n\x1a", "ok"),
        "garbage": (bytes(range(256)) * 4, "ok"),
    }[broken]
    with pytest.raises(ListError) as info:
        update_list(env["specs"][list_id], cache, timeout=5)
    assert "current" in str(info.value) or "truncated" in str(info.value) or "XML" in str(info.value)
    assert _state(cache, list_id) == before
    assert cache.load(list_id).version.sha256 == before[1]
    assert not [p for p in (cache.root / list_id).iterdir() if p.name.startswith(".staging-")]


def test_a_damaged_current_version_falls_back_to_the_previous(env):
    cache, spec, routes = env["cache"], env["specs"]["un_sc"], env["routes"]
    first = update_list(spec, cache, timeout=5)
    body, _ = routes["/un/consolidated.xml"]
    routes["/un/consolidated.xml"] = (body.replace(b"PETROV", b"PETROFF"), "ok")
    second = update_list(spec, cache, timeout=5)
    assert second.changed
    (second.path / "consolidated.xml").write_bytes(b"<CONSOLIDATED_LIST>")  # disk damage after install
    assert cache.load("un_sc").version.sha256 == first.loaded.version.sha256


def test_missing_optional_file_is_a_warning(env):
    env["routes"].pop("/ofac/add.csv")
    installed = update_list(env["specs"]["ofac_sdn"], env["cache"], timeout=5)
    assert installed.loaded.version.entities == 5
    assert any("add.csv" in w for w in installed.loaded.warnings)


def test_size_limit(env, tmp_path):
    base_url = env["specs"]["un_sc"].files[0].url.rsplit("/un/", 1)[0]
    registry = write_registry(tmp_path / "small.toml", base_url, max_bytes=1000)
    spec = {s.id: s for s in load_registry(registry)}["un_sc"]
    with pytest.raises(ListError, match="limit"):
        update_list(spec, env["cache"], timeout=5)
    assert env["cache"].current("un_sc") is None


def test_import_local_files_and_refuse_a_broken_one(env, tmp_path):
    cache = env["cache"]
    installed = import_files("un", FIXTURES / "un" / "consolidated.xml", "un_sc", cache)
    assert installed.changed and installed.loaded.version.published == "2025-01-15"
    broken = tmp_path / "consolidated.xml"
    broken.write_bytes((FIXTURES / "un" / "consolidated.xml").read_bytes()[:500])
    before = _state(cache, "un_sc")
    with pytest.raises(ListError):
        import_files("un", broken, "un_sc", cache)
    assert _state(cache, "un_sc") == before


def test_default_lists_prefers_the_cache(env):
    import_files("custom", FIXTURES / "custom" / "watchlist.csv", "custom", env["cache"])
    assert [x.version.id for x in default_lists(download=True, timeout=2)] == ["custom"]


def test_default_lists_downloads_when_the_cache_is_empty(env):
    lists = default_lists(download=True, timeout=5)
    assert sorted(x.version.id for x in lists) == ["ofac_sdn", "un_sc"]
    assert env["cache"].list_ids() == ["ofac_sdn", "un_sc"]


def _offline_with_reference(env, monkeypatch) -> None:
    for route in list(env["routes"]):
        env["routes"][route] = (b"", "missing")  # "no internet"
    ref = env["tmp"] / "reference"
    shutil.copytree(FIXTURES / "ofac", ref / "ofac_sdn_2021-07")
    (ref / "un_sc_2026-02").mkdir()
    shutil.copy(FIXTURES / "un" / "consolidated.xml", ref / "un_sc_2026-02" / "consolidated.xml")
    monkeypatch.setenv("ORINOCO_REFERENCE_DIR", str(ref))


def _source_lines(caplog) -> dict[str, str]:
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("lists: ")]
    by_list = {line.split()[1]: line for line in lines}
    assert len(by_list) == len(lines), lines  # one line per list
    return by_list


def test_default_lists_falls_back_to_the_reference_files_and_caches_them(env, monkeypatch, caplog):
    _offline_with_reference(env, monkeypatch)
    lists = default_lists(download=True, timeout=2)
    assert [(x.version.id, x.version.entities) for x in lists] == [("ofac_sdn", 5), ("un_sc", 3)]
    assert all(x.version.fallback and x.version.origin == "reference" for x in lists)
    assert env["cache"].list_ids() == ["ofac_sdn", "un_sc"]  # the fallback is the cached version now
    for list_id, line in _source_lines(caplog).items():
        assert f"lists: {list_id} from the reference snapshot" in line
        assert "because the download failed" in line and "404" in line and "next attempt after" in line
        assert "keeping the current version" not in line  # there was none


def test_a_fallback_is_not_downloaded_again_within_the_interval(env, monkeypatch, caplog):
    _offline_with_reference(env, monkeypatch)
    default_lists(download=True, timeout=2)
    asked = len(env["seen"])
    assert asked >= 2
    caplog.clear()
    again = default_lists(download=True, timeout=2)  # the next start, within the 6 h default
    assert len(env["seen"]) == asked
    assert all(x.version.fallback for x in again)
    for list_id, line in _source_lines(caplog).items():
        assert f"lists: {list_id} from the cache: a reference snapshot" in line
        assert "the last download failed" in line and "next download attempt after" in line
    # once the interval has passed, the official list is downloaded and replaces the snapshot
    env["routes"].update(fixture_routes())
    monkeypatch.setenv("ORINOCO_DOWNLOAD_INTERVAL", "0s")
    caplog.clear()
    fresh = default_lists(download=True, timeout=2)
    assert len(env["seen"]) > asked
    assert [(x.version.id, x.version.origin, x.version.fallback) for x in fresh] == [
        ("ofac_sdn", "download", False),
        ("un_sc", "download", False),
    ]
    assert all("replacing the cached reference snapshot" in line for line in _source_lines(caplog).values())
    caplog.clear()
    cached = default_lists(download=True, timeout=2)
    assert [x.version.origin for x in cached] == ["download", "download"]
    assert all(
        " from the cache " in line and "(download, published" in line
        for line in _source_lines(caplog).values()
    )


def test_the_download_interval_is_read_from_the_environment(monkeypatch):
    for raw, seconds in (("6h", 21600), ("30m", 1800), ("90s", 90), ("120", 120), ("1d", 86400)):
        monkeypatch.setenv("ORINOCO_DOWNLOAD_INTERVAL", raw)
        assert download_interval() == seconds
    monkeypatch.setenv("ORINOCO_DOWNLOAD_INTERVAL", "soon")
    with pytest.raises(ListError, match="ORINOCO_DOWNLOAD_INTERVAL"):
        download_interval()


def test_default_lists_with_nothing_available_says_what_to_do(env):
    with pytest.raises(ListError, match="orinoco lists update"):
        default_lists(download=False)


def test_meta_is_json_with_the_version(env):
    installed = update_list(env["specs"]["un_sc"], env["cache"], timeout=5)
    meta = json.loads((installed.path / "meta.json").read_text(encoding="utf-8"))
    assert meta["version"]["published"] == "2025-01-15" and meta["parser"] == "un"


def test_lists_load_the_same_in_forked_processes_as_in_one(env, monkeypatch, caplog, tmp_path):
    """default_lists parses each list in a forked process (fork_map), the largest first: the same
    lists in the registry's order, the same records and the same log line per list as one process."""
    _offline_with_reference(env, monkeypatch)
    seen = {}
    for n in (1, 2):
        monkeypatch.setattr(parallel, "processes", lambda n=n: n)
        monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / f"cache-{n}"))
        caplog.clear()
        cold = default_lists(download=True, timeout=2, cache=ListCache())
        cold_lines = _source_lines(caplog)
        caplog.clear()
        warm = default_lists(download=True, timeout=2, cache=ListCache())
        seen[n] = (cold, warm, cold_lines, _source_lines(caplog))
    for one, forked in zip(seen[1][:2], seen[2][:2], strict=True):
        assert [x.version.id for x in forked] == [x.version.id for x in one] == ["ofac_sdn", "un_sc"]
        for a, b in zip(one, forked, strict=True):
            assert (a.version.sha256, a.entities, a.problems) == (b.version.sha256, b.entities, b.problems)
    for one, forked in zip(seen[1][2:], seen[2][2:], strict=True):
        assert forked.keys() == one.keys() == {"ofac_sdn", "un_sc"}


def test_a_workbook_counts_its_expanded_bytes(tmp_path):
    """The largest lists are parsed first: a workbook (zip) by what it expands to."""
    text = tmp_path / "list.xml"
    text.write_bytes(b"<a/>" * 1000)
    book = tmp_path / "list.xlsx"
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sheet1.xml", b"<row/>" * 10_000)
    assert book.stat().st_size < text.stat().st_size < _bytes_to_parse(book) == 60_000
    assert _bytes_to_parse(tmp_path) == 64_000
    assert _bytes_to_parse(tmp_path / "missing") == 0 and _bytes_to_parse(None) == 0
