"""The parsers keep which words of a listed person's name are given names and which the surname
(``Name.parts``), and the index turns them into token roles the calibrated score uses."""

from __future__ import annotations

import numpy as np
import pytest
from lists_support import FIXTURES, by_id, reference_path
from test_lists_uk import _load_rows, fixture_rows

from service.engine.index import ROLE_GIVEN, ROLE_INITIALS, ROLE_SURNAME, ROLE_WHOLE, build_index
from service.engine.model import GIVEN, SURNAME, Entity, ListVersion, LoadedList, Name
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
