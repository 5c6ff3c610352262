"""Reading customer files in fixed-size chunks and writing result files safely.

Chunks are numbered from the start of the file and always cut at the same rows, so that a
resumed job skips exactly the chunks a previous run finished.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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
        frames = pd.read_csv(path, dtype=str, keep_default_na=False, chunksize=chunk_size,
                             usecols=_checked(pd.read_csv(path, nrows=0).columns, columns, path))
    elif fmt == "parquet":
        parquet = pq.ParquetFile(path)
        wanted = _checked(parquet.schema_arrow.names, columns, path)
        frames = (b.to_pandas() for b in parquet.iter_batches(batch_size=chunk_size, columns=wanted))
    else:
        frames = pd.read_json(path, lines=True, dtype=False, chunksize=chunk_size)
    for frame in frames:
        _checked(frame.columns, columns, path)
        yield pd.DataFrame({c: _as_text(frame[c]) for c in columns}, index=pd.RangeIndex(len(frame)))


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


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading ``'`` (CSV injection)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_PREFIXES) else v
                           for v in out[column].tolist()]
    return out


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class CsvJournal:
    """A CSV file that grows chunk by chunk; ``size()`` after a chunk marks a point to roll back to."""

    def __init__(self, path: Path, columns: list[str]):
        self.path, self.columns = path, columns

    def start(self) -> None:
        self.path.write_text(",".join(self.columns) + "\n", encoding="utf-8")

    def append(self, frame: pd.DataFrame) -> None:
        with self.path.open("a", encoding="utf-8", newline="") as f:
            spreadsheet_safe(frame[self.columns]).to_csv(f, header=False, index=False)
            f.flush()
            os.fsync(f.fileno())

    def size(self) -> int:
        return self.path.stat().st_size

    def rollback(self, size: int) -> None:
        """Cut away whatever an unfinished chunk appended after the last checkpoint."""
        with self.path.open("r+b") as f:
            f.truncate(size)
            os.fsync(f.fileno())

    def finish(self) -> None:
        """The file is already whole."""

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
