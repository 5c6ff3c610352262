"""The local list cache: staged downloads/imports, validated, then swapped in atomically.

Layout under ``$ORINOCO_CACHE_DIR/lists/<list id>/``: ``versions/<stamp>-<sha>/`` (files +
meta.json), and the symlinks ``current`` and ``previous``. A new version becomes ``current`` by
an atomic symlink replace, only after it parsed and passed the whole-file checks, so a bad
download never replaces a good list; the old one stays as ``previous``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from service.engine.model import LoadedList
from service.lists import load_source
from service.lists.download import fetch
from service.lists.errors import ListError
from service.lists.registry import ListSpec, load_registry
from service.paths import cache_dir, now_iso, reference_dir

log = logging.getLogger(__name__)

META = "meta.json"
MIN_FRACTION = 0.5  # a new version with under half the entities of the previous one is refused
DEFAULT_TIMEOUT = 60.0
STARTUP_TIMEOUT = 10.0  # what `orinoco serve` allows a first download before falling back


@dataclass(slots=True)
class Installed:
    """The outcome of an update or import: what is current now, and whether it changed."""

    loaded: LoadedList
    path: Path
    changed: bool


class ListCache:
    def __init__(self, root: str | Path | None = None):
        self.root = Path(root) if root else cache_dir() / "lists"

    def list_ids(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if (p / "current").exists())

    def current(self, list_id: str) -> Path | None:
        link = self.root / list_id / "current"
        return link.resolve() if link.exists() else None

    def previous(self, list_id: str) -> Path | None:
        link = self.root / list_id / "previous"
        return link.resolve() if link.exists() else None

    @staticmethod
    def meta(version_dir: Path) -> dict:
        return json.loads((version_dir / META).read_text(encoding="utf-8"))

    def load(self, list_id: str) -> LoadedList:
        """The current version, or the previous one if current no longer parses."""
        errors = []
        for version_dir in (self.current(list_id), self.previous(list_id)):
            if version_dir is None:
                continue
            try:
                meta = self.meta(version_dir)
                loaded = load_source(meta["parser"], version_dir / meta["entry"], list_id)
            except (ListError, OSError, ValueError, KeyError) as exc:
                errors.append(f"{version_dir.name}: {exc}")
                continue
            if errors:
                log.warning("cache: %s current version unusable (%s), using the previous one",
                            list_id, errors[0])
            return loaded
        raise ListError(f"cached list {list_id!r} unusable: {'; '.join(errors) or 'nothing cached'}")

    @contextmanager
    def staging(self, list_id: str) -> Iterator[Path]:
        """A private folder on the cache's filesystem (so the final rename is atomic), removed on failure."""
        list_dir = self.root / list_id
        path = None
        try:
            (list_dir / "versions").mkdir(parents=True, exist_ok=True)
            with (list_dir / ".lock").open("w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                path = Path(tempfile.mkdtemp(prefix=".staging-", dir=list_dir))
                yield path
        except OSError as exc:  # a full or read-only disk: say so, like any other failed update
            raise ListError(f"{list_id}: cannot write the list cache {self.root}: {exc.strerror or exc}; "
                            "keeping the current version") from None
        finally:
            if path is not None and path.exists():
                shutil.rmtree(path, ignore_errors=True)

    def commit(self, list_id: str, parser: str, entry: str, staged: Path, files: list[dict]) -> Installed:
        """Parse the staged files, apply the whole-file checks, then make them ``current``."""
        loaded = load_source(parser, staged / entry, list_id)
        current = self.current(list_id)
        old = self._version_meta(current)
        if old is not None:
            if old["version"]["sha256"] == loaded.version.sha256:
                return Installed(self.load(list_id), current, changed=False)
            _check_not_shrunk(list_id, old, loaded, {f["name"] for f in files})
        meta = {"list_id": list_id, "parser": parser, "entry": entry, "installed_at": now_iso(),
                "files": files, "version": loaded.version.to_dict(),
                "skipped_rows": len(loaded.problems), "warnings": loaded.warnings}
        (staged / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        name = f"{stamp}-{loaded.version.sha256[:12]}"
        list_dir = self.root / list_id
        final = list_dir / "versions" / name
        os.rename(staged, final)
        if current is not None:
            _point(list_dir / "previous", f"versions/{current.name}")
        _point(list_dir / "current", f"versions/{name}")
        self._prune(list_dir, {name, current.name if current else name})
        loaded.version.files = [str(final / Path(f).name) for f in loaded.version.files]
        return Installed(loaded, final, changed=True)

    def _version_meta(self, version_dir: Path | None) -> dict | None:
        """The meta.json of a version, or None (logged) if there is none or it is unreadable."""
        if version_dir is None:
            return None
        try:
            meta = self.meta(version_dir)
            if not {"sha256", "entities", "names"} <= set(meta["version"]):
                raise ValueError("version record incomplete")
            return meta
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("cache: ignoring unreadable %s: %s", version_dir / META, exc)
            return None

    @staticmethod
    def _prune(list_dir: Path, keep: set[str]) -> None:
        for version_dir in (list_dir / "versions").iterdir():
            if version_dir.name not in keep:
                shutil.rmtree(version_dir, ignore_errors=True)


def _check_not_shrunk(list_id: str, old: dict, loaded: LoadedList, new_files: set[str]) -> None:
    """Refuse a version that lost a file, or most of its entities or names: a partial list."""
    lost = sorted({f["name"] for f in old.get("files", [])} - new_files)
    if lost:
        raise ListError(f"{list_id}: {', '.join(lost)} missing from the new version but part of the "
                        "current one: refused, the current one stays")
    for what in ("entities", "names"):
        before, now = old["version"][what], getattr(loaded.version, what)
        if now < MIN_FRACTION * before:
            raise ListError(f"{list_id}: new version has {now} {what}, far fewer than the {before} of "
                            "the current one: refused, the current one stays")


def _point(link: Path, target: str) -> None:
    """Atomically make ``link`` a symlink to ``target`` (rename over the old link)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def update_list(spec: ListSpec, cache: ListCache | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> Installed:
    """Download a registry list and install it; ListError (current version untouched) on any failure."""
    cache = cache or ListCache()
    with cache.staging(spec.id) as staged:
        files = []
        for remote in spec.files:
            try:
                sha, size = fetch(remote.url, staged / remote.name, spec.max_bytes, timeout)
            except ListError as exc:
                if remote.required:
                    raise ListError(f"{spec.id}: {exc}; keeping the current version") from None
                (staged / remote.name).unlink(missing_ok=True)
                log.warning("%s: optional file %s not downloaded: %s", spec.id, remote.name, exc)
                continue
            files.append({"name": remote.name, "url": remote.url, "sha256": sha, "bytes": size})
        return cache.commit(spec.id, spec.parser, spec.entry, staged, files)


def import_files(parser: str, path: str | Path, list_id: str, cache: ListCache | None = None) -> Installed:
    """Install local files (offline sites): a folder's files, or one file, checked like a download."""
    cache = cache or ListCache()
    path = Path(path)
    if not path.exists():
        raise ListError(f"{path}: no such file or folder")
    sources = sorted(p for p in path.iterdir() if p.is_file()) if path.is_dir() else [path]
    with cache.staging(list_id) as staged:
        files = []
        for src in sources:
            shutil.copyfile(src, staged / src.name)
            files.append({"name": src.name, "source": str(src.resolve()), "bytes": src.stat().st_size})
        return cache.commit(list_id, parser, "." if path.is_dir() else path.name, staged, files)


def default_lists(download: bool = True, timeout: float = STARTUP_TIMEOUT,
                  cache: ListCache | None = None) -> list[LoadedList]:
    """What to screen against when no list is named: the cache, else a download, else the reference files."""
    cache = cache or ListCache()
    cached = []
    for list_id in cache.list_ids():
        try:
            cached.append(cache.load(list_id))
        except ListError as exc:
            log.warning("%s", exc)
    if cached:
        log.info("lists: using the local cache %s (%s)", cache.root, ", ".join(x.version.id for x in cached))
        return cached
    specs = load_registry()
    if download:
        fetched = []
        for spec in specs:
            try:
                fetched.append(update_list(spec, cache, timeout).loaded)
            except ListError as exc:
                log.warning("lists: download of %s failed: %s", spec.id, exc)
        if fetched:
            log.info("lists: downloaded %s", ", ".join(x.version.id for x in fetched))
            return fetched
    ref = reference_dir()
    found = []
    for spec in specs:
        if spec.reference and (ref / spec.reference).exists():
            try:
                found.append(load_source(spec.parser, ref / spec.reference, spec.id))
            except ListError as exc:
                log.warning("lists: reference file unusable: %s", exc)
    if found:
        log.warning("lists: using the historical reference files under %s (%s): not for real screening",
                    ref, ", ".join(x.version.id for x in found))
        return found
    raise ListError(f"no sanctions list available: nothing cached in {cache.root}, "
                    f"{'download failed, ' if download else ''}no reference files under {ref} "
                    "(run `orinoco lists update`, `orinoco lists import`, or pass --list SOURCE=PATH)")
