"""``SOURCE[:ID]=PATH`` list specifications (``--list``) and loading the lists they name.

One place for the CLI commands and the server's reloads: both load the same way and fail with
the same ``ListError`` messages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.engine.model import LoadedList
from service.lists import SOURCES, load_source
from service.lists.cache import default_lists
from service.lists.errors import ListError


@dataclass(frozen=True, slots=True)
class ListSpec:
    source: str
    list_id: str | None
    path: str


def parse_list_spec(value: str) -> ListSpec:
    """ "custom:firm=lists/firm.csv" -> ListSpec("custom", "firm", "lists/firm.csv")."""
    spec, sep, path = value.partition("=")
    source, _, list_id = spec.strip().partition(":")
    if not sep or not source or not path.strip():
        raise ListError(f"--list {value!r}: expected SOURCE=PATH, SOURCE one of {', '.join(SOURCES)}")
    if source not in SOURCES:
        raise ListError(f"--list {value!r}: unknown source {source!r}; known sources: {', '.join(SOURCES)}")
    return ListSpec(source, list_id.strip() or None, path.strip())


def load_specs(
    specs: list[ListSpec], download: bool = True, progress: Callable[[int, int], None] | None = None
) -> list[LoadedList]:
    """The lists ``specs`` name, or ``default_lists()`` when there are none; ListError on failure.

    ``progress(parsed, total)`` hears after each list how many are parsed.
    """
    if not specs:
        return default_lists(download=download, progress=progress)
    loaded = []
    for spec in specs:
        loaded.append(load_source(spec.source, spec.path, spec.list_id))
        if progress:
            progress(len(loaded), len(specs))
    ids = [x.version.id for x in loaded]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ListError(f"list id {', '.join(duplicates)} given twice: use SOURCE:ID=PATH to name each list")
    return loaded
