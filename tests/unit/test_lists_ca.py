"""Canada SEMA list (sema-lmes.xml): the real 2020-04 file, the official-format fixture, the newer
element names, hostile files, and `lists update/import/show` with it."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from functools import cache
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import FIXTURES, by_id, http_server, reference_path
from test_lists_robustness import BILLION_LAUGHS

from service.cli import lists_cmd
from service.engine.model import AKA, GIVEN, SURNAME, BirthDate, LoadedList, Name, Vessel
from service.lists import ListError, load_source
from service.lists.registry import DEFAULT_REGISTRY, load_registry

CA_2020 = "ca_sema_2020-04/sema-lmes.xml"
FIXTURE = FIXTURES / "ca" / "sema-lmes.xml"


@cache
def _real() -> LoadedList:
    return load_source("ca", reference_path(CA_2020))


def _raw_records() -> list[ElementTree.Element]:
    return ElementTree.parse(reference_path(CA_2020)).getroot().findall("record")  # trusted local file


def test_real_counts_match_the_readme():
    loaded = _real()
    assert Counter(e.schema for e in loaded.entities) == {"Person": 985, "Organization": 384}
    assert loaded.problems == [] and loaded.version.entities == 1369
    assert (loaded.version.source, loaded.version.id, loaded.version.published) == ("ca", "ca_sema", None)
    assert loaded.version.names == sum(len(e.names()) for e in loaded.entities) == 1570
    records = _raw_records()
    assert sum(1 for r in records if r.findtext("Aliases")) == 99
    assert sum(1 for r in records if r.findtext("DateOfBirth")) == 212
    assert sum(1 for e in loaded.entities if e.birth_dates) == 212  # every DOB is ISO, all kept


def test_real_ids_are_unique_url_safe_and_follow_country_schedule_item():
    entities = _real().entities
    assert len({e.id for e in entities}) == len(entities)
    assert all(re.fullmatch(r"[A-Za-z0-9-]+", e.id) for e in entities)
    for record, entity in zip(_raw_records(), entities, strict=True):
        assert entity.id.endswith(f"-{record.findtext('Item')}")
    assert {"Russia-1-94", "Russia-1-Part-2-60", "Zimbabwe-1", "Venezuela-55", "JVCFOR-1-70"} <= {
        e.id for e in entities
    }


def test_real_names_programs_and_dates():
    entities = _real().entities
    for record, entity in zip(_raw_records(), entities, strict=True):
        last, given = (" ".join((record.findtext(t) or "").split()) for t in ("LastName", "GivenName"))
        if last and given:
            assert (entity.name, entity.natural_name) == (f"{last}, {given}", f"{given} {last}")
        elif not last:
            listed = " ".join(record.findtext("Entity").split())
            assert listed.startswith(entity.name) and listed[len(entity.name) :][:1] in ("", "/")
    programs = Counter(p for e in entities for p in e.programs)
    assert programs == {
        "SEMA Syria": 281,
        "SEMA Ukraine": 242,
        "SEMA Iran": 202,
        "SEMA Russia": 197,
        "SEMA Zimbabwe": 181,
        "SEMA Venezuela": 96,
        "SEMA Burma": 89,
        "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)": 70,
        "SEMA Nicaragua": 9,
        "SEMA South Sudan": 2,
    }
    assert Counter(len(e.birth_dates) for e in entities if e.birth_dates) == {1: 211, 2: 1}


def test_real_aliases():
    e = by_id(_real())
    irgc = e["Iran-1-136"]
    assert irgc.name == "Islamic Revolutionary Guard Corps"
    assert {
        "Corps des Gardiens de la Révolution islamique",
        "IRGC",
        "Sepah-e Pasdaran-e Enghelab-e Eslami",
        "GRI",
        "Pasdaran",
    } <= {a.name for a in irgc.aliases}
    baqiyatallah = {a.name for a in e["Iran-1-146"].aliases}
    assert "Baqiatollah Medical Sciences University" in baqiyatallah  # the stray comma
    assert not {"Baqiatollah", "Medical Sciences University"} & baqiyatallah
    akimov = e["Russia-1-94"]  # "AKIMOV, Andrey Igorevich", alias "Andrei"
    assert akimov.aliases == [
        Name(
            "AKIMOV, Andrei Igorevich",
            AKA,
            False,
            "Andrei Igorevich AKIMOV",
            {SURNAME: "AKIMOV", GIVEN: "Andrei Igorevich"},
        )
    ]
    assert [a.name for a in e["Russia-1-112"].aliases] == [
        "SALYAEV, Aleksei Mikhailovich",
        "Oleksii SALYAYEV",
        "SALIAIEV, Aleksey Mikhailovich",
    ]
    assert [a.name for a in e["Russia-2-5"].aliases] == ["Rosselkhozbank"]
    assert [a.name for a in e["Russia-1-Part-2-60"].aliases] == ["ZAO Interavtomatika (IA)"]
    # No alias of an individual is a lone given name or nickname, which would match anyone so named.
    assert not [a.name for x in e.values() if x.schema == "Person" for a in x.aliases if " " not in a.name]


def test_fixture_record_fields():
    loaded = load_source("ca", FIXTURE)
    e = by_id(loaded)
    assert [(p.line, p.reason) for p in loaded.problems] == [
        (34, "record without Country or Item"),
        (47, "duplicate id Iran-1-7 (Country, Schedule, Item)"),
    ]
    org = e["Iran-1-7"]
    assert (org.schema, org.name, org.programs) == ("Organization", "Example Research Centre", ["SEMA Iran"])
    assert [a.name for a in org.aliases] == [
        "Centre de recherche exemple",
        "ERC",
        "Examplar Research Centre",
        "Exemplar Research Centre",
        "Centre de recherche Exemplar",
        "Exemplar Institute",
    ]
    person = e["Russia-1-Part-2-12"]
    assert (person.name, person.natural_name) == ("EXAMPLOV, Andrey Petrovich", "Andrey Petrovich EXAMPLOV")
    assert person.aliases == [
        Name(
            "EXAMPLOV, Andrei Petrovich",
            AKA,
            False,
            "Andrei Petrovich EXAMPLOV",
            {SURNAME: "EXAMPLOV", GIVEN: "Andrei Petrovich"},
        ),
        Name(
            "EKZAMPLOV, Andrey Petrovich",
            AKA,
            False,
            "Andrey Petrovich EKZAMPLOV",
            {SURNAME: "EKZAMPLOV", GIVEN: "Andrey Petrovich"},
        ),
        Name("Andrii EGZAMPLOV", AKA),
    ]
    assert person.birth_dates == [BirthDate("1961-04-05"), BirthDate("1962")]
    general = e["Syria-2-3"]
    assert (general.name, general.titles, [a.name for a in general.aliases]) == (
        "Example, Samir",
        ["Major General"],
        ["Abou Sami"],
    )
    assert (e["Zimbabwe-4"].name, e["Zimbabwe-4"].natural_name) == ("Exemplo", None)
    assert e["JVCFOR-1-1"].programs == [
        "Justice for Victims of Corrupt Foreign Officials Regulations (JVCFOR)"
    ]


NEWER = """<?xml version="1.0" encoding="UTF-8"?>
<data-set>
  <record>
    <Country-Pays>Russia / Russie</Country-Pays>
    <EntityOrShip-EntiteOuNavire>EXAMPLE TANKER</EntityOrShip-EntiteOuNavire>
    <TitleOrShipType-TitreOuTypeDeNavire>Oil tanker</TitleOrShipType-TitreOuTypeDeNavire>
    <ShipIMONumber-NumeroOMIDuNavire>9123456</ShipIMONumber-NumeroOMIDuNavire>
    <Schedule-Annexe>1, Part 3</Schedule-Annexe>
    <Item-NumeroDarticle>5</Item-NumeroDarticle>
    <DateOfListing-DateDinscription>2024-02-24</DateOfListing-DateDinscription>
  </record>
  <record>
    <Country>Belarus</Country>
    <LastName>Examplevich</LastName>
    <GivenName>Ivan</GivenName>
    <DateOfBirthOrShipBuildDate>1971-02-03</DateOfBirthOrShipBuildDate>
    <Schedule>1, Part 1</Schedule>
    <Item>1</Item>
    <DateOfListing>2020-09-28</DateOfListing>
  </record>
