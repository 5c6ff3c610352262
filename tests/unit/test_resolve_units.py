"""Entity resolution's parts on hand-made records: numbers, date agreement, the rules, the merge."""

from __future__ import annotations

import pytest

from service.engine.countries import country_code
from service.engine.model import BirthDate, Document, Entity, Vessel
from service.resolve.agreement import Agreement, birth_agreement, country_agreement
from service.resolve.clusters import RELISTED, Link, build_clusters, cluster_id, relistings
from service.resolve.identifiers import identifiers, number_keys, same_document
from service.resolve.rules import decide


def person(list_id: str, id_: str, *dates: str, nat: str | None = None, docs=(), name="X") -> Entity:
    return Entity(
        id_,
        list_id,
        "Person",
        name,
        birth_dates=[BirthDate(d) for d in dates],
        nationalities=[nat] if nat else [],
        documents=list(docs),
    )


@pytest.mark.parametrize(
    ("number", "keys"),
    [
        ("OB 0243318", {"OB0243318", "0243318"}),  # written with a space: whole and the numeric word
        ("ob-0243318", {"OB0243318"}),
        ("CAR diplomatic passport no. D00000898", {"D00000898"}),  # prose around the number
        ("1-78-09-44621-80", {"178094462180"}),
        ("92/664", set()),  # too short to identify anyone
        ("approx 2006", set()),
    ],
)
def test_number_keys(number, keys):
    assert number_keys(number) == keys


def test_identifiers_skip_descriptive_types_and_take_vessel_imo():
    e = Entity(
        "1",
        "l",
        "Vessel",
        "SHIP",
        vessel=Vessel(imo="9187629"),
        documents=[
            Document("Secondary sanctions risk:", "Section 1(b) of Executive Order 13224, 2019"),
            Document("SWIFT/BIC", "HAVIGB2L"),
            Document("Passport", "A1234567", "Iran"),
        ],
    )
    found = {i.key: i for i in identifiers(e)}
    assert set(found) == {"9187629", "HAVIGB2L", "A1234567"}
    assert found["A1234567"].country == "IR"


def test_same_number_from_different_countries_is_not_one_document():
    a = identifiers(person("a", "1", docs=[Document("Passport", "A1234567", "Iran")]))[0]
    b = identifiers(person("b", "2", docs=[Document("Passport", "A1234567", "Iraq")]))[0]
    c = identifiers(person("c", "3", docs=[Document("Passport", "A 1234567")]))
    assert not same_document(a, b)
    assert any(same_document(a, x) for x in c)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (["1974-11-12"], ["1974-11-12"], Agreement.SAME_DATE),
        (["1974-11-12"], ["1974"], Agreement.SAME_YEAR),
        (["1974-11-12"], ["1974-03-01"], Agreement.SAME_YEAR),
        (["1975"], ["1974-03-01"], Agreement.NEAR),  # a year apart: a typo or an approximation
        (["1951-02-17"], ["1981-04-18"], Agreement.CONFLICT),
        (["1951", "1981"], ["1981-04-18"], Agreement.SAME_YEAR),  # any listed date may agree
        ([], ["1981"], Agreement.UNKNOWN),
    ],
)
def test_birth_agreement(a, b, expected):
    assert birth_agreement(person("a", "1", *a), person("b", "2", *b)) is expected


def test_birth_ranges_and_circa_widen_the_span():
    ranged = Entity("1", "a", "Person", "X", birth_dates=[BirthDate("1955", end="1958")])
    circa = Entity("2", "b", "Person", "X", birth_dates=[BirthDate("1960", circa=True)])
    assert birth_agreement(ranged, person("c", "3", "1957")) is Agreement.SAME_YEAR
    assert birth_agreement(circa, person("c", "3", "1961")) is Agreement.SAME_YEAR
    assert birth_agreement(ranged, circa) is Agreement.NEAR


def test_countries_compare_by_iso_code():
    assert country_agreement(person("a", "1", nat="Syria"), person("b", "2", nat="Syrian Arab Republic"))
    assert country_agreement(person("a", "1", nat="Iran"), person("b", "2", nat="Iraq")) is False
    assert country_agreement(person("a", "1"), person("b", "2", nat="Iraq")) is None


def test_an_exact_name_never_links_persons_whose_birth_dates_conflict():
    a, b = person("a", "1", "1951", nat="Iraq"), person("b", "2", "1981", nat="Iraq")
    assert not decide(a, b, 1.0, []).linked
    assert decide(person("a", "1", "1981"), b, 1.0, []).linked


