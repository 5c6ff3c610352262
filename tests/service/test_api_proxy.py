"""Behind a reverse proxy (ORINOCO_TRUSTED_PROXIES=1): the client's address comes from the one
trusted X-Forwarded-For hop, so two clients get two rate-limit buckets and the audit log records
each client's address, not the proxy's. Without the setting the header is not believed."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURE_LISTS

WATCHLIST = FIXTURE_LISTS / "custom" / "watchlist.csv"


def _screen(server, forwarded: str):
    return server.post(
        "/v1/screen", json={"name": "Jane Example Doe"}, headers={"X-Forwarded-For": forwarded}
    )


@pytest.fixture(scope="module")
def proxied(start_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("audit") / "audit.jsonl"
    server = start_server(
        "--list",
        f"custom={WATCHLIST}",
        workers=1,
        env={
            "ORINOCO_TRUSTED_PROXIES": "1",
            "ORINOCO_RATE_LIMIT": "3/minute",
            "ORINOCO_AUDIT_LOG": str(path),
        },
    )
    return server, path


def test_two_clients_behind_one_proxy_get_two_buckets_and_their_own_audit_address(proxied):
    server, path = proxied
    first = [_screen(server, "203.0.113.7").status_code for _ in range(4)]
    assert first == [200, 200, 200, 429]
    assert _screen(server, "198.51.100.9").status_code == 200  # another client: its own bucket
    records = [json.loads(line) for line in path.read_text(encoding="ascii").splitlines()]
    assert [r["client"] for r in records] == ["203.0.113.7"] * 3 + ["198.51.100.9"]


def test_without_trusted_proxies_the_header_is_not_believed(start_server):
    server = start_server("--list", f"custom={WATCHLIST}", workers=1, env={"ORINOCO_RATE_LIMIT": "2/minute"})
    codes = [_screen(server, f"192.0.2.{i}").status_code for i in range(3)]
    assert codes == [200, 200, 429]  # a client cannot escape its bucket by inventing addresses


def test_a_bad_proxy_count_is_a_clear_start_error(start_server):
    server = start_server(
        "--list", f"custom={WATCHLIST}", env={"ORINOCO_TRUSTED_PROXIES": "many"}, ready=False
    )
    assert server.proc.wait(timeout=60) == 2
    assert "ORINOCO_TRUSTED_PROXIES must be a whole number" in server.log()
