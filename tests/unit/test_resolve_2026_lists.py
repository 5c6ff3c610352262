"""Cross-list resolution with the 2026 lists: real records of the UK Sanctions List, the EU FSF, SECO
and US CSL excerpts end in one cluster with the same party's real OFAC SDN record."""

from __future__ import annotations

import pytest
from lists_support import OFAC_2021, reference_path

from service.engine.screener import Screener
from service.lists import load_source
from service.resolve import Resolution, resolve


@pytest.fixture(scope="module")
def resolved(tmp_path_factory) -> Resolution:
    lists = [
        load_source("ofac", reference_path(OFAC_2021)),
        load_source("uk", reference_path("uk_fcdo_sample/uk_sample.xml")),
        load_source("eu", reference_path("eu_fsf_sample/eu_sample.xml")),
        load_source("ch", reference_path("ch_seco_sample/ch_sample.xml")),
        load_source("us_csl", reference_path("us_csl_sample/csl.csv")),
    ]
    return resolve(lists, Screener.from_lists(lists, tmp_path_factory.mktemp("index")))


@pytest.mark.parametrize(
    ("member", "ofac_id", "evidence"),
    [
        (("uk_fcdo", "AQD0128"), "10728", "birth years agree"),  # AL-MAZIDIH, Akram Turki Hishan
        (("eu_fsf", "13"), "7843", "same birth date"),  # Saddam Hussein Al-Tikriti
        (("eu_fsf", "191"), "6928", "same birth date"),  # Khalid Sheikh Mohammed
        (("ch_seco", "34461"), "17087", "same IMO number 8405270"),  # the vessel HUI CHON
        (
            ("us_csl", "20264"),
            "20264",
            "name similarity 1.00",
        ),  # the CSL's copy of an SDN entry (its ent_num)
        (("us_csl", "15205"), "15205", "birth years agree"),  # AHED AL-ZOUBI, Omran
    ],
)
def test_a_new_list_record_and_its_ofac_record_are_one_cluster(resolved, member, ofac_id, evidence):
    cluster = resolved.cluster_of(*member)
    assert cluster is not None and ("ofac_sdn", ofac_id) in cluster.members
    link = next(x for x in cluster.links if {x.a, x.b} == {member, ("ofac_sdn", ofac_id)})
    assert evidence in link.evidence
    assert {"list": member[0], "entity_id": member[1]} in resolved.also_listed_on("ofac_sdn", ofac_id)


def test_delisted_swiss_targets_are_in_no_cluster(resolved):
    assert all(
        m[0] != "ch_seco" or m[1] not in {"5142", "5816", "5374"}
        for c in resolved.clusters
        for m in c.members
    )
