"""A full or read-only cache filesystem during a list update: a clear ListError, no partial version.

The cache lives on a tiny tmpfs mounted for the test (root only; skipped elsewhere). The good
version is installed first; then the disk is filled to the last byte, or remounted read-only,
and a changed list is downloaded. The current version must stay current and loadable, with no
staging folder or half-written version left behind, and the error must say what happened.
"""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import pytest
from lists_support import FIXTURES, fixture_routes, http_server, write_registry

from service.engine.index import cached_index
from service.lists import ListError, load_source
from service.lists.cache import ListCache, update_list
from service.lists.registry import load_registry

FS_BYTES = 1024 * 1024


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture()
def tiny_fs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    point = tmp_path / "fs"
    point.mkdir()
    mounted = _mount("-t", "tmpfs", "-o", f"size={FS_BYTES}", "tmpfs", str(point))
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    yield point
    subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


@pytest.fixture()
def installed(tiny_fs, tmp_path):
    """The UN fixture list installed in a cache on the tiny filesystem; the routes can be changed."""
    routes = fixture_routes()
    with http_server(routes) as base_url:
        spec = {s.id: s for s in load_registry(write_registry(tmp_path / "sources.toml", base_url))}["un_sc"]
        cache = ListCache(tiny_fs / "cache")
        update_list(spec, cache, timeout=5)
        body, _ = routes["/un/consolidated.xml"]
        routes["/un/consolidated.xml"] = (body.replace(b"PETROV", b"PETROFF"), "ok")  # a new version
        yield spec, cache, state(cache)


def state(cache: ListCache) -> tuple[str, str, list[str]]:
    current = cache.current("un_sc")
    return current.name, cache.meta(current)["version"]["sha256"], sorted(os.listdir(cache.root / "un_sc"))


def fill(folder: Path) -> None:
    """Write until the filesystem refuses: no byte left for anyone."""
    with (folder / "filler").open("wb", buffering=0) as out:
        for _ in range(10_000):  # bounded: the filesystem is 1 MiB
            try:
                out.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                return
    raise AssertionError("the tmpfs never filled up")


def assert_unchanged(cache: ListCache, before) -> None:
    assert state(cache) == before  # same current version, no staging folder, no new version
    assert cache.load("un_sc").version.sha256 == before[1]


def test_a_full_disk_refuses_the_update_and_keeps_the_current_version(installed, tiny_fs):
    spec, cache, before = installed
    fill(tiny_fs)
    with pytest.raises(ListError, match="No space left on device") as info:
        update_list(spec, cache, timeout=5)
    assert "keeping the current version" in str(info.value)
    assert_unchanged(cache, before)


def test_a_read_only_cache_refuses_the_update_and_keeps_the_current_version(installed, tiny_fs):
    spec, cache, before = installed
    assert _mount("-o", "remount,ro", str(tiny_fs)).returncode == 0
    with pytest.raises(ListError, match="Read-only file system") as info:
        update_list(spec, cache, timeout=5)
    assert str(cache.root) in str(info.value)
    assert_unchanged(cache, before)


def test_a_read_only_index_cache_still_serves_a_freshly_built_index(tiny_fs):
    """The server's index cache on a read-only disk: the index is built in memory, nothing written."""
    folder = tiny_fs / "index"
    lists = [load_source("custom", FIXTURES / "custom" / "watchlist.csv")]
    cached_index(lists, folder)
    for i in range(6):  # more old index files than are kept: pruning them must not crash either
        (folder / f"index-old{i}.npz").write_bytes(b"x")
    other = [load_source("un", FIXTURES / "un" / "consolidated.xml")]
    assert _mount("-o", "remount,ro", str(tiny_fs)).returncode == 0
    files = sorted(os.listdir(folder))
    assert len(cached_index(other, folder).vocab) > 0
    assert sorted(os.listdir(folder)) == files
