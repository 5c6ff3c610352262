"""Resolution of the real OFAC SDN 2021 and UN 2026 lists: the links that must and must not exist."""

from __future__ import annotations

import pytest
from lists_support import OFAC_2021, UN_2026, reference_path

from service.engine.screener import Screener
from service.lists import load_source
from service.resolve import Resolution, resolve
from service.resolve.agreement import Agreement, birth_agreement
from service.resolve.rules import LINK_POINTS


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> tuple[Resolution, dict]:
    lists = [load_source("ofac", reference_path(OFAC_2021)), load_source("un", reference_path(UN_2026))]
    screener = Screener.from_lists(lists, tmp_path_factory.mktemp("index"))
    entities = {(e.list_id, e.id): e for lst in lists for e in lst.entities}
    return resolve(lists, screener), entities


def test_un_individual_sharing_a_passport_with_an_sdn_entry_is_one_cluster(resolved):
    resolution, _ = resolved
    cluster = resolution.cluster_of("un_sc", "110408")  # QASEM SOLEIMANI, passport 008827
    assert cluster is not None and ("ofac_sdn", "10481") in cluster.members
    link = next(x for x in cluster.links if {x.a, x.b} == {("ofac_sdn", "10481"), ("un_sc", "110408")})
    assert link.by_identifier and any("008827" in ev for ev in link.evidence)
    assert resolution.also_listed_on("ofac_sdn", "10481") == [{"list": "un_sc", "entity_id": "110408"}]


@pytest.mark.parametrize(
    ("ofac_id", "un_id"),
    [
        ("12211", "6908511"),  # KIM, Yong Chol (born 1946/47) and KIM YONG CHOL (born 1962)
        ("7880", "6908111"),  # Barzan Ibrahim Hasan AL-TIKRITI (1951) and his son Ali Barzan (1981)
        ("15769", "6908554"),  # PAK, To-Chun (1944) and PAK CHUN IL (1954)
    ],
)
def test_namesakes_with_different_birth_dates_stay_apart(resolved, ofac_id, un_id):
    resolution, entities = resolved
    assert birth_agreement(entities[("ofac_sdn", ofac_id)], entities[("un_sc", un_id)]) is Agreement.CONFLICT
    cluster = resolution.cluster_of("un_sc", un_id)
    assert cluster is None or ("ofac_sdn", ofac_id) not in cluster.members


def test_every_cluster_obeys_the_merge_rules(resolved):
    resolution, entities = resolved
    assert len(resolution.clusters) > 500  # most UN listings are on the SDN list too
    for cluster in resolution.clusters:
        lists = [m[0] for m in cluster.members]
        assert len(lists) == len(set(lists)), cluster.members  # neither list relists a party
        assert all(link.points >= LINK_POINTS for link in cluster.links)
        persons = [entities[m] for m in cluster.members if entities[m].schema == "Person"]
        assert all(birth_agreement(a, b) is not Agreement.CONFLICT for a in persons for b in persons)
        assert len({entities[m].schema for m in cluster.members}) == 1
