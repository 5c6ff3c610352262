"""The lists a bank screens in 2026, parsed from the real excerpts in ../shared/reference_lists
(each folder's README says where every record comes from): UK Sanctions List (FCDO XML), EU FSF
XML, Swiss SECO XML, US Consolidated Screening List (both CSV layouts) and BIS Denied Persons List.
"""

from __future__ import annotations

import pytest
from lists_support import by_id, reference_path

from service.engine.model import AKA, FKA, ORIGINAL_SCRIPT, Address, BirthDate, Document, LoadedList
from service.lists import load_source

UK = "uk_fcdo_sample/uk_sample.xml"
EU = "eu_fsf_sample/eu_sample.xml"
CH = "ch_seco_sample/ch_sample.xml"
CSL = "us_csl_sample/consolidated_cslustest.csv"
CSL_OLD = "us_csl_sample/csl.csv"
DPL = "us_csl_sample/dpl.txt"


def load(source: str, relative: str) -> LoadedList:
    return load_source(source, reference_path(relative))


def kinds(entity) -> dict[str, tuple[str, bool]]:
    return {n.name: (n.kind, n.weak) for n in entity.aliases}


def test_uk_sanctions_list_version_and_records():
    loaded = load("uk", UK)
    version = loaded.version
    assert (version.id, version.source, version.published) == ("uk_fcdo", "uk", "2026-08-14")
    assert loaded.version.entities == 4  # the fifth, synthetic Designation has no UniqueID
    assert [(p.line, p.reason) for p in loaded.problems] == [(353, "Designation without UniqueID")]
    assert len(loaded.version.sha256) == 64


def test_uk_individual_names_dates_documents():
    mansur = by_id(load("uk", UK))["AFG0011"]
    assert (mansur.schema, mansur.name, mansur.natural_name) == (
        "Person",
        "MANSUR, ABDUL LATIF",
        "ABDUL LATIF MANSUR",
    )
    assert kinds(mansur) == {
        "MANSOOR, Abdul Latif": (AKA, False),
        "MOHAMMAD, Wali": (AKA, False),
        "عبد اللطيف منصور": (ORIGINAL_SCRIPT, False),
    }
    assert mansur.birth_dates == [BirthDate("1968"), BirthDate("1967-11-12")]  # the duplicate DOB once
    assert mansur.nationalities == ["Afghanistan"]
    assert [d.number for d in mansur.documents] == ["D0009720", "D0010442"]  # leading space stripped
    assert mansur.places_of_birth[0] == "Zurmat District, Paktia Province, Afghanistan"
    assert mansur.addresses == [Address(street="Darul Aman, Kabul", country="Afghanistan")]
    assert mansur.programs == ["The Afghanistan (Sanctions) (EU Exit) Regulations 2020"]
    assert (mansur.listed_on, mansur.reference) == ("2001-01-31", "TAi.007")


def test_uk_lower_case_primary_name_weak_aliases_and_leading_zeros():
    akram = by_id(load("uk", UK))["AQD0128"]
    assert akram.name == "AL-MAZIDIH, AKRAM TURKI HISHAN"  # NameType "Primary name"
    assert kinds(akram)["Akram, Abu"] == (AKA, True) and kinds(akram)["Jarrah, Abu"] == (AKA, True)
    assert kinds(akram)["Al-Hishan, Akram Turki"] == (AKA, False)
    assert BirthDate("1958-09") in akram.birth_dates and BirthDate("1985") in akram.birth_dates
    assert akram.documents == [Document("National ID", "0075258", note="Ration card no.")]


def test_uk_entity_and_ship():
    records = by_id(load("uk", UK))
    ktj = records["AQD0377"]
    assert (ktj.schema, ktj.name) == ("Organization", "Khatiba al-Tawhid wal-Jihad (KTJ)")
    assert kinds(ktj)["Jannat Oshiklari"] == (AKA, False)  # trailing space stripped
    assert kinds(ktj)["Катиба ат-Таухид валь-Джихад"] == (ORIGINAL_SCRIPT, False)
    ship = records["DPR0075"]
    assert (ship.schema, ship.name, ship.reference) == ("Vessel", "Petrel 8", None)
    assert (ship.vessel.imo, ship.vessel.flag, ship.vessel.type) == ("9562233", "Comoros", "Bulk Carrier")
    assert Document("IMO", "9562233") in ship.documents


