"""The batch pieces without the lists: which rows are screened or rejected, CSV escaping, chunking
and the Parquet journal's rollback."""

from __future__ import annotations

import csv
import os

import pandas as pd
import pytest
from lists_support import FIXTURES

from service.batch.io import LINE, PROBLEM, CsvJournal, ParquetJournal, read_chunks, spreadsheet_safe
from service.batch.job import Counts, Summary
from service.batch.prepare import Columns, prepare
from service.batch.screening import ALERT_SCHEMA, empty_alerts


def test_each_name_column_is_screened_and_bad_names_are_rejected_with_the_reason():
    chunk = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d", "e"],
            "name": ["Ali Hassan", "", "", "x" * 513, "Acme Ltd"],
            "alias": ["", "Bob Marley", "", "Jo Doe", "!!! ?"],
            "kind": ["Person", "", "", "", "Spaceship"],
        }
    )
    queries, rejects = prepare(chunk, 11, Columns(("name", "alias"), id="id", schema="kind"))
    assert list(
        zip(queries["row"], queries["input_id"], queries["input_name"], queries["schema"], strict=True)
    ) == [(11, "a", "Ali Hassan", "Person"), (12, "b", "Bob Marley", "Any"), (14, "d", "Jo Doe", "Any")]
    assert list(zip(rejects["row"], rejects["column"], rejects["reason"], strict=True)) == [
        (13, "name,alias", "name is empty"),
        (14, "name", "name is longer than 512 characters"),
        (15, "name", "unknown schema (expected one of Person, Organization, Vessel, Aircraft)"),
        (15, "alias", "name has no letters or digits"),
    ]


def test_row_numbers_are_the_ids_without_an_id_column():
    queries, _ = prepare(pd.DataFrame({"name": ["Ann Lee", "Bo Wu"]}), 101, Columns(("name",)))
    assert list(queries["input_id"]) == ["101", "102"]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_cells_get_a_quote(cell):
    out = spreadsheet_safe(pd.DataFrame({"a": [cell, "Ann"], "n": [1.5, -2.0]}))
    assert list(out["a"]) == [f"'{cell}", "Ann"]
    assert list(out["n"]) == [1.5, -2.0]  # numbers are not text cells


def test_chunks_are_cut_at_fixed_rows_and_missing_columns_named(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame({"name": [f"N{i}" for i in range(7)], "x": range(7)}).to_csv(path, index=False)
    assert [len(c) for c in read_chunks(path, 3, ["name", "x"])] == [3, 3, 1]
    assert next(read_chunks(path, 3, ["x"]))["x"].tolist() == ["0", "1", "2"]
    with pytest.raises(ValueError, match="no column 'nom'"):
        next(read_chunks(path, 3, ["nom"]))


def test_csv_journal_rolls_back_an_unfinished_chunk(tmp_path):
    journal = CsvJournal(tmp_path / "a.csv", ["a"])
    journal.start()
    journal.append(pd.DataFrame({"a": ["one"]}))
    mark = journal.size()
    journal.append(pd.DataFrame({"a": ["two"]}))
    journal.rollback(mark)
    assert not journal.path.exists()  # the file takes its name only when whole
    journal.finish()
    assert journal.path.read_bytes() == b"a\r\none\r\n"


def test_parquet_journal_rolls_back_and_joins_chunks(tmp_path):
    journal = ParquetJournal(tmp_path / "a.parquet", ALERT_SCHEMA)
    journal.start()
    row = pd.DataFrame(
        [["1", "Ann", "l", "e", "N", "M", 0.9, False, "{}", "C1", "un_sc:7"]], columns=ALERT_SCHEMA.names
    )
    journal.append(row)
    journal.append(empty_alerts())
    journal.append(row.assign(input_id="3"))
    journal.rollback(2)
    journal.append(row.assign(input_id="4"))
    journal.finish()
    journal.cleanup()
    assert pd.read_parquet(journal.path)["input_id"].tolist() == ["1", "4"]
    assert not journal.parts.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "{tmp}/missing/a.csv"], "its folder does not exist"),
        (["-o", "{tmp}/a.txt"], "unsupported extension '.txt'"),
        (["-o", "{tmp}/c.csv"], "would overwrite the input"),
        (["-o", "{tmp}/link.csv"], "would overwrite the input"),  # a hard link to the input
        (
            ["-o", "{tmp}/a.csv", "--rejects", "{tmp}/c.csv"],
            "--rejects {tmp}/c.csv would overwrite the input",
        ),
        (["-o", "{tmp}/a.csv", "--rejects", "{tmp}/link.csv"], "would overwrite the input"),
        (["-o", "{tmp}/a.csv", "--rejects", "{tmp}/a.csv"], "the output and --rejects are the same file"),
        (["-o", "{tmp}/a.csv", "--threshold", "1.5"], "--threshold 1.5"),
        (["-o", "{tmp}/a.csv", "--scheduler", "tcp://x:8786"], "need --engine dask"),
    ],
)
def test_the_command_refuses_bad_arguments_before_loading_lists(tmp_path, capsys, args, message):
    from service.cli import main

    (tmp_path / "c.csv").write_text("name\nAnn Lee\n")
    os.link(tmp_path / "c.csv", tmp_path / "link.csv")
    with pytest.raises(SystemExit) as exc:
        main(["screen", str(tmp_path / "c.csv"), *(a.format(tmp=tmp_path) for a in args)])
    assert exc.value.code == 2 and message.format(tmp=tmp_path) in capsys.readouterr().err
    assert (tmp_path / "c.csv").read_text() == "name\nAnn Lee\n"


