"""Every ORINOCO_* setting the code reads is documented in the README (the Configuration table or
the Deployment and limits table), and the README documents none that the code does not read."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INTERNAL = {"ORINOCO_REFRESH_STATUS"}  # set by `orinoco serve` for its own workers, not by users


def read_by_code() -> set[str]:
    return {
        v
        for p in (REPO / "service").rglob("*.py")
        for v in re.findall(r"ORINOCO_[A-Z_]+[A-Z]", p.read_text(encoding="utf-8"))
    } - INTERNAL


def documented() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    cells = [c for line in text.splitlines() if line.startswith("|") for c in line.split("|")[1:3]]
    return {v for c in cells for v in re.findall(r"`(ORINOCO_[A-Z_]+)`", c)}


def test_every_setting_the_code_reads_is_in_a_readme_table():
    assert read_by_code() - documented() == set()


def test_the_readme_documents_no_setting_the_code_ignores():
    assert documented() - read_by_code() == set()
