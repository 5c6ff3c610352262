"""What gunicorn answers itself (414, 431, 400, 501) is problem+json like the app's answers, echoed
input is cut short, and a client's X-Request-ID is taken only when well-formed and is never the
audit record's key. On the real gunicorn, raw sockets to 127.0.0.1."""

from __future__ import annotations

import json
import socket

import pytest
from conftest import FIXTURE_LISTS


@pytest.fixture(scope="module")
def served(start_server, tmp_path_factory):
    audit = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    server = start_server(
        "--list",
        f"custom={FIXTURE_LISTS / 'custom' / 'watchlist.csv'}",
        env={"ORINOCO_AUDIT_LOG": str(audit)},
    )
    return server, audit


def _raw(server, payload: bytes) -> tuple[int, dict[str, str], bytes]:
    port = int(server.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(payload)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split(" ")[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        (b"GET /" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        (b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431),
        (
            b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: 1\r\n" % i for i in range(120))
            + b"\r\n",
            431,
        ),
        (b"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        (b"GET /he\x01lthz HTTP/1.1\r\nHost: x\r\n\r\n", 400),
        (b"POST /v1/screen HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br, chunked\r\n\r\n0\r\n\r\n", 501),
    ],
    ids=["414", "431-size", "431-count", "400-version", "400-line", "501"],
)
def test_gunicorns_own_errors_are_problem_json(served, payload, status):
    got, headers, body = _raw(served[0], payload)
    assert got == status and headers["content-type"] == "application/problem+json"
    problem = json.loads(body)
    assert problem["status"] == status and problem["type"].startswith("https://orinoco.invalid/problems/")
    assert len(problem["detail"]) <= 210


def test_a_double_slash_is_a_problem_not_an_html_redirect(served):
    got, headers, body = _raw(served[0], b"GET /v1//lists HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert got == 404 and headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == 404


def test_a_huge_unknown_field_is_not_echoed_whole(served):
    r = served[0].post(
        "/v1/screen",
        data=json.dumps({"name": "x", "k" * 900_000: 1}),
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400 and len(r.content) < 2000 and r.json()["field"].endswith("...")


def test_a_client_request_id_is_kept_only_when_well_formed_and_never_keys_the_audit(served):
    server, audit = served
    bad = server.post("/v1/screen", json={"name": "Jane Doe"}, headers={"X-Request-ID": "a b\u00e9" * 30})
    assert bad.headers["X-Request-ID"] != "a b" and len(bad.headers["X-Request-ID"]) == 32
    first = server.post("/v1/screen", json={"name": "Jane Doe"}, headers={"X-Request-ID": "same-id-7"})
    second = server.post("/v1/screen", json={"name": "Jane Doe"}, headers={"X-Request-ID": "same-id-7"})
    assert first.json()["request_id"] == second.json()["request_id"] == "same-id-7"
    assert first.headers["X-Audit-ID"] != second.headers["X-Audit-ID"]
    records = [json.loads(line) for line in audit.read_text().splitlines()]
    keyed = {r["audit_id"]: r for r in records}
    assert len(keyed) == len(records)  # unique keys, whatever the clients sent
    assert keyed[first.headers["X-Audit-ID"]]["request_id"] == "same-id-7"
