"""The registry of official lists (``sources.toml`` beside this module, shipped in the package):
ids, URLs, formats, parsers."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from service import settings
from service.lists.errors import ListError
from service.lists.sources import SOURCES

DEFAULT_REGISTRY = Path(__file__).with_name("sources.toml")
DEFAULT_MAX_BYTES = 100 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RemoteFile:
    name: str
    url: str
    required: bool = True


@dataclass(frozen=True, slots=True)
class ListSpec:
    id: str
    parser: str
    publisher: str
    format: str
    files: tuple[RemoteFile, ...]
    entry: str = "."
    reference: str | None = None
    reference_published: str | None = None  # the snapshot's date when its files carry none
    page: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    archived: bool = False  # no longer published: never downloaded, its reference snapshot still read


def registry_path() -> Path:
    return settings.load().sources or DEFAULT_REGISTRY


def load_registry(path: str | Path | None = None) -> list[ListSpec]:
    """Read and check the registry; ListError on a missing file, bad TOML or an unknown parser."""
    path = Path(path) if path else registry_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ListError(f"{path}: cannot read the list registry: {exc}") from None
    specs = []
    for item in raw.get("list", []):
        try:
            files = tuple(
                RemoteFile(f["name"], f["url"], bool(f.get("required", True))) for f in item.get("files", [])
            )
            spec = ListSpec(
                id=item["id"],
                parser=item["parser"],
                publisher=item.get("publisher", ""),
                format=item.get("format", ""),
                files=files,
                entry=item.get("entry", "."),
                reference=item.get("reference"),
                page=item.get("page"),
                reference_published=item.get("reference_published"),
                max_bytes=int(item.get("max_bytes", DEFAULT_MAX_BYTES)),
                archived=bool(item.get("archived", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ListError(f"{path}: malformed [[list]] entry {item.get('id', '?')!r}: {exc}") from None
        if spec.parser not in SOURCES:
            raise ListError(f"{path}: list {spec.id!r} names unknown parser {spec.parser!r}")
        if any("/" in f.name or f.name.startswith(".") for f in files):
            raise ListError(f"{path}: list {spec.id!r} has a file name that is not a plain name")
        specs.append(spec)
    return specs


def find_spec(specs: list[ListSpec], key: str) -> ListSpec | None:
    """A registry entry by list id, else by parser name ("ofac" -> the ofac_sdn entry)."""
    return next((s for s in specs if s.id == key), None) or next((s for s in specs if s.parser == key), None)