def test_resume_refuses_an_output_that_lost_finished_chunks(tmp_path):
    from service.batch.job import JobError, JobOptions, run_job
    from service.batch.screening import empty_alerts

    class NoAlerts:
        def screen_chunks(self, chunks):
            return ((k, empty_alerts()) for k, _ in chunks)

    (tmp_path / "c.csv").write_text("name\nAnn Lee\nBo Wu\n")
    options = JobOptions(tmp_path / "c.csv", tmp_path / "a.csv", tmp_path / "r.csv", Columns(("name",)), 1)
    assert run_job(options, [], NoAlerts()).counts.chunks == 2
    state = options.state_path.read_text()
    options.state_path.write_text(state.replace('"complete": true', '"complete": false'))
    (tmp_path / "a.csv").write_text("")
    with pytest.raises(JobError, match="lost finished chunks"):
        run_job(options, [], NoAlerts(), resume=True)


def test_a_dask_chunk_shows_no_names_in_worker_logs():
    from service.batch.dask_engine import Chunk

    queries, _ = prepare(pd.DataFrame({"name": ["Ann Lee", "Bo Wu"]}), 1, Columns(("name",)))
    assert repr(Chunk(7, queries)) == "<chunk 7: 2 queries>"


def test_the_summary_line_counts_in_words_people_read():
    counts = Counts(
        rows_read=12,
        rows_screened=11,
        rows_rejected=1,
        names_screened=11,
        rejects=1,
        reject_reasons={"name has no letters": 1},
        alerts=1,
    )
    line = Summary(counts, [], "alerts.csv", "alerts.rejects.csv", True).line()
    assert line.startswith(
        "12 rows read, 11 rows screened (11 names), 1 row rejected "
        "(1 line in the rejects file: name has no letters: 1), 1 alert;"
    )
    assert " 1 rows" not in line and "rejects," not in line


@pytest.mark.parametrize(
    "cell",
    ["\uff1dcmd|' /C calc'!A0", "\u200b=1+1", "\ufeff+1", " =1", "\u2060@SUM(A1)", "\uff0b1", "\u3000=x"],
)
def test_formulas_disguised_by_unicode_get_a_quote(cell):
    assert spreadsheet_safe(pd.DataFrame({"a": [cell]}))["a"].tolist() == [f"'{cell}"]


