"""`orinoco lists show|update|import` as scripts call them: --json output and exit codes."""

from __future__ import annotations

import argparse
import csv
import json
from xml.etree import ElementTree

import pytest
from lists_support import (
    FIXTURES,
    OFAC_2021,
    UN_2026,
    fixture_routes,
    http_server,
    reference_path,
    write_registry,
)

from service.cli import lists_cmd


def run(argv: list[str]) -> int:
    """The `lists` sub-command alone, so these tests do not depend on the other commands' modules."""
    parser = argparse.ArgumentParser(prog="orinoco")
    lists_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))


def test_show_json_on_the_shared_lists(capsys):
    ofac, un = reference_path(OFAC_2021), reference_path(UN_2026)
    assert run(["lists", "show", "--json", "--list", f"ofac={ofac}", "--list", f"un={un}"]) == 0
    shown = {v["id"]: v for v in json.loads(capsys.readouterr().out)}
    with (ofac / "sdn.csv").open(encoding="latin-1", newline="") as f:
        sdn_rows = sum(1 for row in csv.reader(f) if len(row) == 12)
    root = ElementTree.parse(un).getroot()
    assert shown["ofac_sdn"]["entities"] == sdn_rows and shown["ofac_sdn"]["published"] is None
    assert shown["un_sc"]["entities"] == len(root.findall("*/INDIVIDUAL")) + len(root.findall("*/ENTITY"))
    assert shown["un_sc"]["published"] == root.get("dateGenerated")[:10]
    for version in shown.values():
        assert len(version["sha256"]) == 64 and version["names"] > version["entities"]


def test_show_text_names_each_list(capsys):
    assert run(["lists", "show", "--list", f"custom:firm={FIXTURES / 'custom' / 'watchlist.csv'}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("firm") and "entities=4" in out and "skipped_rows=4" in out


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nosuch=/tmp", "unknown source"),
        ("ofac", "expected SOURCE=PATH"),
        ("un=/does/not/exist.xml", "no such file"),
        (f"un={FIXTURES / 'custom' / 'watchlist.csv'}", "not well-formed"),
    ],
)
def test_bad_list_argument_exits_2_with_a_message(capsys, value, message):
    with pytest.raises(SystemExit) as exit_info:
        run(["lists", "show", "--list", value])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and "Traceback" not in err


def test_update_and_import_json(tmp_path, capsys):
    routes = fixture_routes()
    with http_server(routes) as base_url:
        registry = write_registry(tmp_path / "sources.toml", base_url)
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 0
        results = json.loads(capsys.readouterr().out)
        assert [(r["id"], r["status"]) for r in results] == [("ofac_sdn", "updated"), ("un_sc", "updated")]
        routes["/un/consolidated.xml"] = (routes["/un/consolidated.xml"][0], "truncated")
        assert run(["lists", "update", "un_sc", "--json", "--sources", str(registry), "--timeout", "5"]) == 1
        [failed] = json.loads(capsys.readouterr().out)
        assert failed["status"] == "failed" and "truncated" in failed["error"]
    assert run(["lists", "import", "custom", str(FIXTURES / "custom" / "watchlist.csv"), "--json"]) == 0
    [imported] = json.loads(capsys.readouterr().out)
    assert imported["id"] == "custom" and imported["skipped_rows"] == 4
    assert run(["lists", "show", "--json"]) == 0  # no --list: the cache
    assert sorted(v["id"] for v in json.loads(capsys.readouterr().out)) == ["custom", "ofac_sdn", "un_sc"]
