"""Every ORINOCO_* setting is a field of the one settings object (``service.settings.Settings``), the
README's tables document exactly those fields, no module reads an ORINOCO_* variable from the
environment itself, and a bad value is an error naming its variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service import settings
from service.api.config import from_env
from service.monitor import Monitor

REPO = Path(__file__).resolve().parents[2]
INTERNAL = {"ORINOCO_REFRESH_STATUS"}  # set by `orinoco serve` for its own workers, not by users


def fields() -> set[str]:
    return {settings.variable(name) for name in settings.Settings.model_fields}


def named_in_code() -> set[str]:
    return {
        v
        for p in (REPO / "service").rglob("*.py")
        for v in re.findall(r"ORINOCO_[A-Z_]+[A-Z]", p.read_text(encoding="utf-8"))
    } - INTERNAL


def documented() -> set[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    cells = [c for line in text.splitlines() if line.startswith("|") for c in line.split("|")[1:3]]
    return {v for c in cells for v in re.findall(r"`(ORINOCO_[A-Z_]+)`", c)}


def test_every_setting_is_in_a_readme_table():
    assert fields() - documented() == set()


def test_the_readme_documents_no_setting_the_object_lacks():
    assert documented() - fields() == set()


def test_every_variable_the_code_names_is_a_setting():
    """A message or docstring naming ORINOCO_X names a real setting (no typo, no removed one)."""
    assert named_in_code() - fields() == set()


def test_no_module_reads_an_orinoco_variable_itself():
    readers = sorted(
        f"{p.relative_to(REPO)}: {m}"
        for p in (REPO / "service").rglob("*.py")
        if p.name != "settings.py"
        for m in re.findall(r"(?:environ\.get|environ\[|getenv)\(?\s*[\"']ORINOCO_\w+", p.read_text("utf-8"))
        if not any(i in m for i in INTERNAL)
    )
    assert readers == []


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ORINOCO_MAX_TOKENS", "lots"),
        ("ORINOCO_THRESHOLD", "1.5"),
        ("ORINOCO_TRUSTED_PROXIES", "9"),
        ("ORINOCO_PORT", "70000"),
        ("ORINOCO_LOG_FORMAT", "xml"),
        ("ORINOCO_MONITOR", "maybe"),
        ("ORINOCO_RESCREEN_CHUNK", "0"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable(variable, value):
    with pytest.raises(settings.SettingsError) as raised:
        settings.load({variable: value})
    assert variable in str(raised.value) and repr(value) in str(raised.value)


def test_the_environment_reaches_the_object_and_its_users(monkeypatch, tmp_path):
    monkeypatch.setenv("ORINOCO_MAX_TOKENS", "77")
    monkeypatch.setenv("ORINOCO_THRESHOLD", "")  # empty: unset
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ORINOCO_RESCREEN_CHUNK", "9")
    assert settings.load().max_tokens == 77 and settings.load().threshold is None
    assert from_env().max_tokens == 77
    monitor = Monitor.from_env()
    assert monitor.chunk == 9 and str(tmp_path) in monitor.db.url
    with pytest.raises(ValueError, match="ORINOCO_MAX_TOKENS"):
        from_env({"ORINOCO_MAX_TOKENS": "-3"})


def test_secrets_stay_out_of_its_repr():
    shown = repr(settings.load({"ORINOCO_API_KEYS": "k-secret-1", "ORINOCO_SECRET_KEY": "s-secret-2"}))
    assert "secret-1" not in shown and "secret-2" not in shown and "<set>" in shown


def test_a_mapping_of_its_own_takes_nothing_from_the_process_environment(monkeypatch):
    monkeypatch.setenv("ORINOCO_MAX_TOKENS", "77")
    assert settings.load({"ORINOCO_PORT": "9"}).max_tokens == settings.default("max_tokens")
    assert settings.load().max_tokens == 77
    monkeypatch.setenv("ORINOCO_MAX_TOKENS", "78")  # read again once the environment changes
    assert settings.load().max_tokens == 78
