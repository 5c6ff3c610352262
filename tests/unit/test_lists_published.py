"""``published``: the date each list states in its own files, and the registry's date of a snapshot
whose files carry none (OFAC's legacy SDN CSV and the Canadian XML have no date inside)."""

from __future__ import annotations

import pytest
from conftest import reference_dir

from service.lists import load_source
from service.lists.registry import load_registry

# list id -> (parser, reference path, the date its files state or None)
REFERENCE = {
    "ofac_sdn": ("ofac", "ofac_sdn_2021-07", None),
    "ofac_cons": ("ofac_cons", "ofac_cons_2025-12", "2025-12-18"),  # consolidated.xml beside the CSVs
    "un_sc": ("un", "un_sc_2026-02/consolidated.xml", "2026-02-27"),
    "au_dfat": ("au", "au_dfat_2024-11/regulation8_consolidated.xlsx", "2024-11-11"),
    "ca_sema": ("ca", "ca_sema_2020-04/sema-lmes.xml", None),
    "uk_ofsi": ("uk", "uk_ofsi_2025-04/ConList.xlsx", "2025-04-14"),
}


@pytest.mark.parametrize("list_id", sorted(REFERENCE))
def test_published_is_read_from_the_files_else_the_registry_dates_the_snapshot(list_id):
    parser, relative, stated = REFERENCE[list_id]
    path = reference_dir() / relative
    if not path.exists():
        pytest.skip(f"{path} not found: set ORINOCO_REFERENCE_DIR")
    assert load_source(parser, path, list_id).version.published == stated
    spec = {s.id: s for s in load_registry()}[list_id]
    assert spec.reference == relative
    assert (spec.reference_published is None) == (stated is not None)  # a registry date only where needed


def test_the_consolidated_csv_set_alone_has_no_date(tmp_path):
    folder = reference_dir() / "ofac_cons_2025-12"
    if not folder.exists():
        pytest.skip(f"{folder} not found")
    for name in ("cons_prim.csv", "cons_alt.csv", "cons_add.csv", "cons_comments.csv"):
        (tmp_path / name).write_bytes((folder / name).read_bytes())
    assert load_source("ofac_cons", tmp_path).version.published is None
