"""Custom watchlist CSV: the fixture's edge cases and the shared evaluation indexes."""

from __future__ import annotations

import csv

import pytest
from lists_support import FIXTURES, by_id, eval_path

from service.engine.model import BirthDate
from service.lists import ListError, load_source


def test_fixture_entities_rows_and_problems():
    loaded = load_source("custom", FIXTURES / "custom" / "watchlist.csv")
    e = by_id(loaded)
    assert list(e) == ["C1", "C2", "C3", "C7"]
    jane = e["C1"]
    assert jane.name == "DOE Jane"  # the is_primary row, although not the first
    assert [a.name for a in jane.aliases] == ["Jane Example Doe", "J. E. Doe"]
    assert jane.schema == "Person" and jane.birth_dates == [BirthDate("1980-02-29")]
    assert jane.nationalities == ["GB"] and jane.programs == ["INTERNAL"]
    assert e["C2"].schema == "Organization" and e["C3"].schema == "Vessel"
    assert [(p.line, p.reason.split()[0]) for p in loaded.problems] == [
        (7, "empty"),
        (8, "empty"),
        (9, "schema"),
        (10, "expected"),
    ]
    assert loaded.version.skipped_rows == 4
    assert any(w.startswith("line 11: birth_date") for w in loaded.warnings)
    assert loaded.version.source == "custom" and loaded.version.published is None


def test_list_id_is_the_callers(tmp_path):
    loaded = load_source("custom", FIXTURES / "custom" / "watchlist.csv", list_id="firm")
    assert loaded.version.id == "firm" and {x.list_id for x in loaded.entities} == {"firm"}


def test_missing_required_column_is_a_list_error(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("id,name,schema\n1,A,person\n", encoding="utf-8")
    with pytest.raises(ListError, match="entity_id"):
        load_source("custom", path)


def test_invalid_utf8_line_is_skipped_with_its_line_number(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(
        "\ufeffentity_id,name,schema\n1,José,person\n2,Bad \xff name,person\n3,Ok,vessel\n".encode(
            "utf-8"
        ).replace(b"\xc3\xbf", b"\xff")
    )
    loaded = load_source("custom", path)
    assert [e.name for e in loaded.entities] == ["José", "Ok"]
    assert [(p.line, "UTF-8" in p.reason) for p in loaded.problems] == [(3, True)]


def test_an_unbalanced_quote_does_not_swallow_rows_into_a_name(tmp_path):
    path = tmp_path / "list.csv"
    rows = ['1,"Open quote,person', '2,Next",person', "3,Fine,person", "4,More,person", "5,Last,person"]
    path.write_text("entity_id,name,schema\n" + "\n".join(rows) + "\n", encoding="utf-8")
    loaded = load_source("custom", path)
    assert all("\n" not in n.name for e in loaded.entities for n in e.names())
    assert [e.id for e in loaded.entities] == ["3", "4", "5"]
    assert [(p.line, "several lines" in p.reason) for p in loaded.problems] == [(2, True)]


def _expected(path) -> tuple[dict[str, str], int]:
    primaries: dict[str, str] = {}
    names = set()
    with path.open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            names.add((row["entity_id"], row["name"]))
            if row["is_primary"] == "1":
                primaries.setdefault(row["entity_id"], row["name"])
    return primaries, len(names)


@pytest.mark.parametrize("name", ["index_dev.csv", "index_full.csv"])
def test_evaluation_index_loads_whole(name):
    """Every row kept (its speed is bench/bench_lists.py's business: tests check behaviour)."""
    path = eval_path(name)
    loaded = load_source("custom", path)
    primaries, name_count = _expected(path)
    assert loaded.problems == []
    assert {e.id: e.name for e in loaded.entities} == primaries
    assert loaded.version.names == name_count