</data-set>"""


def test_newer_element_names(tmp_path):
    path = tmp_path / "sema-lmes.xml"
    path.write_text(NEWER, encoding="utf-8")
    e = by_id(load_source("ca", path))
    ship = e["Russia-1-Part-3-5"]
    assert (ship.schema, ship.name, ship.listed_on) == ("Vessel", "EXAMPLE TANKER", "2024-02-24")
    assert ship.vessel == Vessel(imo="9123456", type="Oil tanker") and ship.birth_dates == []
    person = e["Belarus-1-Part-1-1"]
    assert (person.birth_dates, person.listed_on, person.programs) == (
        [BirthDate("1971-02-03")],
        "2020-09-28",
        ["SEMA Belarus"],
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"<data-set><record><Country>Iran</Country>", "not well-formed"),
        (b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", "not the Canadian SEMA list"),
        (
            b"<data-set><record><Country>Iran</Country><Item>1</Item></record></data-set>",
            "no usable <record>",
        ),
        (BILLION_LAUGHS.replace(b"CONSOLIDATED_LIST", b"data-set"), "unsafe XML"),
        (
            b'<?xml version="1.0"?><!DOCTYPE data-set [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
            b"<data-set><record><Country>&xxe;</Country><Item>1</Item><Entity>A</Entity></record></data-set>",
            "unsafe XML",
        ),
    ],
)
def test_unusable_files_are_refused_with_the_reason(tmp_path, data, message):
    path = tmp_path / "sema-lmes.xml"
    path.write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(ListError, match=message):
        load_source("ca", path)
    assert time.perf_counter() - start < 2


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="orinoco")
    lists_cmd.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def test_registry_entry():
    spec = next(s for s in load_registry(DEFAULT_REGISTRY) if s.id == "ca_sema")
    assert (spec.parser, spec.entry, spec.reference, spec.publisher) == (
        "ca",
        "sema-lmes.xml",
        CA_2020,
        "Global Affairs Canada",
    )
    assert [(f.name, f.required) for f in spec.files] == [("sema-lmes.xml", True)]
    assert spec.files[0].url.startswith("https://www.international.gc.ca/") and spec.files[0].url.endswith(
        "/sanctions/sema-lmes.xml"
    )


def test_lists_update_import_and_show(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    routes = {"/sema-lmes.xml": (FIXTURE.read_bytes(), "ok")}
    with http_server(routes) as base_url:
        registry = tmp_path / "sources.toml"
        registry.write_text(
            f'[[list]]\nid = "ca_sema"\nparser = "ca"\nentry = "sema-lmes.xml"\nfiles = [\n'
            f'  {{ name = "sema-lmes.xml", url = "{base_url}/sema-lmes.xml" }},\n]\n',
            encoding="utf-8",
        )
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 0
        [updated] = json.loads(capsys.readouterr().out)
        assert (updated["id"], updated["status"], updated["version"]["entities"]) == ("ca_sema", "updated", 5)
        routes["/sema-lmes.xml"] = (FIXTURE.read_bytes(), "truncated")
        assert run(["lists", "update", "--json", "--sources", str(registry), "--timeout", "5"]) == 1
        assert json.loads(capsys.readouterr().out)[0]["status"] == "failed"
    assert run(["lists", "import", "ca", str(FIXTURE), "--id", "ca_copy", "--json"]) == 0
    [imported] = json.loads(capsys.readouterr().out)
    assert (imported["status"], imported["skipped_rows"]) == ("updated", 2)
    assert run(["lists", "show", "--json"]) == 0  # both from the cache
    shown = json.loads(capsys.readouterr().out)
    assert {v["id"]: v["entities"] for v in shown} == {"ca_sema": 5, "ca_copy": 5}
    assert run(["lists", "show", "--json", "--list", f"ca={FIXTURE}"]) == 0  # what `serve --list` loads
    assert [(v["id"], v["source"]) for v in json.loads(capsys.readouterr().out)] == [("ca_sema", "ca")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.integers(min_value=0, max_value=len(FIXTURE.read_bytes()) - 20))
def test_a_file_cut_anywhere_is_refused(tmp_path, cut):
    path = tmp_path / "sema-lmes.xml"
    path.write_bytes(FIXTURE.read_bytes()[:cut])
    with pytest.raises(ListError):
        load_source("ca", path)
