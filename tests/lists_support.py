"""Shared helpers for the list tests: where the real reference files are, loaded once per session.

The real files live outside the repo (ORINOCO_REFERENCE_DIR, default ../shared/reference_lists);
tests that need them skip with the reason when they are absent.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pytest

from service.lists import load_source
from service.model import Entity, LoadedList

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "lists"
OFAC_2021 = "ofac_sdn_2021-07"
UN_2026 = "un_sc_2026-02/consolidated.xml"


def reference_dir() -> Path:
    return Path(os.environ.get("ORINOCO_REFERENCE_DIR") or REPO.parent / "shared" / "reference_lists")


def reference_path(relative: str) -> Path:
    """The path of a shared reference file, or skip the test saying where it was looked for."""
    path = reference_dir() / relative
    if not path.exists():
        pytest.skip(f"reference list {path} not found: set ORINOCO_REFERENCE_DIR to the shared lists")
    return path


def eval_path(name: str) -> Path:
    """A file of the shared evaluation set (beside reference_lists), or skip."""
    path = reference_dir().parent / "eval" / name
    if not path.exists():
        pytest.skip(f"evaluation file {path} not found")
    return path


@cache
def _load(source: str, relative: str) -> LoadedList:
    return load_source(source, reference_dir() / relative)


def ofac_2021() -> LoadedList:
    reference_path(OFAC_2021)
    return _load("ofac", OFAC_2021)


def un_2026() -> LoadedList:
    reference_path(UN_2026)
    return _load("un", UN_2026)


def by_id(loaded: LoadedList) -> dict[str, Entity]:
    return {e.id: e for e in loaded.entities}
