"""Reading customer files in fixed-size chunks and writing result files safely.

Chunks are numbered from the start of the file and always cut at the same rows, so that a
resumed job skips exactly the chunks a previous run finished.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from service.engine.unmask import unmask

INPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl",
                 ".ndjson": "jsonl"}
OUTPUT_FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def file_format(path: Path, formats: dict[str, str]) -> str:
    """The format named by the file's extension; ValueError for any other."""
    fmt = formats.get(path.suffix.lower())
    if fmt is None:
        raise ValueError(f"{path}: unsupported extension {path.suffix!r}; use one of {', '.join(formats)}")
    return fmt


def read_chunks(path: Path, chunk_size: int, columns: list[str]) -> Iterator[pd.DataFrame]:
    """The input's ``columns`` as strings ("" for missing cells), ``chunk_size`` rows at a time.

    Raises ValueError naming the columns the file does not have.
    """
    fmt = file_format(path, INPUT_FORMATS)
    if fmt == "csv":
        try:
            header = pd.read_csv(path, nrows=0).columns
        except UnicodeDecodeError as exc:
            raise unreadable(path, exc) from None
        frames = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_size,
                             usecols=_checked(header, columns, path))
    elif fmt == "parquet":
        parquet = pq.ParquetFile(path)
        wanted = _checked(parquet.schema_arrow.names, columns, path)
        frames = (b.to_pandas() for b in parquet.iter_batches(batch_size=chunk_size, columns=wanted))
    else:
        frames = pd.read_json(path, lines=True, dtype=False, chunksize=chunk_size)
    try:
        for frame in frames:
            _checked(frame.columns, columns, path)
            yield pd.DataFrame({c: _as_text(frame[c]) for c in columns}, index=pd.RangeIndex(len(frame)))
    except UnicodeDecodeError as exc:
        raise unreadable(path, exc) from None


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
            out[column] = [f"'{v}" if isinstance(v, str) and is_formula(v) else v
                           for v in out[column].tolist()]
    return out


def unreadable(path: Path, exc: UnicodeDecodeError) -> ValueError:
    """An error naming the file and the line where its text is not UTF-8 (the first such line)."""
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as bad:
                return ValueError(f"{path}: line {number} is not valid UTF-8 (byte 0x{line[bad.start]:02x} "
                                  f"at column {bad.start + 1}); re-save the file as UTF-8")
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

    def cleanup(self) -> None:
        """Nothing beside the file to remove."""


class ParquetJournal:
    """Parquet cannot be appended to after a crash: each chunk is a file in ``OUTPUT.chunks/``,
    joined into OUTPUT at the end. ``size()`` is the number of chunk files."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.path, self.schema = path, schema
        self.parts = path.with_name(path.name + ".chunks")

    def start(self) -> None:
        self.rollback(0)
        self.path.unlink(missing_ok=True)

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

    def _files(self) -> list[Path]:
        return sorted(self.parts.glob("*.parquet"))
