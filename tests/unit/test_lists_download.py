"""Downloads that can be trusted, against a local HTTP server (no internet): conditional GET with the
ETag / Last-Modified of the version in hand, retries with backoff on 5xx and cut connections, no
retry on a 404, the timeout, and the configured share a list may shrink by."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lists_support import reference_path
from test_lists_robustness import UN_XML

from service.lists import ListError
from service.lists.cache import ListCache, import_files, update_list
from service.lists.download import fetch
from service.lists.registry import ListSpec, RemoteFile

UN_ETAG = '"un-v1"'
MODIFIED = "Mon, 07 Dec 2026 06:00:00 GMT"


class Publisher(BaseHTTPRequestHandler):
    """Serves ``server.body`` with an ETag and Last-Modified; answers 304 to a matching conditional
    GET; fails the next ``server.failures`` requests with ``server.failure`` (an HTTP status, or
    "cut" to close the connection mid-body, or "slow" to stall past the client's timeout)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        server = self.server
        server.requests.append(dict(self.headers))
        if server.failures > 0:
            server.failures -= 1
            if server.failure == "cut":
                self.send_response(200)
                self.send_header("Content-Length", str(len(server.body)))
                self.end_headers()
                self.wfile.write(server.body[:100])
                self.close_connection = True
                return
            if server.failure == "slow":
                time.sleep(1.5)
            else:
                self.send_error(server.failure)
                return
        if (server.etag is not None and self.headers.get("If-None-Match") == server.etag) or (
            server.etag is None and self.headers.get("If-Modified-Since") == MODIFIED
        ):
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(server.body)))
        if server.etag:
            self.send_header("ETag", server.etag)
        self.send_header("Last-Modified", MODIFIED)
        self.end_headers()
        self.wfile.write(server.body)

    def log_message(self, *args) -> None:
        pass


@contextmanager
def publisher(body: bytes, etag: str | None = UN_ETAG) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Publisher)
    server.body, server.etag, server.failures, server.failure, server.requests = body, etag, 0, 500, []
    server.url = f"http://127.0.0.1:{server.server_address[1]}/consolidated.xml"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def un_spec(url: str) -> ListSpec:
    return ListSpec(
        id="un_sc",
        parser="un",
        publisher="test",
        format="UN XML",
        files=(RemoteFile("consolidated.xml", url, True),),
        entry="consolidated.xml",
    )


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    monkeypatch.setenv("ORINOCO_DOWNLOAD_RETRIES", "2")
    monkeypatch.setenv("ORINOCO_DOWNLOAD_BACKOFF", "0.01")


def test_a_second_update_is_a_conditional_get_answered_304(tmp_path):
    cache = ListCache(tmp_path / "cache")
    with publisher(UN_XML) as server:
        first = update_list(un_spec(server.url), cache, timeout=5)
        assert first.changed and "If-None-Match" not in server.requests[0]
        second = update_list(un_spec(server.url), cache, timeout=5)
        assert not second.changed and second.path == first.path
        assert server.requests[1]["If-None-Match"] == UN_ETAG
        assert second.loaded.version.sha256 == first.loaded.version.sha256
    meta = ListCache.meta(cache.current("un_sc"))["files"][0]
    assert (meta["etag"], meta["last_modified"]) == (UN_ETAG, MODIFIED)


def test_without_an_etag_last_modified_is_sent(tmp_path):
    cache = ListCache(tmp_path / "cache")
    with publisher(UN_XML, etag=None) as server:
        update_list(un_spec(server.url), cache, timeout=5)
        assert not update_list(un_spec(server.url), cache, timeout=5).changed
        assert server.requests[1]["If-Modified-Since"] == MODIFIED


def test_a_changed_file_is_downloaded_whole(tmp_path):
    cache = ListCache(tmp_path / "cache")
    with publisher(UN_XML) as server:
        first = update_list(un_spec(server.url), cache, timeout=5)
        server.body = UN_XML.replace(b"</CONSOLIDATED_LIST>", b"<!-- republished --></CONSOLIDATED_LIST>")
        server.etag = '"un-v2"'
        second = update_list(un_spec(server.url), cache, timeout=5)
    assert second.changed and second.loaded.version.sha256 != first.loaded.version.sha256
    assert cache.previous("un_sc") == first.path


