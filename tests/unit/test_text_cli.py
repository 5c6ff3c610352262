"""``orinoco screen-text``: the text with its hits marked, or the mentions as JSON."""

from __future__ import annotations

import json

import pytest
from lists_support import OFAC_2021, reference_path

from service.cli import main

TEXT = "Officials said Tareck El-Aissami met Hugo Chavez. Later El-Aissami's aides denied it.\n"


@pytest.fixture
def ofac_args(monkeypatch, tmp_path) -> list[str]:
    monkeypatch.setenv("ORINOCO_CACHE_DIR", str(tmp_path / "cache"))
    return ["--list", f"ofac={reference_path(OFAC_2021)}"]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_the_hits_are_marked_in_the_text(ofac_args, text_file, capsys):
    assert main(["screen-text", str(text_file), *ofac_args]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "Officials said [[Tareck El-Aissami \u2192 ofac_sdn 20250 EL AISSAMI MADDAH, "
        "Tareck Zaidan 1.00]] met Hugo Chavez. Later [[El-Aissami \u2192 ofac_sdn 20250 "
    )
    assert out.endswith("]]'s aides denied it.\n")


def test_json_lists_the_mentions_with_offsets(ofac_args, text_file, capsys):
    assert main(["screen-text", str(text_file), "--json", *ofac_args]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [m["text"] for m in doc["mentions"]] == ["Tareck El-Aissami", "El-Aissami"]
    assert all(TEXT[m["start"] : m["end"]] == m["text"] for m in doc["mentions"])
    assert doc["mentions"][1]["matches"][0]["explanation"]["note"].startswith("resolved to the earlier")
    assert doc["lists"][0]["id"] == "ofac_sdn"


@pytest.mark.parametrize(
    ("args", "message"), [(["--threshold", "1.5"], "--threshold"), (["/no/such/file.txt"], "cannot read")]
)
def test_user_errors_exit_2_with_one_line(ofac_args, text_file, capsys, args, message):
    argv = ["screen-text", *(args if args[0].startswith("/") else [str(text_file), *args]), *ofac_args]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
