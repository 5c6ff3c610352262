"""Broken and hostile files in the 2026 formats (UK Sanctions List, EU FSF, SECO, US CSL, DPL): a file
cut short, in the wrong encoding or missing its fields is a ListError naming the file and the line,
or loads with the bad record skipped and reported by line; never a half-loaded list, never another
exception. Built on the real excerpts in ../shared/reference_lists."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import reference_dir
from test_lists_robustness import _load

from service.engine.model import LoadedList
from service.lists import ListError

SAMPLES = {
    "uk": ("uk_fcdo_sample/uk_sample.xml", "UK-Sanctions-List.xml"),
    "eu": ("eu_fsf_sample/eu_sample.xml", "eu_fsf.xml"),
    "ch": ("ch_seco_sample/ch_sample.xml", "ch_seco.xml"),
    "us_csl": ("us_csl_sample/consolidated_cslustest.csv", "consolidated.csv"),
    "us_dpl": ("us_csl_sample/dpl.txt", "dpl.txt"),
}
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _sample(source: str) -> bytes:
    path = reference_dir() / SAMPLES[source][0]
    if not path.exists():
        pytest.skip(f"reference excerpt {path} not found: set ORINOCO_REFERENCE_DIR")
    return path.read_bytes()


def load(source: str, data: bytes) -> LoadedList | ListError:
    name = SAMPLES[source][1]
    result = _load(source, {name: data}, name)
    if isinstance(result, ListError):
        assert name in str(result)  # names the file
    return result


def full_count(source: str) -> int:
    result = load(source, _sample(source))
    assert isinstance(result, LoadedList)
    return result.version.entities


@FUZZ
@given(source=st.sampled_from(["uk", "eu", "ch"]), fraction=st.floats(min_value=0.0, max_value=0.97))
def test_truncated_xml_is_refused(source, fraction):
    data = _sample(source)
    result = load(source, data[: int(len(data) * fraction)])
    assert isinstance(result, ListError)


@FUZZ
@given(source=st.sampled_from(["us_csl", "us_dpl"]), fraction=st.floats(min_value=0.0, max_value=0.995))
def test_truncated_csv_is_refused_unless_cut_between_rows(source, fraction):
    data = _sample(source)
    cut = data[: int(len(data) * fraction)]
    result = load(source, cut)
    if isinstance(result, LoadedList):  # only a cut right at a line break leaves whole rows
        assert cut.endswith((b"\n", b'"')) or cut.endswith(b'"\r')
        assert result.version.entities < full_count(source)
    else:
        assert (
            "truncated" in str(result)
            or "header" in str(result)
            or "empty" in str(result)
            or "no usable" in str(result)
        )


def test_a_dpl_cut_after_a_field_separator_is_refused():
    """Cut right after the tab that ends a field, the last row still has all its fields (the cut one
    empty): only the missing closing quote tells; hypothesis found this cut."""
    data = _sample("us_dpl")
    cut = data[: data.index(b'"\t', len(data) // 5) + 2]
    result = load("us_dpl", cut)
    assert isinstance(result, ListError) and "truncated" in str(result)


@pytest.mark.parametrize("source", list(SAMPLES))
def test_latin1_bytes_in_a_utf8_file_are_refused_with_the_line(source):
    data = _sample(source)
    text = data.decode("utf-8")
    at = len(text) // 2
    broken = (text[:at] + "Café ").encode("utf-8")[:-3] + b"\xe9 " + text[at:].encode("utf-8")
    result = load(source, broken)
    assert isinstance(result, ListError)
    line = data[: len(text[:at].encode("utf-8"))].count(b"\n") + 1
    assert f"line {line}" in str(result) or f"line {line}," in str(result) or f"{line}," in str(result)


@pytest.mark.parametrize("source", list(SAMPLES))
def test_utf16_file_is_refused_or_read_whole(source):
    data = _sample(source)
    result = load(source, data.decode("utf-8").encode("utf-16"))
    if isinstance(result, LoadedList):  # XML declares its encoding: a UTF-16 copy is the same list
        assert result.version.entities == full_count(source)


@pytest.mark.parametrize(
    ("source", "old", "new", "reason"),
    [
        ("uk", b"<UniqueID>AQD0377</UniqueID>", b"", "Designation without UniqueID"),
        ("uk", b"<IndividualEntityShip>Ship</IndividualEntityShip>", b"", "DPR0075: unknown"),
        ("eu", b'logicalId="980">', b'logicalId="">', "sanctionEntity without logicalId"),
        ("eu", b'wholeName="Global Relief Foundation (GRF)"', b'wholeName=""', "980 has no nameAlias"),
        ("ch", b'<target ssid="85396">', b"<target>", "target without ssid"),
    ],
)
def test_a_record_missing_its_fields_is_skipped_with_its_line(source, old, new, reason):
    data = _sample(source)
    assert old in data
    result = load(source, data.replace(old, new, 1))
    assert isinstance(result, LoadedList)
    assert result.version.entities == full_count(source) - 1
    problem = next(p for p in result.problems if reason in p.reason)
    assert problem.file == SAMPLES[source][1] and problem.line >= 1


@pytest.mark.parametrize(
    ("source", "old", "new", "message"),
    [
        ("us_csl", b"_id,source,", b"_id,origin,", "header lacks source"),
        ("us_dpl", b'"Name"\t', b'"Nom"\t', "not the Denied Persons List"),
        ("uk", b"<Designations ", b"<Designationz ", "not well-formed"),
        ("eu", b"<export ", b"<exports ", "not well-formed"),
        ("ch", b"<swiss-sanctions-list ", b"<swiss-list ", "not well-formed"),
    ],
)
def test_a_file_without_its_header_or_root_is_refused(source, old, new, message):
    data = _sample(source)
    assert old in data
    result = load(source, data.replace(old, new))
    assert isinstance(result, ListError) and message in str(result)


@pytest.mark.parametrize(
    ("source", "data", "message"),
    [
        ("uk", b"<?xml version='1.0'?><CONSOLIDATED_LIST/>", "not the UK Sanctions List"),
        ("eu", b"<?xml version='1.0'?><Designations/>", "not the EU FSF list"),
        ("ch", b"<?xml version='1.0'?><export/>", "not the SECO list"),
        (
            "ch",
            b"<swiss-sanctions-list><target ssid='1'><individual/>"
            b"<modification modification-type='de-listed' "
            b"effective-date='2020-01-01'/></target></swiss-sanctions-list>",
            "1 de-listed",
        ),
        ("us_csl", b"name,schema\nX,person\n", "not the US Consolidated Screening List"),
        ("us_dpl", b"", "empty"),
    ],
)
def test_another_list_or_nothing_usable_is_refused(source, data, message):
    result = load(source, data)
    assert isinstance(result, ListError) and message in str(result)


def test_a_ragged_csl_row_in_the_middle_is_skipped_by_line():
    data = _sample("us_csl").split(b"\n")
    data[3] = data[3].rsplit(b",", 2)[0]
    result = load("us_csl", b"\n".join(data))
    assert isinstance(result, LoadedList) and result.version.entities == full_count("us_csl") - 1
    assert [p.line for p in result.problems] == [4]


@FUZZ
@given(source=st.sampled_from(list(SAMPLES)), junk=st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_list_error(source, junk):
    load(source, junk)


@FUZZ
@given(source=st.sampled_from(list(SAMPLES)), data=st.data())
def test_bytes_spliced_into_a_real_file_never_raise_anything_else(source, data):
    sample = _sample(source)
    at = data.draw(st.integers(min_value=0, max_value=len(sample)))
    junk = data.draw(st.binary(min_size=1, max_size=16))
    result = load(source, sample[:at] + junk + sample[at:])
    if isinstance(result, LoadedList):
        assert all(p.line >= 1 for p in result.problems)