def test_uk_source_still_reads_the_archived_ofsi_workbook():
    loaded = load("uk", "uk_ofsi_2025-04/ConList.xlsx")
    assert (loaded.version.id, loaded.version.source, loaded.version.entities) == ("uk_ofsi", "uk_ofsi", 4688)
    assert load_source("uk", reference_path("uk_ofsi_2025-04/ConList.xlsx"), "uk_old").version.id == "uk_old"


def test_eu_fsf_version_and_records():
    loaded = load("eu", EU)
    version = loaded.version
    assert (version.id, version.published, version.entities) == ("eu_fsf", "2026-08-05", 4)
    assert loaded.version.names == 23  # every nameAlias of the four real records
    assert [p.reason for p in loaded.problems] == ["sanctionEntity 999999 has no nameAlias"]  # synthetic
    saddam = by_id(loaded)["13"]
    assert (saddam.schema, saddam.name) == ("Person", "Saddam Hussein Al-Tikriti")
    assert saddam.reference == "EU.27.28"
    assert kinds(saddam) == {"Abu Ali": (AKA, False), "Abou Ali": (AKA, False)}
    assert saddam.birth_dates == [BirthDate("1937-04-28")]
    assert saddam.places_of_birth == ["al-Awja, near Tikrit, Iraq"]
    assert (saddam.nationalities, saddam.programs, saddam.gender) == (["Iraq"], ["IRQ"], "Male")


def test_eu_passport_cyrillic_alias_addresses_and_listing_date():
    records = by_id(load("eu", EU))
    ksm = records["191"]
    assert "Khalid Sheikh MOHAMMED" in kinds(ksm)
    assert ksm.documents == [Document("National passport", "488555", None)]  # country "00": unknown
    assert ksm.birth_dates == [BirthDate("1965-04-14"), BirthDate("1964-03-01")]
    trust = records["330"]
    assert (trust.schema, trust.name, trust.listed_on) == ("Organization", "Al-Rasheed Trust", "2001-10-06")
    assert kinds(trust)["Организация за подпомагане на Ulema, Пакистан"] == (ORIGINAL_SCRIPT, False)
    assert len(trust.addresses) == 11 and trust.addresses[0].city == "Karachi"
    assert trust.remarks.startswith("Banned in Pakistan since October 2001.")  # a nameAlias's remark
    assert trust.addresses[0].country == "Pakistan"
    grf = records["980"]
    assert (
        Address(
            street="9935 South 76th Avenue, Unit 1",
            city="Bridgeview, Illinois",
            country="United States",
            postal_code="60455",
        )
        in grf.addresses
    )


def test_eu_weak_alias_flag(tmp_path):
    alias = b'wholeName="Abou Ali" function="" title="" nameLanguage="FR" strong='
    data = reference_path(EU).read_bytes().replace(alias + b'"true"', alias + b'"false"')
    (tmp_path / "eu.xml").write_bytes(data)
    saddam = by_id(load_source("eu", tmp_path / "eu.xml"))["13"]
    assert kinds(saddam)["Abou Ali"] == (AKA, True)


def test_seco_version_and_delisted_targets_are_not_loaded():
    loaded = load("ch", CH)
    version = loaded.version
    assert (version.id, version.published, version.entities) == ("ch_seco", "2026-08-15", 4)
    assert set(by_id(loaded)) == {"44348", "85396", "34461", "52941"}  # 5142, 5816, 5374 de-listed
    assert loaded.warnings == ["3 de-listed targets not loaded"] and loaded.problems == []


def test_seco_person_names_from_parts_and_spellings_not_from_history():
    records = by_id(load("ch", CH))
    zam = records["85396"]
    assert (zam.schema, zam.name, zam.natural_name) == (
        "Person",
        "Zamulevich, Dzmitry Mihaylavych",
        "Dzmitry Mihaylavych Zamulevich",
    )
    assert kinds(zam) == {
        "ЗАМУЛЕВIЧ, Дзмітрьій Міхайлавіч": (ORIGINAL_SCRIPT, False),
        "ЗАМУЛЕВИЧ, Дмитрий Михайлович": (ORIGINAL_SCRIPT, False),
        "Zamulevich, Dmitriy Mikhailovich": (AKA, False),
    }
    assert zam.birth_dates == [BirthDate("1974-05-07")] and zam.nationalities == ["Belarus"]
    assert zam.documents == [
        Document("passport", "BM2229283", "Belarus"),
        Document("id-card", "3070574E057PB8", "Belarus"),
    ]
    assert (zam.gender, zam.listed_on, zam.programs) == ("Male", "2024-12-24", ["SECO sanctions set 4387"])
    maria = records["52941"]
    assert kinds(maria)["Putina"] == (FKA, False) and kinds(maria)["Maria Faassen"] == (AKA, False)
    mzkt = records["44348"]  # its modifications hold older copies of the names: none is an extra alias
    assert [n.name for n in mzkt.names()] == ["MZKT", "МЗКТ - Минский завод колёсных тягачей", "VOLAT"]
    assert Document("Registration Number", "100534485") in mzkt.documents
    vessel = records["34461"]
    assert (vessel.schema, vessel.vessel.imo) == ("Vessel", "8405270")


