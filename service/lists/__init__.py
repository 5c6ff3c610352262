"""Official sanctions lists -> one entity model (``service.engine.model``), each load versioned.

``load_source("ofac", folder)`` / ``load_source("un", file)`` / ``load_source("custom", file)``
return a ``LoadedList``; a file that fails whole-file checks raises ``ListError``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from service.engine.model import LoadedList
from service.lists.errors import ListError
from service.lists.sources import SOURCES, Source

__all__ = ["SOURCES", "ListError", "Source", "load_source", "sniff_source"]

log = logging.getLogger(__name__)


def sniff_source(source: str, path: str | Path) -> str:
    """The source that reads ``path``: ``source``, unless the file is another source's format that
    ``source`` accepts for compatibility (an OFSI workbook given as "uk" is "uk_ofsi")."""
    spec = SOURCES.get(source)
    other = spec.sniff(Path(path).expanduser()) if spec and spec.sniff else None
    if other and other != source:
        log.info("%s: read as source %r (the file is in its format)", path, other)
        return other
    return source


def load_source(source: str, path: str | Path, list_id: str | None = None) -> LoadedList:
    """Parse one list. Bad rows are skipped into ``problems``; an unusable file raises ListError.

    Parsers only raise ListError by design; anything else escaping one is a parser bug on hostile
    input, and is turned into a ListError here too so a bad file can never take the service down.
    """
    if source not in SOURCES:
        raise ListError(f"unknown list source {source!r}; known sources: {', '.join(sorted(SOURCES))}")
    spec = SOURCES[sniff_source(source, path)]
    path = Path(path).expanduser()
    if not path.exists():
        raise ListError(f"{path}: no such {'folder' if spec.takes_folder else 'file'} for source {source!r}")
    try:
        loaded = spec.load(path, list_id or spec.default_list_id)
    except ListError:
        raise
    except Exception as exc:  # see docstring
        log.exception("parser %s failed on %s", source, path)
        raise ListError(f"{path}: could not be parsed as {source} ({type(exc).__name__}: {exc})") from exc
    if loaded.problems:
        first = loaded.problems[0]
        log.warning(
            "%s: %d malformed rows skipped (first: %s line %d: %s)",
            loaded.version.id,
            len(loaded.problems),
            first.file,
            first.line,
            first.reason,
        )
    for warning in loaded.warnings:
        log.warning("%s: %s", loaded.version.id, warning)
    return loaded
