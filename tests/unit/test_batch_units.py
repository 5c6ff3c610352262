"""The batch pieces without the lists: which rows are screened or rejected, CSV escaping, chunking
and the Parquet journal's rollback."""

from __future__ import annotations

import pandas as pd
import pytest

from service.batch.io import CsvJournal, ParquetJournal, read_chunks, spreadsheet_safe
from service.batch.job import Counts, Summary
from service.batch.prepare import Columns, prepare
from service.batch.screening import ALERT_SCHEMA, empty_alerts


def test_each_name_column_is_screened_and_bad_names_are_rejected_with_the_reason():
    chunk = pd.DataFrame({"id": ["a", "b", "c", "d", "e"],
                          "name": ["Ali Hassan", "", "", "x" * 513, "Acme Ltd"],
                          "alias": ["", "Bob Marley", "", "Jo Doe", "!!! ?"],
                          "kind": ["Person", "", "", "", "Spaceship"]})
    queries, rejects = prepare(chunk, 11, Columns(("name", "alias"), id="id", schema="kind"))
    assert list(zip(queries["row"], queries["input_id"], queries["input_name"], queries["schema"],
                    strict=True)) == [(11, "a", "Ali Hassan", "Person"), (12, "b", "Bob Marley", "Any"),
                                      (14, "d", "Jo Doe", "Any")]
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
    assert journal.path.read_text() == "a\none\n"


def test_parquet_journal_rolls_back_and_joins_chunks(tmp_path):
    journal = ParquetJournal(tmp_path / "a.parquet", ALERT_SCHEMA)
    journal.start()
    row = pd.DataFrame([["1", "Ann", "l", "e", "N", "M", 0.9, False, "{}", "C1", "un_sc:7"]],
                       columns=ALERT_SCHEMA.names)
    journal.append(row)
    journal.append(empty_alerts())
    journal.append(row.assign(input_id="3"))
    journal.rollback(2)
    journal.append(row.assign(input_id="4"))
    journal.finish()
    journal.cleanup()
    assert pd.read_parquet(journal.path)["input_id"].tolist() == ["1", "4"]
    assert not journal.parts.exists()


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "{tmp}/missing/a.csv"], "its folder does not exist"),
    (["-o", "{tmp}/a.txt"], "unsupported extension '.txt'"),
    (["-o", "{tmp}/c.csv"], "would overwrite the input"),
    (["-o", "{tmp}/a.csv", "--threshold", "1.5"], "--threshold 1.5"),
    (["-o", "{tmp}/a.csv", "--scheduler", "tcp://x:8786"], "need --engine dask"),
])
def test_the_command_refuses_bad_arguments_before_loading_lists(tmp_path, capsys, args, message):
    from service.cli import main

    (tmp_path / "c.csv").write_text("name\nAnn Lee\n")
    with pytest.raises(SystemExit) as exc:
        main(["screen", str(tmp_path / "c.csv"), *(a.format(tmp=tmp_path) for a in args)])
    assert exc.value.code == 2 and message in capsys.readouterr().err


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
    counts = Counts(rows_read=12, rows_screened=11, rows_rejected=1, names_screened=11, rejects=1,
                    reject_reasons={"name has no letters": 1}, alerts=1)
    line = Summary(counts, [], "alerts.csv", "alerts.rejects.csv", True).line()
    assert line.startswith("12 rows read, 11 rows screened (11 names), 1 row rejected "
                           "(1 line in the rejects file: name has no letters: 1), 1 alert;")
    assert " 1 rows" not in line and "rejects," not in line
