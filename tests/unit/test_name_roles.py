"""The parsers keep which words of a listed person's name are given names and which the surname
(``Name.parts``), and the index turns them into token roles the calibrated score uses."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from lists_support import FIXTURES, by_id, reference_path
from test_lists_uk import _load_rows, fixture_rows

from service.engine.index import ROLE_GIVEN, ROLE_INITIALS, ROLE_SURNAME, ROLE_WHOLE, build_index
from service.engine.model import (
    GIVEN,
    ORIGINAL_SCRIPT,
    PRIMARY,
    SURNAME,
    Entity,
    ListVersion,
    LoadedList,
    Name,
)
from service.engine.screener import Query, Screener
from service.lists import load_source


def test_ofac_csv_last_comma_first():
    e = by_id(load_source("ofac", FIXTURES / "ofac"))
    person = e["101"]
    assert person.names()[0].parts == {SURNAME: "ZAMORA VELEZ", GIVEN: "Ana Lucia"}
    assert {a.name: a.parts for a in person.aliases}["ZAMORA, Ana"] == {SURNAME: "ZAMORA", GIVEN: "Ana"}
    assert e["102"].names()[0].parts == {}  # an organization's name has no roles
    assert all(a.parts == {} for a in e["102"].aliases)


def test_ofac_xml_last_and_first_name_fields():
    loaded = load_source("ofac_cons", FIXTURES / "ofac_cons" / "consolidated.xml")
    people = [e for e in loaded.entities if e.schema == "Person"]
    assert people
    for person in people:
        for name in person.names():
            last, sep, first = name.name.partition(",")
            assert name.parts == ({SURNAME: last.strip(), GIVEN: first.strip()} if sep else {})


def test_un_first_name_is_given_the_rest_family():
    e = by_id(load_source("un", FIXTURES / "un" / "consolidated.xml"))
    assert e["900001"].names()[0].parts == {GIVEN: "ABDUL", SURNAME: "KARIM EXAMPLE NAZARI"}
    assert all(a.parts == {} for a in e["900001"].aliases)  # UN aliases are one string


def test_uk_name_columns(tmp_path):
    person = by_id(_load_rows(tmp_path, fixture_rows()))["900001"]
    assert person.names()[0].parts == {SURNAME: "EXAMPLE", GIVEN: "Ivan Petrovich"}
    assert {a.name: a.parts for a in person.aliases}["EXAMPLOV, Ivan"] == {SURNAME: "EXAMPLOV", GIVEN: "Ivan"}


def test_ca_last_and_given_name_columns():
    loaded = load_source("ca", FIXTURES / "ca" / "sema-lmes.xml")
    person = next(e for e in loaded.entities if e.name.startswith("EXAMPLOV"))
    assert person.names()[0].parts == {SURNAME: "EXAMPLOV", GIVEN: "Andrey Petrovich"}


def test_au_upper_case_surname_or_last_comma_first():
    loaded = load_source("au", reference_path("au_dfat_2024-11/regulation8_consolidated.xlsx"))
    names = {n.name: n.parts for e in loaded.entities if e.schema == "Person" for n in e.names()}
    assert names["Miguel Antonio Larios MORENO"] == {SURNAME: "MORENO", GIVEN: "Miguel Antonio Larios"}
    assert names["Eric BADEGE"] == {SURNAME: "BADEGE", GIVEN: "Eric"}
    assert names["John"] == {}  # one word: a whole name, no roles
    with_roles = [p for p in names.values() if p]
    assert len(with_roles) > len(names) / 3  # the rest: one case only, another script, one word


def _one(entity: Entity) -> LoadedList:
    return LoadedList(ListVersion("t", "custom", None, "0" * 64, 1, 1, "now"), [entity])


def _roles(index, name_no: int = 0) -> list[list[tuple[str, int]]]:
    out = []
    for v in np.flatnonzero(index.var_name == name_no):
        lo, hi = index.var_ptr[v], index.var_ptr[v + 1]
        out.append(
            [
                (str(index.vocab[t]), int(r))
                for t, r in zip(index.var_tok[lo:hi], index.var_role[lo:hi], strict=True)
            ]
        )
    return out


def test_index_token_roles():
    person = Entity(
        "1",
        "t",
        "Person",
        "GARCIA LOPEZ Juan Carlos",
        name_parts={SURNAME: "GARCIA LOPEZ", GIVEN: "Juan Carlos"},
        aliases=[Name("PEREZ, Ana"), Name("ZORRO")],
    )
    index = build_index([_one(person)])
    assert dict(_roles(index, 0)[0]) == {
        "garcia": ROLE_SURNAME,
        "lopez": ROLE_SURNAME,
        "juan": ROLE_GIVEN,
        "carlos": ROLE_GIVEN,
    }
    assert dict(_roles(index, 1)[0]) == {"perez": ROLE_SURNAME, "ana": ROLE_GIVEN}  # the comma says so
    assert _roles(index, 2) == [[("zorro", ROLE_WHOLE)]]


def test_index_marks_engine_made_initials():
    org = Entity("o", "t", "Organization", "SANTA MARIA INTERNATIONAL TRADING CORP.")
    roles = _roles(build_index([_one(org)]))
    assert [("smit", ROLE_INITIALS)] in roles or any(r[0][1] == ROLE_INITIALS for r in roles if len(r) == 1)
    assert all(role != ROLE_INITIALS for r in roles if len(r) > 1 for _, role in r)


@pytest.mark.parametrize("schema", ["Organization", "Vessel"])
def test_no_roles_outside_persons(schema):
    index = build_index([_one(Entity("1", "t", schema, "STAR, Ocean"))])
    assert not np.isin(index.var_role, [ROLE_GIVEN, ROLE_SURNAME]).any()


# The 2026 formats, on their real samples (``reference_lists/*_sample``).


def _parts(loaded: LoadedList, entity_id: str) -> dict[str, dict[str, str]]:
    return {n.name: n.parts for n in by_id(loaded)[entity_id].names()}


def test_uk_sanctions_list_name6_is_the_surname():
    loaded = load_source("uk", reference_path("uk_fcdo_sample/uk_sample.xml"))
    mansur = _parts(loaded, "AFG0011")
    assert mansur["MANSUR, ABDUL LATIF"] == {SURNAME: "MANSUR", GIVEN: "ABDUL LATIF"}
    assert mansur["MOHAMMAD, Wali"] == {SURNAME: "MOHAMMAD", GIVEN: "Wali"}
    assert mansur["عبد اللطيف منصور"] == {}  # the non-Latin name is one string
    akram = _parts(loaded, "AQD0128")
    assert akram["AL-MAZIDIH, AKRAM TURKI HISHAN"] == {SURNAME: "AL-MAZIDIH", GIVEN: "AKRAM TURKI HISHAN"}
    assert akram["Jarrah, Abu"] == {SURNAME: "Jarrah", GIVEN: "Abu"}
    for entity_id in ("AQD0377", "DPR0075"):  # an entity, a ship: Name6 is the whole name
        assert all(p == {} for p in _parts(loaded, entity_id).values())


def test_eu_name_alias_first_middle_last():
    loaded = load_source("eu", reference_path("eu_fsf_sample/eu_sample.xml"))
    saddam = _parts(loaded, "13")
    assert saddam["Saddam Hussein Al-Tikriti"] == {SURNAME: "Hussein Al-Tikriti", GIVEN: "Saddam"}
    assert saddam["Abu Ali"] == {}  # wholeName only
    khalid = _parts(loaded, "191")
    assert khalid["Khalid Sheikh MOHAMMED"] == {SURNAME: "MOHAMMED", GIVEN: "Khalid Sheikh"}
    assert khalid["Wadood Khalid Abdul"] == {}
    assert all(p == {} for p in _parts(loaded, "330").values())  # an enterprise


def test_seco_name_part_types():
    loaded = load_source("ch", reference_path("ch_seco_sample/ch_sample.xml"))
    zamulevich = _parts(loaded, "85396")
    assert zamulevich["Zamulevich, Dzmitry Mihaylavych"] == {
        SURNAME: "Zamulevich",
        GIVEN: "Dzmitry Mihaylavych",  # the father's name with the given names, as OFAC and OFSI
    }
    assert zamulevich["ЗАМУЛЕВИЧ, Дмитрий Михайлович"] == {SURNAME: "ЗАМУЛЕВИЧ", GIVEN: "Дмитрий Михайлович"}
    vorontsova = _parts(loaded, "52941")
    assert vorontsova["Vorontsova, Maria Vladimirovna"] == {
        SURNAME: "Vorontsova",
        GIVEN: "Maria Vladimirovna",
    }
    assert vorontsova["Putina"] == {}  # a maiden name alone
    assert vorontsova["Mariya Vorontsova"] == {}  # a whole-name part: no roles


def test_us_csl_treasury_rows_comma_or_case_other_lists_whole():
    csl = load_source("us_csl", reference_path("us_csl_sample/csl.csv"))
    jawad = by_id(csl)["9696"]  # Palestinian Legislative Council List, "LAST, First"
    assert jawad.names()[0].parts == {SURNAME: "ABDUL JAWAD", GIVEN: "Naser"}
    assert jawad.natural_name == "Naser ABDUL JAWAD"
    assert _parts(csl, "9696")["ABDEL JAWAD, Nasir Abdullah Odeh"] == {
        SURNAME: "ABDEL JAWAD",
        GIVEN: "Nasir Abdullah Odeh",
    }
    others = {e.name: e.name_parts for e in csl.entities if e.schema == "Person"}
    assert others["A.H. Shamnad"] == {} and others["Guadalupe Edgar Lucio-Amador"] == {}  # BIS, State
    current = by_id(load_source("us_csl", reference_path("us_csl_sample/consolidated_cslustest.csv")))
    assert current["26182"].name_parts == {SURNAME: "KAYAKIRAN", GIVEN: "Evren"}  # "Evren KAYAKIRAN"
    assert current["52291"].name_parts == {SURNAME: "RIM", GIVEN: "Ryong Nam"}


def test_us_dpl_whole_names_roles_only_from_a_comma():
    loaded = load_source("us_dpl", reference_path("us_csl_sample/dpl.txt"))
    people = {e.name: (e.name_parts, e.natural_name) for e in loaded.entities if e.schema == "Person"}
    assert people["JIN, ZHONGDA"] == ({SURNAME: "JIN", GIVEN: "ZHONGDA"}, "ZHONGDA JIN")
    assert people["ALEXANDER M. ROVEGNO"] == ({}, None)  # capitals throughout: no surname marked
    assert people["JOEL PRADO, JR."] == ({}, None)


def test_ftm_name_part_properties_in_and_out(tmp_path):
    model = pytest.importorskip("followthemoney").model
    from service.lists.ftm import export_entities

    uk = load_source("uk", reference_path("uk_fcdo_sample/uk_sample.xml"))
    out = tmp_path / "uk.ftm.json"
    exported = list(export_entities([uk]))
    out.write_text("".join(json.dumps(e) + "\n" for e in exported), encoding="utf-8")
    akram = next(e for e in exported if e["id"] == "uk-fcdo-AQD0128")
    assert model.get_proxy(akram).get("lastName") == ["AL-MAZIDIH", "Akram", "Al-Hishan", "Jarrah"]
    back = load_source("ftm", out)
    original = {n.name: n.parts for e in uk.entities for n in e.names()}
    again = {n.name: n.parts for e in back.entities for n in e.names()}
    assert again == original  # every name keeps its roles through FtM
    ivan = {
        "id": "p1",
        "schema": "Person",
        "properties": {
            "name": ["Иван Петрович Сидоров", "Ivan Petrovich Sidorov", "Sidorov Ivan"],
            "alias": ["Vanya"],
            "firstName": ["Ivan"],
            "fatherName": ["Petrovich"],
            "lastName": ["Sidorov"],
        },
    }
    (tmp_path / "p.json").write_text(json.dumps(ivan) + "\n", encoding="utf-8")
    names = load_source("ftm", tmp_path / "p.json").entities[0].names()
    assert {n.name: n.parts for n in names} == {
        "Ivan Petrovich Sidorov": {SURNAME: "Sidorov", GIVEN: "Ivan Petrovich"},
        "Иван Петрович Сидоров": {},  # the parts are written in Latin letters
        "Sidorov Ivan": {SURNAME: "Sidorov", GIVEN: "Ivan"},
        "Vanya": {},
    }
    assert [(n.name, n.kind) for n in names[:2]] == [
        ("Ivan Petrovich Sidorov", PRIMARY),  # the first Latin name, not the first name
        ("Иван Петрович Сидоров", ORIGINAL_SCRIPT),
    ]


def test_new_formats_roles_reach_the_index():
    loaded = load_source("eu", reference_path("eu_fsf_sample/eu_sample.xml"))
    index = build_index([loaded])
    roles = dict(_roles(index, 0)[0])  # Saddam Hussein Al-Tikriti, the first name of the first record
    assert roles["saddam"] == ROLE_GIVEN
    assert roles["tikriti"] == ROLE_SURNAME


def test_new_formats_roles_reach_the_calibrated_score():
    """EU 191 "Khalid Sheikh MOHAMMED" (firstName "Khalid Sheikh", lastName "MOHAMMED"): the given
    names alone are weak evidence once the list says which they are, the surname with a given name
    stronger; the same file with its roles dropped scores both as one unstructured name."""
    loaded = load_source("eu", reference_path("eu_fsf_sample/eu_sample.xml"))
    bare = copy.deepcopy(loaded)
    for entity in bare.entities:
        entity.name_parts = {}
        for alias in entity.aliases:
            alias.parts = {}

    def score(lists: LoadedList, query: str) -> float:
        matches = (
            Screener.from_lists([lists]).screen([Query(query, "Person")], limit=1, threshold=0.0)[0].matches
        )
        assert matches and matches[0].entity_id == "191"
        return matches[0].score

    assert score(loaded, "Khalid Sheikh") < score(bare, "Khalid Sheikh") - 0.3
    assert score(loaded, "Mohammed Khalid") > score(bare, "Mohammed Khalid")
