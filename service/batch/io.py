"""Reading customer files in fixed-size chunks and writing result files safely.

Chunks are numbered from the start of the file and always cut at the same rows, so that a
resumed job skips exactly the chunks a previous run finished.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import unicodedata
from collections import deque
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from service.engine.unmask import unmask

INPUT_FORMATS = {
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def file_format(path: Path, formats: dict[str, str]) -> str:
    """The format named by the file's extension; ValueError for any other."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use one of {', '.join(formats)}")
    return fmt


# Columns read_chunks adds to every chunk: the record's first line in the file (CSV; "" for the
# other formats) and why the record could not be read ("" when it could).
LINE, PROBLEM = "\x00line", "\x00problem"
MAX_RECORD_LINES = 100  # a quoted field running longer than this is taken for an unclosed quote


def read_chunks(path: Path, chunk_size: int, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The input's ``columns`` as strings ("" for missing cells), ``chunk_size`` rows at a time,
    with ``LINE`` and ``PROBLEM``: a CSV row that is not well-formed (an unclosed or stray quote,
    a missing or extra column, bytes that are not UTF-8) is a row with its problem, not the end
    of the file.

    Raises ValueError naming the file (and the line) when the columns are missing or the header
    cannot be read.
    """
    fmt = file_format(path, INPUT_FORMATS)
    if fmt == "csv":
        yield from _csv_chunks(path, chunk_size, columns)
        return
    if fmt == "parquet":
        parquet = pq.ParquetFile(path)
        wanted = _checked(parquet.schema_arrow.names, columns, path)
        frames = (b.to_pandas() for b in parquet.iter_batches(batch_size=chunk_size, columns=wanted))
    else:
        frames = pd.read_json(path, lines=True, dtype=False, chunksize=chunk_size)
    try:
        for frame in frames:
            _checked(frame.columns, columns, path)
            n = len(frame)
            yield pd.DataFrame(
                {**{c: _as_text(frame[c]) for c in columns}, LINE: [""] * n, PROBLEM: [""] * n},
                index=pd.RangeIndex(n),
            )
    except UnicodeDecodeError as exc:
        raise unreadable(path, exc) from None


def check_header(path: Path, columns: list[str]) -> None:
    """ValueError (naming the file) unless the input is readable and has ``columns``: checked
    before a job writes anything."""
    if file_format(path, INPUT_FORMATS) == "csv":
        _csv_header(_csv_records(path), columns, path)
    elif file_format(path, INPUT_FORMATS) == "parquet":
        _checked(pq.ParquetFile(path).schema_arrow.names, columns, path)


def _csv_chunks(path: Path, chunk_size: int, columns: list[str]) -> Iterator[pd.DataFrame]:
    records = _csv_records(path)
    header = _csv_header(records, columns, path)
    at = [header.index(c) for c in columns]
    rows: list[tuple] = []
    for line, fields, problem in records:
        cells = [""] * len(columns) if problem else [fields[i] for i in at]
        rows.append((*cells, str(line), problem or ""))
        if len(rows) == chunk_size:
            yield pd.DataFrame(rows, columns=[*columns, LINE, PROBLEM], dtype=object)
            rows = []
    if rows:
        yield pd.DataFrame(rows, columns=[*columns, LINE, PROBLEM], dtype=object)


def _csv_header(
    records: Iterator[tuple[int, list[str], str | None]], columns: list[str], path: Path
) -> list[str]:
    first = next(records, None)
    if first is None:
        raise ValueError(f"{path}: empty file, expected a header line naming the columns")
    line, fields, problem = first
    if problem:
        raise ValueError(f"{path}: line {line}: the header is not readable CSV: {problem}")
    return _checked(fields, columns, path) and fields


def _csv_records(path: Path) -> Iterator[tuple[int, list[str], str | None]]:
    """(first line, fields, problem) for every record of a CSV file, blank lines skipped; the
    first record is the header, and every other must have as many fields.

    A record that is not well-formed yields its problem and no fields, and only its first line
    is given up: reading goes on at the next line, so one bad quote loses one row, not the file.
    """
    width = None
    with path.open("rb") as f:
        lines = enumerate(f, 1)
        pending: deque[tuple[int, str | None]] = deque()

        def take() -> tuple[int, str | None] | None:
            if pending:
                return pending.popleft()
            for n, raw in lines:
                try:
                    return n, raw.decode("utf-8-sig" if n == 1 else "utf-8")
                except UnicodeDecodeError:
                    return n, None
            return None

        while (first := take()) is not None:
            n, text = first
            if text is None:
                yield n, [], "not UTF-8 text"
                continue
            if not text.strip():
                continue
            record = [text]
            while sum(t.count('"') for t in record) % 2 and len(record) < MAX_RECORD_LINES:
                more = take()
                if more is None or more[1] is None:
                    pending.extendleft([more] if more else [])
                    break
                record.append(more[1])
            fields, problem = _parse("".join(record), width)
            if problem and len(record) > 1:  # give up the first line only; read the rest again
                pending.extendleft(reversed([(n + i, t) for i, t in enumerate(record[1:], 1)]))
                fields, problem = _parse(text, width)
                problem = problem or "unclosed quote"
            width = width if width is not None or problem else len(fields)
            yield n, fields, problem


def _parse(raw: str, width: int | None) -> tuple[list[str], str | None]:
    """One record's fields, or the reason it is not one well-formed CSV record of ``width`` fields."""
    if '"' not in raw and "\r" not in raw.rstrip("\r\n"):  # most rows: no quoting to undo
        fields = raw.rstrip("\r\n").split(",")
        return _width_checked(fields, width)
    try:
        rows = list(csv.reader(io.StringIO(raw), strict=True))
    except csv.Error as exc:
        return [], "unclosed quote" if "unexpected end of data" in str(exc) else f"malformed CSV ({exc})"
    if len(rows) != 1:
        return [], "malformed CSV (a line break outside quotes)"
    fields = rows[0]
    if raw.count('"') % 2 or any('"' in f and _quoted(f) not in raw for f in fields):
        return [], "stray quote inside a field (quote the whole field and double the quote)"
    return _width_checked(fields, width)


def _width_checked(fields: list[str], width: int | None) -> tuple[list[str], str | None]:
    if width is not None and len(fields) != width:
        extra = " (an extra column)" if len(fields) > width else ""
        return [], f"{len(fields)} fields where the header has {width}{extra}"
    return fields, None


def _quoted(field: str) -> str:
    return '"' + field.replace('"', '""') + '"'


def count_rows(path: Path) -> int | None:
    """The number of data rows, for the progress bar's ETA (None if it cannot be told cheaply)."""
    fmt = file_format(path, INPUT_FORMATS)
    if fmt == "parquet":
        return pq.ParquetFile(path).metadata.num_rows
    if fmt == "jsonl":
        with path.open("rb") as f:
            return sum(1 for line in f if line.strip())
    with path.open("rb") as f:  # quoted line breaks make this an estimate, which is fine for an ETA
        return max(0, sum(1 for _ in f) - 1)


def _checked(present, wanted: list[str], path: Path) -> list[str]:
    missing = [c for c in wanted if c not in set(present)]
    if missing:
        raise ValueError(f"{path}: no column {', '.join(map(repr, missing))}")
    return wanted


def _as_text(column: pd.Series) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in column.tolist()]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet could read ``cell`` as a formula: it starts with ``=``, ``+``, ``-``,
    ``@``, a tab or a line break as a reader sees it, i.e. after invisible characters and blanks
    (``unmask``) and NFKC (full-width "＝" is "=").

    >>> is_formula("＝1+1"), is_formula("\u200b=cmd"), is_formula(" @SUM(A1)"), is_formula("Ann")
    (True, True, True, False)
    """
    if cell.startswith(FORMULA_PREFIXES):
        return True
    if cell.isascii():
        return cell.lstrip(" ").startswith(FORMULA_PREFIXES)
    seen = unicodedata.normalize("NFKC", unmask(cell[:64]))
    return seen.startswith(FORMULA_PREFIXES) or seen.lstrip(" ").startswith(FORMULA_PREFIXES)


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading ``'`` (CSV injection)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [
                f"'{v}" if isinstance(v, str) and is_formula(v) else v for v in out[column].tolist()
            ]
    return out


def unreadable(path: Path, exc: UnicodeDecodeError) -> ValueError:
    """An error naming the file and the line where its text is not UTF-8 (the first such line)."""
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                return ValueError(
                    f"{path}: line {number} is not valid UTF-8 (byte 0x{line[bad.start]:02x} "
                    f"at column {bad.start + 1}); re-save the file as UTF-8"
                )
    return ValueError(f"{path}: not valid UTF-8 ({exc.reason}); re-save the file as UTF-8")


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CsvJournal:
    """A CSV file that grows chunk by chunk in ``OUTPUT.partial`` and takes its name when whole, so
    that an earlier OUTPUT stays intact until then; ``size()`` after a chunk marks a point to roll
    back to. Lines end in CRLF (RFC 4180), and Python's csv writer quotes every field holding a
    character of the line ending: a CR or LF inside a name stays inside its field for any reader."""

    def __init__(self, path: Path, columns: list[str]):
        self.path, self.columns = path, columns
        self.partial = path.with_name(path.name + ".partial")

    def start(self) -> None:
        self.partial.write_text(",".join(self.columns) + "\r\n", encoding="utf-8", newline="")

    def append(self, frame: pd.DataFrame) -> None:
        with self.partial.open("a", encoding="utf-8", newline="") as f:
            spreadsheet_safe(frame[self.columns]).to_csv(f, header=False, index=False, lineterminator="\r\n")
            f.flush()
            os.fsync(f.fileno())

    def size(self) -> int:
        return (self.partial if self.partial.exists() else self.path).stat().st_size

    def rollback(self, size: int) -> None:
        """Cut away whatever an unfinished chunk appended after the last checkpoint (a file that took
        its name just before a crash goes back to being partial)."""
        if not self.partial.exists():
            os.replace(self.path, self.partial)
        with self.partial.open("r+b") as f:
            f.truncate(size)
            os.fsync(f.fileno())

    def finish(self) -> None:
        """The whole file takes its name."""
        os.replace(self.partial, self.path)
        fsync_dir(self.path.parent)

    def discard(self) -> None:
        """Remove the unfinished file (an earlier finished one under the real name stays)."""
        self.partial.unlink(missing_ok=True)

    def cleanup(self) -> None:
        """Nothing beside the file to remove."""


class ParquetJournal:
    """Parquet cannot be appended to after a crash: each chunk is a file in ``OUTPUT.chunks/``,
    joined into OUTPUT at the end. ``size()`` is the number of chunk files."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema = path, schema
        self.parts = path.with_name(path.name + ".chunks")

    def start(self) -> None:
        self.rollback(0)  # an earlier OUTPUT stays until finish() replaces it whole

    def append(self, frame: pd.DataFrame) -> None:
        part = self.parts / f"{self.size():08d}.parquet"
        tmp = part.with_suffix(".tmp")
        pq.write_table(pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False), tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, part)
        fsync_dir(self.parts)

    def size(self) -> int:
        return len(self._files())

    def rollback(self, size: int) -> None:
        self.parts.mkdir(exist_ok=True)
        for stale in [*self._files()[size:], *self.parts.glob("*.tmp")]:
            stale.unlink()

    def finish(self) -> None:
        tmp = self.path.with_name(self.path.name + ".tmp")
        with pq.ParquetWriter(tmp, self.schema) as writer:
            for part in self._files():
                writer.write_table(pq.read_table(part, schema=self.schema))
        os.replace(tmp, self.path)
        fsync_dir(self.path.parent)

    def cleanup(self) -> None:
        """The chunk files, once the checkpoint says the joined file is complete."""
        self.rollback(0)
        self.parts.rmdir()

    def discard(self) -> None:
        """Remove the unfinished chunks (an earlier finished file under the real name stays)."""
        if self.parts.exists():
            self.cleanup()

    def _files(self) -> list[Path]:
        return sorted(self.parts.glob("*.parquet"))
