"""CSV reading that turns a malformed row into a RowProblem instead of an exception."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from service.engine.model import RowProblem


def iter_rows(text: str, file: str, problems: list[RowProblem]) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number, fields) for each row; rows the csv module rejects are recorded and skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(RowProblem(file, line, f"unreadable CSV row: {exc}"))
            continue
        yield line, row
