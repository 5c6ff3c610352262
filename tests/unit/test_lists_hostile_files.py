"""Hostile list files that tests/test_lists_robustness.py does not cover: NUL bytes, enormous
fields, oversized files, and compressed bombs.

No parser accepts archives (zip, gzip): a list file is read as the bytes it is, so a
compression bomb is never expanded; served as a download it is stored compressed, within the
byte limit, and refused by the parser. The one exception, .xlsx workbooks (a zip), have their
expanded size capped before they are read (service/lists/xlsx.py, tested in test_lists_uk.py).
"""

from __future__ import annotations

import gzip
import io
import os
import time
import zipfile

import pytest
from lists_support import fixture_routes, http_server, write_registry
from test_lists_robustness import CUSTOM_CSV, OFAC_FILES, _load

from service.engine.model import LoadedList
from service.engine.normalize import name_variants
from service.lists import ListError, base
from service.lists.cache import ListCache, update_list
from service.lists.registry import load_registry

HUGE = b"A" * 1_000_000  # far over the csv module's 131,072-character field limit
AFTER = b"X9,Row After The Hostile One,person,1,,,,\n"


def _custom(extra: bytes) -> LoadedList:
    result = _load("custom", {"list.csv": CUSTOM_CSV + extra + AFTER}, "list.csv")
    assert isinstance(result, LoadedList)
    assert "X9" in {e.id for e in result.entities}  # the hostile row never swallows the next one
    return result


def test_nul_bytes_in_a_name_never_reach_the_index():
    loaded = _custom(b"X1,Nul\x00Byte\x00Name,person,1,,,,\n")
    name = next(e.name for e in loaded.entities if e.id == "X1")
    assert name_variants(name) == [["nul", "byte", "name"]]  # a control character separates words


def test_nul_bytes_in_ofac_rows_are_skipped_or_loaded_never_fatal():
    sdn = OFAC_FILES["sdn.csv"].replace(b",", b",\x00", 3)
    result = _load("ofac", {**OFAC_FILES, "sdn.csv": sdn}, ".")
    assert isinstance(result, LoadedList) and result.version.entities >= 4


@pytest.mark.parametrize("field", [HUGE, b'"' + HUGE + b'"', b'"' + HUGE.replace(b"A", b"A,\n", 1000) + b'"'])
def test_an_enormous_field_is_one_skipped_row_with_its_line_number(field):
    start = time.perf_counter()
    loaded = _custom(b"X2," + field + b",person,1,,,,\n")
    assert "X2" not in {e.id for e in loaded.entities}
    assert any("field larger than field limit" in p.reason for p in loaded.problems)
    assert time.perf_counter() - start < 5


def test_an_enormous_ofac_field_is_one_skipped_row():
    row = b'999,"' + HUGE + b'","individual","-0-","-0-","-0-","-0-","-0-","-0-","-0-","-0-","-0-"\r\n'
    result = _load("ofac", {**OFAC_FILES, "sdn.csv": OFAC_FILES["sdn.csv"].rstrip(b"\x1a") + row}, ".")
    assert isinstance(result, LoadedList) and result.version.entities == 5
    assert [p.reason for p in result.problems if "field limit" in p.reason]


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path):
    huge = tmp_path / "list.csv"
    with huge.open("wb") as f:  # sparse: the size is there, the disk blocks are not
        f.truncate(base.MAX_FILE_BYTES + 1)
    with pytest.raises(ListError, match="larger than the"):
        base.read_bytes(huge, "custom list CSV")


def _gzip_bomb() -> bytes:
    return gzip.compress(b"\0" * 50_000_000, compresslevel=9)  # ~50 KB expanding to 50 MB


def _zip_bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("sdn.csv", b"\0" * 50_000_000)
    return out.getvalue()


@pytest.mark.parametrize("bomb", [_gzip_bomb, _zip_bomb])
@pytest.mark.parametrize("source", ["ofac", "un", "custom"])
def test_compressed_bombs_are_never_expanded(bomb, source):
    data = bomb()
    name = {"ofac": "sdn.csv", "un": "consolidated.xml", "custom": "list.csv"}[source]
    result = _load(source, {name: data}, "." if source == "ofac" else name)
    assert isinstance(result, ListError)


def test_a_downloaded_bomb_is_stored_compressed_and_refused(tmp_path):
    routes = fixture_routes()
    with http_server(routes) as base_url:
        spec = {s.id: s for s in load_registry(write_registry(tmp_path / "s.toml", base_url))}["un_sc"]
        cache = ListCache(tmp_path / "cache")
        routes["/un/consolidated.xml"] = (_gzip_bomb(), "ok")
        with pytest.raises(ListError):
            update_list(spec, cache, timeout=5)
    assert cache.current("un_sc") is None
    assert sum(f.stat().st_size for f in cache.root.rglob("*") if f.is_file()) < 1_000_000
    assert not [p for p in os.listdir(cache.root / "un_sc") if p.startswith(".staging-")]