@pytest.mark.parametrize("failure", [500, 503, 429, "cut"])
def test_passing_failures_are_retried(tmp_path, failure):
    with publisher(UN_XML) as server:
        server.failures, server.failure = 2, failure
        got = fetch(server.url, tmp_path / "f.xml", 10_000_000, 5, retries=2, backoff=0.01)
    assert got.size == len(UN_XML) and len(server.requests) == 3
    assert (tmp_path / "f.xml").read_bytes() == UN_XML


def test_retries_back_off_and_give_up_with_the_reason(tmp_path):
    with publisher(UN_XML) as server:
        server.failures, server.failure = 10, 502
        started = time.monotonic()
        with pytest.raises(ListError, match=r"HTTP 502 .*after 3 attempts"):
            fetch(server.url, tmp_path / "f.xml", 10_000_000, 5, retries=2, backoff=0.1)
    assert time.monotonic() - started >= 0.1 + 0.2  # waited 0.1 s, then 0.2 s
    assert len(server.requests) == 3


def test_a_404_is_not_retried(tmp_path):
    with publisher(UN_XML) as server:
        server.failures, server.failure = 10, 404
        with pytest.raises(ListError, match="HTTP 404"):
            fetch(server.url, tmp_path / "f.xml", 10_000_000, 5, retries=2, backoff=0.01)
    assert len(server.requests) == 1


def test_a_stalled_server_times_out_then_succeeds_on_retry(tmp_path):
    with publisher(UN_XML) as server:
        server.failures, server.failure = 1, "slow"
        got = fetch(server.url, tmp_path / "f.xml", 10_000_000, 0.5, retries=1, backoff=0.01)
    assert got.size == len(UN_XML) and len(server.requests) == 2


def test_the_share_a_list_may_shrink_by_is_configurable(tmp_path, monkeypatch):
    """The real UN list, then a copy with 40% of its individuals left out."""
    full = reference_path("un_sc_2026-02/consolidated.xml").read_bytes()
    records = list(re.finditer(rb"<INDIVIDUAL>.*?</INDIVIDUAL>\s*", full, re.DOTALL))
    gone = records[: int(len(records) * 0.6)]  # 60% of the individuals, about 40% of all entities
    smaller = full[: gone[0].start()] + full[gone[-1].end() :]
    cache = ListCache(tmp_path / "cache")
    with publisher(full) as server:
        first = update_list(un_spec(server.url), cache, timeout=30)
        server.body, server.etag = smaller, '"un-smaller"'
        monkeypatch.setenv("ORINOCO_MAX_SHRINK", "0.25")  # at most a quarter may go at once
        with pytest.raises(ListError, match="fewer than the"):
            update_list(un_spec(server.url), cache, timeout=30)
        assert cache.current("un_sc") == first.path
        monkeypatch.setenv("ORINOCO_MAX_SHRINK", "0.5")
        second = update_list(un_spec(server.url), cache, timeout=30)
    assert second.changed and second.loaded.version.entities < first.loaded.version.entities


def test_a_bad_shrink_setting_is_an_error_naming_it(tmp_path, monkeypatch):
    """The settings are checked together (service.settings): the first download already refuses it."""
    monkeypatch.setenv("ORINOCO_MAX_SHRINK", "half")
    cache = ListCache(tmp_path / "cache")
    with publisher(UN_XML) as server:
        with pytest.raises(ListError, match="ORINOCO_MAX_SHRINK must be a share between 0 and 1"):
            update_list(un_spec(server.url), cache, timeout=5)
        monkeypatch.setenv("ORINOCO_MAX_SHRINK", "0.5")
        update_list(un_spec(server.url), cache, timeout=5)
        server.body, server.etag = UN_XML + b" ", '"v2"'
        monkeypatch.setenv("ORINOCO_MAX_SHRINK", "2")
        with pytest.raises(ListError, match="ORINOCO_MAX_SHRINK must be a share between 0 and 1"):
            update_list(un_spec(server.url), cache, timeout=5)


def test_meta_of_an_imported_version_has_no_validators(tmp_path):
    path = tmp_path / "consolidated.xml"
    Path(path).write_bytes(UN_XML)
    installed = import_files("un", path, "un_sc", ListCache(tmp_path / "cache"))
    assert "etag" not in ListCache.meta(installed.path)["files"][0]
