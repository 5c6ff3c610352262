"""Slow and idle clients cannot starve the real gunicorn (2 workers): /healthz and a screening
request answer within 1 s while 200 idle sockets and 16 slow ones (half a header sent a byte at a
time, or a declared body never sent) are open; a stalled request is dropped after
ORINOCO_CLIENT_TIMEOUT. All on 127.0.0.1, bounded in count and time."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import requests
from conftest import FIXTURE_LISTS

CLIENT_TIMEOUT = 4


@pytest.fixture(scope="module")
def server(start_server):
    return start_server(
        "--list",
        f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}",
        workers=2,
        env={"ORINOCO_CLIENT_TIMEOUT": str(CLIENT_TIMEOUT)},
    )


def _connect(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def _timed_get(url: str) -> float:
    started = time.monotonic()
    r = requests.get(url, timeout=5)  # a fresh connection each time: it must get a thread
    assert r.status_code == 200
    return time.monotonic() - started


def test_healthz_answers_within_a_second_while_idle_and_slow_sockets_are_open(server):
    port = int(server.url.rsplit(":", 1)[1])
    idle = [_connect(port) for _ in range(200)]
    partial = [_connect(port) for _ in range(8)]
    declared = [_connect(port) for _ in range(8)]
    for s in declared:
        s.sendall(
            b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100000\r\n\r\n"
        )
    stop = threading.Event()
    header = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000

    def trickle() -> None:  # one byte per socket every 0.3 s, never finishing the header
        i = 0
        while not stop.is_set() and i < len(header):
            for s in partial:
                try:
                    s.send(header[i : i + 1])
                except OSError:
                    pass
            i += 1
            stop.wait(0.3)

    sender = threading.Thread(target=trickle, daemon=True)
    sender.start()
    try:
        time.sleep(1.0)  # the slow requests have started and hold what they can
        times = []
        deadline = time.monotonic() + 3.0  # within the client timeout: the slow ones are all still open
        while time.monotonic() < deadline:
            times.append(_timed_get(server.url + "/healthz"))
            screen = requests.post(server.url + "/v1/screen", json={"name": "Jane Doe"}, timeout=5)
            assert screen.status_code == 200
        assert len(times) >= 5 and max(times) < 1.0, times
    finally:
        stop.set()
        sender.join(timeout=5)
        for s in idle + partial + declared:
            s.close()


def test_a_stalled_request_is_dropped_after_the_client_timeout(server):
    port = int(server.url.rsplit(":", 1)[1])
    half = _connect(port)
    body = _connect(port)
    try:
        half.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # and nothing more
        body.sendall(
            b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"name": '
        )
        half.settimeout(CLIENT_TIMEOUT + 10)
        body.settimeout(CLIENT_TIMEOUT + 10)
        started = time.monotonic()
        assert half.recv(4096) == b""  # closed, without an answer to half a request
        assert time.monotonic() - started < CLIENT_TIMEOUT + 5
        answer = body.recv(65536)
        assert answer == b"" or answer.startswith(b"HTTP/1.1 400"), answer[:200]
    finally:
        half.close()
        body.close()