def test_us_csl_current_layout():
    loaded = load("us_csl", CSL)
    assert (loaded.version.id, loaded.version.source, loaded.version.entities) == ("us_csl", "us_csl", 13)
    assert loaded.version.published is None and loaded.problems == []
    records = by_id(loaded)
    rim = records["52291"]
    assert (rim.schema, rim.name, rim.programs) == (
        "Person",
        "RIM, Ryong Nam",
        ["Specially Designated Nationals (SDN) - Treasury Department", "NPWMD"],
    )
    assert rim.birth_dates == [BirthDate("1978-12-05")] and rim.nationalities == ["KP"]
    assert rim.documents == [Document("Passport", "836238033", "KP")] and rim.gender == "Male"
    assert rim.addresses == [
        Address(street="Shenyang", country="CN"),
        Address(street="Pyongyang", country="KP"),
    ]
    plc = records["9673"]
    assert kinds(plc) == {"Mohammad Mutlaq ABU JHESHEH": (AKA, False), "Mohammed ABU JEHEISHA": (AKA, False)}
    assert plc.birth_dates == [BirthDate("1955")] and plc.places_of_birth == ["Izna, Hebron"]
    sinobright = records["233a4d725770c81fb561ffe3842c14010c2201971d6be62eca1e613b"]
    assert (sinobright.name, sinobright.schema) == ("Sinobright Import and Export Company", "Organization")
    cetc = records["99ed1b052fdb09695fae1ba87516d8a0882b0df04652e07aeb5ce7be"]
    assert "CETC Research Institute 13" in kinds(cetc)  # "and " of the last alias dropped
    tnk = records["28603"]
    assert Document("V.A.T. Number", "CHE-267.936.404", "CH") in tnk.documents


def test_us_csl_older_layout():
    loaded = load("us_csl", CSL_OLD)
    assert loaded.version.entities == 115 and loaded.problems == []
    records = by_id(loaded)
    psa = records["20264"]
    assert (psa.schema, psa.name, psa.programs[-1]) == ("Organization", "200G PSA HOLDINGS LLC", "SDNTK")
    assert psa.documents == [Document("Tax ID No.", "80-0890696", "US")]
    hernandez = next(e for e in loaded.entities if e.name == "ADRIAN MANUEL HERNANDEZ")
    assert hernandez.id.startswith("csl-") and hernandez.schema == "Person"
    assert hernandez.listed_on == "2017-10-16"
    canada = records["8124"]
    assert kinds(canada) == {"CARIBE SOL": (AKA, False), "HAVANTUR CANADA INC.": (AKA, False)}


def test_us_dpl_rows_merged_per_order():
    loaded = load("us_dpl", DPL)
    assert (loaded.version.id, loaded.version.source) == ("us_dpl", "us_dpl")
    assert loaded.version.entities == 417 and loaded.problems == []  # 546 rows, one per party and address
    ash = [e for e in loaded.entities if e.name == "I. ASH"]
    assert len(ash) == 2  # two orders (2002 and 2003)
    first = next(e for e in ash if e.listed_on == "2002-03-04")
    assert len(first.addresses) == 2 and first.addresses[0].city == "RICHARDSON"
    assert {e.schema for e in loaded.entities if e.name == "ADVANCED TECH SOLUTIONS"} == {"Organization"}
    typo = [e for e in loaded.entities if "3017" in (e.remarks or "")]
    assert typo == []  # Last_Update (3017-08-22 on one row) is not read into a date


@pytest.mark.parametrize(
    ("source", "relative"),
    [("uk", UK), ("eu", EU), ("ch", CH), ("us_csl", CSL), ("us_csl", CSL_OLD), ("us_dpl", DPL)],
)
def test_every_entity_has_a_name_and_a_schema(source, relative):
    for entity in load(source, relative).entities:
        assert entity.name.strip() == entity.name and entity.name
        assert entity.schema in ("Person", "Organization", "Vessel", "Aircraft")
        assert entity.id and "/" not in entity.id
