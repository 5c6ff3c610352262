"""Metric labels come from fixed sets: 1,000 requests with invented methods and paths add no
series to /metrics on the real gunicorn (they are counted under ``other``)."""

from __future__ import annotations

import re
import socket

import requests
from conftest import FIXTURE_LISTS

SERIES = re.compile(r"^orinoco_http_requests_total\{[^}]*\}", re.M)


def _series(url: str) -> set[str]:
    return set(SERIES.findall(requests.get(url + "/metrics", timeout=30).text))


def _raw(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_invented_methods_and_paths_add_no_series(start_server):
    server = start_server("--list", f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}", workers=2)
    port = int(server.url.rsplit(":", 1)[1])
    # Warm up the label sets a client can legitimately reach: GET on a route, a 404, a 405.
    for path in ("/healthz", "/nope-0", "/nope-1"):
        requests.get(server.url + path, timeout=10)
    requests.request("ZZWARM", server.url + "/healthz", timeout=10)
    requests.request("ZZWARM", server.url + "/nope-2", timeout=10)
    _series(server.url)  # the scrape itself is counted after it answers
    before = _series(server.url)
    answered = 0
    for i in range(1000):
        path = "/healthz" if i % 2 else f"/made-up/{i}"
        answer = _raw(port, f"ZQ{i:06d}X {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        answered += answer.startswith(b"HTTP/1.1 ")
    after = _series(server.url)
    assert answered == 1000
    assert after == before, sorted(after - before)[:10]
    assert any('method="other"' in s for s in after)