def test_a_cr_or_lf_in_a_field_stays_in_its_field_for_csv_readers(tmp_path):
    names = ["Ann\r=cmd|' /C calc'!A0", "Bo\nWu", "Cy\r\n+1", "plain"]
    journal = CsvJournal(tmp_path / "a.csv", ["name", "n"])
    journal.start()
    journal.append(pd.DataFrame({"name": names, "n": ["1", "2", "3", "4"]}))
    journal.finish()
    with journal.path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows == [["name", "n"], *([v, str(i)] for i, v in enumerate(names, 1))]
    assert pd.read_csv(journal.path, dtype=str, keep_default_na=False)["name"].tolist() == names
    assert b'"Ann\r=cmd' in journal.path.read_bytes()  # quoted: the CR cannot start a row


def test_an_oversized_rejected_name_is_cut_with_its_length():
    _, rejects = prepare(pd.DataFrame({"name": ["x" * 10_000_000]}), 1, Columns(("name",)))
    cell = rejects["input_name"].tolist()[0]
    assert len(cell) < 1100 and cell.endswith("[cut: 10000000 characters]")


def test_invalid_utf8_in_a_csv_rejects_that_line_and_reads_on(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(b"name\nAnn Lee\nBo \xff Wu\nCy Po\n")
    (chunk,) = read_chunks(path, 10, ["name"])
    assert chunk["name"].tolist() == ["Ann Lee", "", "Cy Po"]
    assert chunk[LINE].tolist() == ["2", "3", "4"] and chunk[PROBLEM].tolist() == ["", "not UTF-8 text", ""]


def test_invalid_utf8_in_json_lines_names_the_file_and_line(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_bytes(b'{"name": "Ann Lee"}\n{"name": "Bo \xff Wu"}\n')
    with pytest.raises(ValueError, match=r"c.jsonl: line 2 is not valid UTF-8"):
        list(read_chunks(path, 10, ["name"]))


def _screen(tmp_path, *args: str) -> None:
    from service.cli import main

    watchlist = FIXTURES / "custom" / "watchlist.csv"
    main(["screen", *args, "--list", f"custom={watchlist}", "--quiet"])


def test_an_unwritable_path_is_a_clear_error_and_the_earlier_output_survives(tmp_path, capsys):
    (tmp_path / "c.csv").write_text("name\nAnn Lee\n")
    earlier = tmp_path / "alerts.csv"
    earlier.write_text("the earlier run's alerts\n")
    with pytest.raises(SystemExit) as exc:  # /proc takes no new files, even from root
        _screen(tmp_path, str(tmp_path / "c.csv"), "-o", str(earlier), "--rejects", "/proc/rejects.csv")
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "/proc/rejects.csv" in err and "Traceback" not in err
    assert earlier.read_text() == "the earlier run's alerts\n"


def test_a_line_that_is_not_utf8_is_rejected_with_its_line_and_the_run_goes_on(tmp_path, capsys):
    (tmp_path / "c.csv").write_bytes(b"name\nAnn Lee\nBo\xe9 Wu\n")
    _screen(tmp_path, str(tmp_path / "c.csv"), "-o", str(tmp_path / "a.csv"))
    rejects = pd.read_csv(tmp_path / "a.rejects.csv", dtype=str, keep_default_na=False)
    assert rejects["line"].tolist() == ["3"] and "not UTF-8" in rejects["reason"].tolist()[0]
    assert "Traceback" not in capsys.readouterr().err


def test_a_fresh_run_that_fails_before_its_first_chunk_keeps_the_earlier_output(tmp_path):
    from service.batch.job import JobOptions, run_job

    class Broken:
        def screen_chunks(self, chunks):
            raise RuntimeError("the engine failed")
            yield

    (tmp_path / "c.csv").write_text("name\nAnn Lee\n")
    earlier = tmp_path / "a.csv"
    earlier.write_text("the earlier run's alerts\n")
    options = JobOptions(tmp_path / "c.csv", earlier, tmp_path / "r.csv", Columns(("name",)), 1)
    with pytest.raises(RuntimeError):
        run_job(options, [], Broken())
    assert earlier.read_text() == "the earlier run's alerts\n"
    assert not (tmp_path / "a.csv.partial").exists() and not options.state_path.exists()
