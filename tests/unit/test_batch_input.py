"""``orinoco screen`` on malformed CSV input: each bad row goes to the rejects file with its line
number and the run goes on; a run that cannot start leaves no output, rejects or state file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from service.batch.io import LINE, PROBLEM, read_chunks
from service.cli import main

WATCHLIST = Path(__file__).parents[1] / "fixtures" / "lists" / "custom" / "watchlist.csv"
GOOD_ROWS = ["C1,Jane Doe", "C2,Zenobia Example"]


def rows_of(text: str, tmp_path: Path, chunk_size: int = 3) -> pd.DataFrame:
    path = tmp_path / "customers.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return pd.concat(read_chunks(path, chunk_size, ["id", "name"]), ignore_index=True)


def run(tmp_path: Path, text: str | bytes, *extra: str) -> tuple[int, Path]:
    path = tmp_path / "customers.csv"
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    out = tmp_path / "alerts.csv"
    code = main(
        [
            "screen",
            str(path),
            "-o",
            str(out),
            "--id-column",
            "id",
            "--quiet",
            "--list",
            f"custom={WATCHLIST}",
            *extra,
        ]
    )
    return code, out


@pytest.mark.parametrize(
    ("bad", "problem"),
    [
        ('C9,"Unclosed Name', "unclosed quote"),
        ('C9,Jo"hn Smith', "stray quote inside a field"),
        ('C9,"Jo"hn Smith"', "malformed CSV"),
        ("C9,John Smith,extra", "3 fields where the header has 2 (an extra column)"),
        ("C9", "1 fields where the header has 2"),
    ],
)
def test_a_malformed_row_is_one_row_with_its_line_and_problem(tmp_path, bad, problem):
    rows = rows_of("id,name\n" + "\n".join([GOOD_ROWS[0], bad, GOOD_ROWS[1], "C3,Ann Lee"]) + "\n", tmp_path)
    assert list(rows["id"]) == ["C1", "", "C2", "C3"]  # nothing after the bad row is lost
    assert list(rows[LINE]) == ["2", "3", "4", "5"]
    assert rows[PROBLEM][0] == rows[PROBLEM][2] == rows[PROBLEM][3] == ""
    assert problem in rows[PROBLEM][1]


def test_quoted_fields_with_commas_quotes_and_line_breaks_are_read_whole(tmp_path):
    rows = rows_of('id,name\nC1,"Doe, Jane"\nC2,"The ""Best"" Ltd"\nC3,"Two\nLines"\n\nC4,Ann\n', tmp_path)
    assert list(rows["name"]) == ["Doe, Jane", 'The "Best" Ltd', "Two\nLines", "Ann"]
    assert list(rows[LINE]) == ["2", "3", "4", "7"] and not any(rows[PROBLEM])


def test_bytes_that_are_not_utf8_reject_their_line_only(tmp_path):
    rows = rows_of(b"id,name\nC1,Jane Doe\nC2,Jos\xe9 Mar\xeda\nC3,Ann Lee\n", tmp_path)
    assert list(rows["id"]) == ["C1", "", "C3"] and rows[PROBLEM][1] == "not UTF-8 text"


def test_the_run_goes_on_and_the_rejects_file_names_each_bad_line(tmp_path, capsys):
    text = (
        "id,name\n"
        + "\n".join(
            [
                "C1,Jane Doe",
                'C9,"Unclosed Name',
                'C8,Jo"hn',
                "C7,A,B",
                "C2,Zenobia Example",
                "C3,!?!",
                "C4,12345",
            ]
        )
        + "\n"
    )
    code, out = run(tmp_path, text, "--chunk-size", "2")
    assert code == 0
    rejects = pd.read_csv(out.with_suffix(".rejects.csv"), dtype=str, keep_default_na=False)
    assert list(zip(rejects["line"], rejects["reason"], strict=True)) == [
        ("3", "unreadable row: unclosed quote"),
        ("4", "unreadable row: stray quote inside a field (quote the whole field and double the quote)"),
        ("5", "unreadable row: 3 fields where the header has 2 (an extra column)"),
        ("7", "name has no letters or digits"),
    ]
    assert "7 rows read, 3 rows screened (3 names), 4 rows rejected" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("id,full_name\nC1,Jane Doe\n", "customers.csv: no column 'name'"),
        ('id,"name\nC1,Jane Doe\n', "customers.csv: line 1: the header is not readable CSV: unclosed quote"),
        ("", "customers.csv: empty file"),
    ],
)
def test_an_input_that_cannot_be_read_names_the_file_and_leaves_nothing_behind(
    tmp_path, capsys, text, message
):
    with pytest.raises(SystemExit) as exc:
        run(tmp_path, text)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv"]  # no output, rejects, state
