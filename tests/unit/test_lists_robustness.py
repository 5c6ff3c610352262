"""Hostile and broken inputs: every parser either loads (skipping bad rows) or raises ListError."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lists_support import FIXTURES

from service.engine.model import LoadedList
from service.lists import ListError, load_source

OFAC_FILES = {p.name: p.read_bytes() for p in (FIXTURES / "ofac").iterdir()}
UN_XML = (FIXTURES / "un" / "consolidated.xml").read_bytes()
CUSTOM_CSV = (FIXTURES / "custom" / "watchlist.csv").read_bytes()
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _load(source: str, files: dict[str, bytes], entry: str) -> LoadedList | ListError:
    """Write the files to a fresh folder and load; return the ListError instead of raising it."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        try:
            return load_source(source, Path(tmp) / entry)
        except ListError as exc:
            assert str(exc)  # always says why
            return exc


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(OFAC_FILES["sdn.csv"]) - 3))
def test_truncated_sdn_csv_is_refused(cut):
    result = _load("ofac", {**OFAC_FILES, "sdn.csv": OFAC_FILES["sdn.csv"][:cut]}, ".")
    if isinstance(result, LoadedList):  # only a cut right after a line break leaves whole rows
        assert OFAC_FILES["sdn.csv"][:cut].endswith(b"\n")
        assert result.version.entities < 5


@FUZZ
@given(data=st.data())
def test_wrong_column_counts_are_skipped_with_line_numbers(data):
    lines = OFAC_FILES["alt.csv"].split(b"\r\n")
    row = data.draw(st.integers(min_value=0, max_value=len(lines) - 2))
    extra = data.draw(st.sampled_from([b",-0- ", b",-0- ,-0- ", b""]))
    lines[row] = lines[row].rsplit(b",", 1)[0] if not extra else lines[row] + extra
    result = _load("ofac", {**OFAC_FILES, "alt.csv": b"\r\n".join(lines)}, ".")
    assert isinstance(result, LoadedList) and result.version.entities == 5
    assert [(p.file, p.line) for p in result.problems] == [("alt.csv", row + 1)]


@FUZZ
@given(position=st.integers(min_value=0, max_value=len(CUSTOM_CSV)), junk=st.binary(min_size=1, max_size=8))
def test_custom_csv_with_arbitrary_bytes_never_raises_anything_else(position, junk):
    data = CUSTOM_CSV[:position] + junk + CUSTOM_CSV[position:]
    result = _load("custom", {"list.csv": data}, "list.csv")
    if isinstance(result, LoadedList):
        assert all(p.line >= 1 for p in result.problems)


@FUZZ
@given(source=st.sampled_from(["ofac", "un", "custom"]), data=st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_list_error(source, data):
    name = {"ofac": "sdn.csv", "un": "consolidated.xml", "custom": "list.csv"}[source]
    _load(source, {name: data}, "." if source == "ofac" else name)


@FUZZ
@given(cut=st.integers(min_value=0, max_value=len(UN_XML) - 40))
def test_truncated_un_xml_is_refused(cut):
    assert isinstance(_load("un", {"consolidated.xml": UN_XML[:cut]}, "consolidated.xml"), ListError)


def test_invalid_utf8_in_un_xml_is_refused():
    broken = UN_XML.replace("عبد".encode(), b"\xff\xfe")
    result = _load("un", {"consolidated.xml": broken}, "consolidated.xml")
    assert isinstance(result, ListError) and "well-formed" in str(result)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE CONSOLIDATED_LIST [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>&lol9;</FIRST_NAME>
</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"""


def test_billion_laughs_is_refused_quickly():
    start = time.perf_counter()
    result = _load("un", {"consolidated.xml": BILLION_LAUGHS}, "consolidated.xml")
    assert isinstance(result, ListError) and "unsafe XML" in str(result)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize(
    "doctype",
    [
        b'<!DOCTYPE CONSOLIDATED_LIST [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE CONSOLIDATED_LIST SYSTEM "http://127.0.0.1:9/evil.dtd">',
    ],
)
def test_external_entities_are_refused(doctype):
    xml = (
        b'<?xml version="1.0"?>' + doctype + b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL>"
        b"<DATAID>1</DATAID><FIRST_NAME>&xxe;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"
    )
    result = _load("un", {"consolidated.xml": xml}, "consolidated.xml")
    assert isinstance(result, ListError) and "root:" not in str(result)


@pytest.mark.parametrize(
    ("source", "name", "data", "message"),
    [
        ("ofac", "sdn.csv", b"", "empty"),
        ("ofac", "sdn.csv", b"   \r\n\x1a", "empty"),
        ("ofac", "sdn.csv", b"entity_id,name,schema\r\n1,A,person\r\n", "does not look like an OFAC"),
        ("un", "consolidated.xml", b"<?xml version='1.0'?><sdnList></sdnList>", "not the UN list"),
        ("un", "consolidated.xml", b"<CONSOLIDATED_LIST><INDIVIDUALS/></CONSOLIDATED_LIST>", "no INDIVIDUAL"),
        ("custom", "list.csv", b"entity_id,name,schema\n,,\n", "0 usable rows"),
        (
            "custom",
            "list.csv",
            b"entity_id,name,schema\n1,A,person\n2,B\n3,C,thing\n",
            "1 usable rows, 2 bad",
        ),
    ],
)
def test_whole_file_failures_say_why(source, name, data, message):
    result = _load(source, {name: data}, "." if source == "ofac" else name)
    assert isinstance(result, ListError) and message in str(result)
