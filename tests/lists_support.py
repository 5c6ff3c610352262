"""Shared helpers for the list tests: where the real reference files are, loaded once per session.

The real files live outside the repo (ORINOCO_REFERENCE_DIR, default ../shared/reference_lists);
tests that need them skip with the reason when they are absent.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from service.engine.model import Entity, LoadedList
from service.lists import load_source

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "lists"
OFAC_2021 = "ofac_sdn_2021-07"
UN_2026 = "un_sc_2026-02/consolidated.xml"


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def reference_path(relative: str) -> Path:
    """The path of a shared reference file, or skip the test saying where it was looked for."""
    path = reference_dir() / relative
    if not path.exists():
        pytest.skip(f"reference list {path} not found: set ORINOCO_REFERENCE_DIR to the shared lists")
    return path


def eval_path(name: str) -> Path:
    """A file of the shared evaluation set (beside reference_lists), or skip."""
    path = reference_dir().parent / "eval" / name
    if not path.exists():
        pytest.skip(f"evaluation file {path} not found")
    return path


@cache
def _load(source: str, relative: str) -> LoadedList:
    return load_source(source, reference_dir() / relative)


def ofac_2021() -> LoadedList:
    reference_path(OFAC_2021)
    return _load("ofac", OFAC_2021)


def un_2026() -> LoadedList:
    reference_path(UN_2026)
    return _load("un", UN_2026)


def by_id(loaded: LoadedList) -> dict[str, Entity]:
    return {e.id: e for e in loaded.entities}


class _Handler(BaseHTTPRequestHandler):
    """Serves ``server.routes``: path -> (body, mode). Modes: "ok", "truncated" (announces the full
    length, sends half, then closes), "missing" (404)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.seen.append(self.path)
        body, mode = self.server.routes.get(self.path, (b"", "missing"))
        if mode == "missing":
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2] if mode == "truncated" else body)
        if mode == "truncated":
            self.close_connection = True

    def log_message(self, *args) -> None:
        pass


@contextmanager
def http_server(routes: dict[str, tuple[bytes, str]], seen: list[str] | None = None) -> Iterator[str]:
    """A local HTTP server on 127.0.0.1 (no internet here); yields its base URL. Mutate ``routes`` freely;
    ``seen`` collects the path of every request."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes = routes
    server.seen = seen if seen is not None else []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def write_registry(path: Path, base_url: str, max_bytes: int = 10_000_000) -> Path:
    """A sources.toml like the real one, with every URL on ``base_url`` and the fixture folder names."""
    path.write_text(
        f"""
[[list]]
id = "ofac_sdn"
parser = "ofac"
publisher = "test"
format = "OFAC legacy CSV"
entry = "."
reference = "ofac_sdn_2021-07"
max_bytes = {max_bytes}
files = [
  {{ name = "sdn.csv", url = "{base_url}/ofac/sdn.csv", required = true }},
  {{ name = "alt.csv", url = "{base_url}/ofac/alt.csv", required = false }},
  {{ name = "add.csv", url = "{base_url}/ofac/add.csv", required = false }},
  {{ name = "sdn_comments.csv", url = "{base_url}/ofac/sdn_comments.csv", required = false }},
]

[[list]]
id = "un_sc"
parser = "un"
publisher = "test"
format = "UN XML"
entry = "consolidated.xml"
reference = "un_sc_2026-02/consolidated.xml"
max_bytes = {max_bytes}
files = [{{ name = "consolidated.xml", url = "{base_url}/un/consolidated.xml", required = true }}]
""",
        encoding="utf-8",
    )
    return path


def fixture_routes() -> dict[str, tuple[bytes, str]]:
    """The official-format fixtures, served where write_registry's URLs point."""
    routes = {f"/ofac/{p.name}": (p.read_bytes(), "ok") for p in (FIXTURES / "ofac").iterdir()}
    routes["/un/consolidated.xml"] = ((FIXTURES / "un" / "consolidated.xml").read_bytes(), "ok")
    return routes
