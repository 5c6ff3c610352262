"""``orinoco resolve`` on two small custom lists: the CSV it writes and the summary it prints."""

from __future__ import annotations

import csv

import pytest

from service.cli import main

LIST_A = """entity_id,name,schema,birth_date,country
a1,Viktor Petrovich Ivanov,person,1961-03-12,RU
a2,Harbour Star Shipping LLC,organization,,AE
a3,Juan Carlos Perez,person,1950,MX
"""
LIST_B = """entity_id,name,schema,birth_date,country
b1,"IVANOV, Viktor Petrovich",person,1961-03-12,Russia
b2,Juan Carlos Perez,person,1987,MX
b3,HARBOUR STAR SHIPPING L.L.C.,organization,,United Arab Emirates
"""


@pytest.fixture
def lists(tmp_path, monkeypatch):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "a.csv").write_text(LIST_A, encoding="utf-8")
    (tmp_path / "b.csv").write_text(LIST_B, encoding="utf-8")
    return ["--list", f"custom:a={tmp_path / 'a.csv'}", "--list", f"custom:b={tmp_path / 'b.csv'}"]


def test_resolve_writes_each_cluster_with_its_evidence(lists, tmp_path, capsys):
    out = tmp_path / "clusters.csv"
    assert main(["resolve", *lists, "-o", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    pairs = {}
    for row in rows:
        pairs.setdefault(row["cluster_id"], set()).add((row["list"], row["entity_id"]))
    assert sorted(map(sorted, pairs.values())) == [[("a", "a1"), ("b", "b1")], [("a", "a2"), ("b", "b3")]]
    ivanov = next(r for r in rows if r["entity_id"] == "a1")
    assert "b:b1" in ivanov["links"] and "same birth date" in ivanov["links"]
    assert "a shared country" in ivanov["links"]  # RU and Russia are one country
    # Juan Carlos Perez, born 1950 and 1987: the same name, two people
    assert not any(r["entity_id"] in ("a3", "b2") for r in rows)
    err = capsys.readouterr().err
    assert "2 clusters (4 records)" in err and "a records also on b: 2" in err


def test_resolve_needs_two_lists(lists, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["resolve", *lists[:2], "-o", str(tmp_path / "x.csv")])
    assert exc.value.code == 2
    assert "at least two lists" in capsys.readouterr().err


def test_the_service_screener_resolves_unless_told_not_to(lists, monkeypatch):
    from service.lists.specs import load_specs, parse_list_spec
    from service.serving import new_screener

    loaded = load_specs([parse_list_spec(v) for v in lists[1::2]])
    resolved = new_screener(loaded)
    assert resolved.links is not None and resolved.links.cluster_id("a", "a1") is not None
    monkeypatch.setenv("ORINOCO_RESOLVE", "0")
    assert new_screener(loaded).links is None


def test_clusters_are_cached_by_the_lists_checksums(lists, tmp_path, caplog):
    import logging

    from service.engine.screener import Screener
    from service.lists.specs import load_specs, parse_list_spec
    from service.resolve.store import cached_resolution

    loaded = load_specs([parse_list_spec(v) for v in lists[1::2]])
    screener = Screener.from_lists(loaded)
    folder = tmp_path / "resolution"
    first = cached_resolution(loaded, screener, folder)
    (saved,) = folder.glob("clusters-*.json")
    with caplog.at_level(logging.INFO, logger="service.resolve.store"):
        again = cached_resolution(loaded, screener, folder)
    assert "loaded from cache" in caplog.text
    assert [c.to_dict() for c in again.clusters] == [c.to_dict() for c in first.clusters]
    saved.write_text("{not json", encoding="utf-8")  # a damaged cache is resolved again, not trusted
    redone = cached_resolution(loaded, screener, folder)
    assert [c.id for c in redone.clusters] == [c.id for c in first.clusters]


def test_clusters_of_another_score_model_are_not_reused(lists, tmp_path, caplog):
    """Links rest on name scores: clusters cached under one score model are resolved again under another."""
    import logging
    from dataclasses import replace

    from service.engine.screener import Screener
    from service.lists.specs import load_specs, parse_list_spec
    from service.resolve.store import cached_resolution

    loaded = load_specs([parse_list_spec(v) for v in lists[1::2]])
    screener = Screener.from_lists(loaded)
    folder = tmp_path / "resolution"
    cached_resolution(loaded, screener, folder)
    screener.model = replace(screener.model, version="another")
    with caplog.at_level(logging.INFO, logger="service.resolve.store"):
        cached_resolution(loaded, screener, folder)
    assert "loaded from cache" not in caplog.text
    assert len(list(folder.glob("clusters-*.json"))) == 2
