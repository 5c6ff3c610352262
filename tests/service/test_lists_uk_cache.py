"""The uk_ofsi registry entry end to end: one .xlsx file through `orinoco lists update|import`, the
cache, and `orinoco serve --list uk=PATH` (the archived OFSI workbook, still accepted as source uk)."""

from __future__ import annotations

import json

import pytest
from lists_support import http_server, reference_path
from test_lists_cli import run
from test_lists_uk import UK_2025, fixture_bytes

from service.lists.cache import ListCache
from service.lists.registry import DEFAULT_REGISTRY, load_registry

OFSI_URL = "https://ofsistorage.blob.core.windows.net/publishlive/2022format/ConList.xlsx"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))


def test_the_registry_entry():
    [spec] = [s for s in load_registry(DEFAULT_REGISTRY) if s.id == "uk_ofsi"]
    assert (spec.parser, spec.entry, spec.reference) == ("uk_ofsi", "ConList.xlsx", UK_2025)
    assert [(f.name, f.url, f.required) for f in spec.files] == [("ConList.xlsx", OFSI_URL, True)]


def _registry(path, base_url: str):
    """The real uk_ofsi entry with its URL on the local server."""
    text = DEFAULT_REGISTRY.read_text(encoding="utf-8")
    start = text.index('[[list]]\nid = "uk_ofsi"')
    end = text.find("[[list]]\n", start + 1)  # the entry ends where the next one starts, if any
    entry = text[start:] if end < 0 else text[start:end]
    path.write_text(entry.replace(OFSI_URL, f"{base_url}/ConList.xlsx"), encoding="utf-8")
    return path


def test_update_installs_the_workbook_and_a_bad_download_keeps_it(tmp_path, capsys):
    routes = {"/ConList.xlsx": (fixture_bytes(), "ok")}
    with http_server(routes) as base_url:
        registry = str(_registry(tmp_path / "sources.toml", base_url))
        assert run(["lists", "update", "uk_ofsi", "--json", "--sources", registry, "--timeout", "5"]) == 0
        [updated] = json.loads(capsys.readouterr().out)
        assert (updated["id"], updated["status"], updated["skipped_rows"]) == ("uk_ofsi", "updated", 3)
        assert updated["version"]["entities"] == 3 and updated["version"]["published"] == "2025-04-14"
        assert run(["lists", "update", "uk_ofsi", "--json", "--sources", registry, "--timeout", "5"]) == 0
        assert json.loads(capsys.readouterr().out)[0]["status"] == "unchanged"
        for body, mode, error in [
            (fixture_bytes(), "truncated", "truncated download"),
            (b"Name 6,Group ID\nX,1\n", "ok", "not a valid .xlsx"),
        ]:
            routes["/ConList.xlsx"] = (body, mode)
            assert run(["lists", "update", "uk_ofsi", "--json", "--sources", registry, "--timeout", "5"]) == 1
            [failed] = json.loads(capsys.readouterr().out)
            assert failed["status"] == "failed" and error in failed["error"]
    current = ListCache().current("uk_ofsi")
    assert current.name == updated["path"].rsplit("/", 1)[1]  # the first good version is still current
    assert [f["name"] for f in ListCache.meta(current)["files"]] == ["ConList.xlsx"]
    assert ListCache().load("uk_ofsi").version.sha256 == updated["version"]["sha256"]


def test_import_of_the_real_workbook(capsys):
    path = reference_path(UK_2025)
    assert run(["lists", "import", "uk", str(path), "--json"]) == 0
    [imported] = json.loads(capsys.readouterr().out)
    assert (imported["id"], imported["status"]) == ("uk_ofsi", "updated")
    assert imported["version"]["entities"] == 4688
    assert ListCache.meta(ListCache().current("uk_ofsi"))["entry"] == "ConList.xlsx"
    assert run(["lists", "show", "--json"]) == 0  # no --list: the cache
    [shown] = json.loads(capsys.readouterr().out)
    assert (shown["id"], shown["published"], shown["names"]) == ("uk_ofsi", "2025-04-14", 15966)


def test_serve_screens_against_the_workbook(start_server, tmp_path):
    path = tmp_path / "ConList.xlsx"
    path.write_bytes(fixture_bytes())
    server = start_server("--list", f"uk={path}")
    [version] = server.get("/v1/lists").json()["lists"]
    assert (version["id"], version["source"], version["entities"]) == ("uk_ofsi", "uk_ofsi", 3)
    body = server.post("/v1/screen", json={"name": "Ivan Petrovich Example"}).json()
    top = body["results"][0]["matches"][0]
    assert (top["list"], top["entity_id"]) == ("uk_ofsi", "900001")