def test_rules_need_more_name_the_less_else_agrees():
    dob = person("a", "1", "1970-01-02"), person("b", "2", "1970-01-02")
    assert decide(*dob, 0.72, []).linked  # same full date
    assert not decide(person("a", "1"), person("b", "2"), 0.9, []).linked  # name alone, not exact
    assert decide(person("a", "1", nat="Iraq"), person("b", "2", nat="Iraq"), 0.93, []).linked
    assert not decide(person("a", "1", nat="Iran"), person("b", "2", nat="Iraq"), 1.0, []).linked


def test_a_shared_number_links_with_a_weak_name_but_not_with_none():
    doc = Document("Passport", "A1234567")
    a, b = person("a", "1", docs=[doc]), person("b", "2", docs=[doc])
    shared = identifiers(a)
    linked = decide(a, b, 0.45, shared)
    assert linked.linked and "same Passport number A1234567" in linked.evidence
    assert not decide(a, b, 0.2, shared).linked


def test_schemas_must_agree():
    org = Entity("2", "b", "Organization", "X")
    assert not decide(person("a", "1"), org, 1.0, []).linked


def test_merge_keeps_one_record_per_list_and_refuses_conflicting_chains():
    ents = {
        ("a", "1"): person("a", "1", "1950"),
        ("b", "1"): person("b", "1"),
        ("c", "1"): person("c", "1", "1990"),
        ("a", "2"): person("a", "2"),
    }
    links = [
        Link(("a", "1"), ("b", "1"), 1.2, [], False),
        Link(("b", "1"), ("c", "1"), 1.1, [], False),
        Link(("a", "2"), ("b", "1"), 1.05, [], False),
    ]
    clusters, refused = build_clusters(links, ents)
    # a:1-b:1 merge first; c:1 was born 40 years after a:1, a:2 is a second record of list a
    assert [c.members for c in clusters] == [[("a", "1"), ("b", "1")]]
    assert refused == 2
    assert clusters[0].id == cluster_id([("b", "1"), ("a", "1")])  # order-free, stable id


def test_a_list_naming_one_party_under_two_programmes_is_one_cluster_with_its_other_listings():
    def listed(list_id, id_, programs, *dates, name="EL AISSAMI MADDAH, Tareck Zaidan"):
        e = person(list_id, id_, *dates, name=name)
        e.programs = programs
        return e

    ents = {
        ("ca", "V-4"): listed("ca", "V-4", ["Venezuela"]),
        ("ca", "J-2"): listed("ca", "J-2", ["JVCFOR"]),
        ("ca", "J-3"): listed("ca", "J-3", ["JVCFOR"]),  # J-2's programme again: a second party
        ("ca", "V-9"): listed("ca", "V-9", ["Venezuela"], "1950", name="Tareck Zaidan EL AISSAMI MADDAH"),
        ("ca", "X-1"): listed("ca", "X-1", ["Other"], "1990"),  # born 40 years after V-9
        ("ofac", "1"): listed("ofac", "1", ["VENEZUELA"], "1974"),
    }
    assert [(x.a, x.b) for x in relistings(ents)] == [
        (("ca", "J-2"), ("ca", "V-4")),
        (("ca", "J-2"), ("ca", "V-9")),
        (("ca", "J-2"), ("ca", "X-1")),
        (("ca", "J-3"), ("ca", "V-4")),
        (("ca", "J-3"), ("ca", "V-9")),
        (("ca", "J-3"), ("ca", "X-1")),
        (("ca", "V-4"), ("ca", "X-1")),
        (("ca", "V-9"), ("ca", "X-1")),  # the merge checks birth dates
    ]
    clusters, refused = build_clusters([Link(("ca", "J-2"), ("ofac", "1"), 1.1, [], False)], ents)
    # J-2 + V-4, then X-1 joins them; V-9 shares V-4's programme and J-3 J-2's, so they pair up
    # apart; and the OFAC record (born 1974) cannot join X-1 (born 1990).
    members = sorted(c.members for c in clusters)
    assert members == [
        [("ca", "J-2"), ("ca", "V-4"), ("ca", "X-1")],
        [("ca", "J-3"), ("ca", "V-9")],
    ]
    assert all(link.evidence == [RELISTED] for c in clusters for link in c.links)
    assert refused == 5


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Russian Federation", "RU"),
        ("Russia", "RU"),
        ("Russian", "RU"),
        ("Syrian Arab Republic", "SY"),
        ("Iran (Islamic Republic of)", "IR"),
        ("Iranian", "IR"),
        ("Iraqi", "IQ"),
        ("Ukrainian", "UA"),
        ("Malian", "ML"),
        ("Chinese", "CN"),
        ("Afghan", "AF"),
        ("Democratic People's Republic of Korea", "KP"),
        ("(1) Syria", "SY"),
        ("VE", "VE"),
        ("Korean", None),
        ("former Soviet Union", None),
        ("", None),
    ],
)
def test_country_codes_from_names_codes_and_demonyms(text, code):
    assert country_code(text) == code
