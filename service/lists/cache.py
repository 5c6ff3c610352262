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
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service import settings
from service.engine import model
from service.engine.model import LoadedList
from service.engine.parallel import dataclass_reducers, fork_map
from service.lists import load_source
from service.lists.download import fetch
from service.lists.errors import ListError
from service.lists.registry import ListSpec, load_registry
from service.paths import cache_dir, now_iso, reference_dir

log = logging.getLogger(__name__)

META = "meta.json"
SHRINK_SLACK = 10  # ...and more than this many (or half): a small custom list may lose a few records
DEFAULT_TIMEOUT = 60.0
STARTUP_TIMEOUT = 10.0  # what `orinoco serve` allows a first download before falling back
ATTEMPT = "download-attempt.json"  # the last failed download of a list served from a fallback
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def download_settings() -> dict[str, Any]:
    """Retries and first backoff of downloads: ``$ORINOCO_DOWNLOAD_RETRIES`` / ``_BACKOFF`` (seconds)."""
    env = _settings()
    out: dict[str, Any] = {}  # "retries": int, "backoff": float (fetch's keyword arguments)
    if env.download_retries is not None:
        out["retries"] = env.download_retries
    if env.download_backoff is not None:
        out["backoff"] = env.download_backoff
    return out


def _settings() -> settings.Settings:
    """The settings, a bad one a ListError (what the list commands report) naming it."""
    try:
        return settings.load()
    except settings.SettingsError as exc:
        raise ListError(str(exc)) from None


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
                loaded.version.origin = meta.get("origin") or _origin(meta)
                if loaded.version.fallback:
                    mark_reference(loaded, meta.get("published"))
            except (ListError, OSError, ValueError, KeyError) as exc:
                errors.append(f"{version_dir.name}: {exc}")
                continue
            if errors:
                log.warning(
                    "cache: %s current version unusable (%s), using the previous one", list_id, errors[0]
                )
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
            raise ListError(
                f"{list_id}: cannot write the list cache {self.root}: {exc.strerror or exc}; "
                "keeping the current version"
            ) from None
        finally:
            if path is not None and path.exists():
                shutil.rmtree(path, ignore_errors=True)

    def commit(
        self,
        list_id: str,
        parser: str,
        entry: str,
        staged: Path,
        files: list[dict],
        origin: str | None = None,
        published: str | None = None,
    ) -> Installed:
        """Parse the staged files, apply the whole-file checks, then make them ``current``.

        ``origin`` "reference" marks a historical snapshot standing in for the official list
        (``published``: its date when the files carry none)."""
        loaded = load_source(parser, staged / entry, list_id)
        loaded.version.origin = origin or _origin({"files": files})
        if loaded.version.fallback:
            mark_reference(loaded, published)
        current = self.current(list_id)
        old = self._version_meta(current)
        if old is not None:
            assert current is not None  # _version_meta(None) is None
            if old["version"]["sha256"] == loaded.version.sha256 and old.get("origin") != "reference":
                return Installed(self.load(list_id), current, changed=False)
            # a snapshot standing in is no earlier version of the live list: only its size counts
            kept = {f["name"] for f in files} | (
                {f["name"] for f in old.get("files", [])} if old.get("origin") == "reference" else set()
            )
            _check_not_shrunk(list_id, old, loaded, kept)
        meta = {
            "list_id": list_id,
            "parser": parser,
            "entry": entry,
            "installed_at": now_iso(),
            "origin": loaded.version.origin,
            "published": loaded.version.published,
            "files": files,
            "version": loaded.version.to_dict(),
            "skipped_rows": len(loaded.problems),
            "warnings": loaded.warnings,
        }
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


def max_shrink() -> float:
    """ORINOCO_MAX_SHRINK: the share of its entities or names a list may lose from one version to the
    next (downloads, imports and reloads alike); 1 accepts any loss."""
    return _settings().max_shrink


def shrink_problem(list_id: str, before: dict[str, int], after: dict[str, int]) -> str | None:
    """Why a new version that went from ``before`` to ``after`` entities and names is refused, or None:
    it lost more than ``max_shrink()`` of them, and more than SHRINK_SLACK or half.

    >>> shrink_problem("ofac_sdn", {"entities": 8976, "names": 1}, {"entities": 5386, "names": 1})[:60]
    'ofac_sdn: the new version has 5386 entities, 40% fewer than '
    """
    share = max_shrink()
    for what in ("entities", "names"):
        old, new = before.get(what, 0), after.get(what, 0)
        if old and new < (1.0 - share) * old and (old - new > SHRINK_SLACK or new < old / 2):
            return (
                f"{list_id}: the new version has {new} {what}, {1 - new / old:.0%} fewer than the "
                f"{old} of the current one (more than the {share:.0%} ORINOCO_MAX_SHRINK allows)"
            )
    return None


def _check_not_shrunk(list_id: str, old: dict, loaded: LoadedList, new_files: set[str]) -> None:
    """Refuse a version that lost a file, or more than ``max_shrink()`` of its entities or names."""
    lost = sorted({f["name"] for f in old.get("files", [])} - new_files)
    if lost:
        raise ListError(
            f"{list_id}: {', '.join(lost)} missing from the new version but part of the "
            "current one: refused, the current one stays"
        )
    problem = shrink_problem(
        list_id, old["version"], {"entities": loaded.version.entities, "names": loaded.version.names}
    )
    if problem:
        raise ListError(f"{problem}: refused, the current one stays")


def _origin(meta: dict) -> str:
    """A version's origin from its files (versions cached before origins were recorded)."""
    return "download" if any("url" in f for f in meta.get("files", [])) else "import"


def _point(link: Path, target: str) -> None:
    """Atomically make ``link`` a symlink to ``target`` (rename over the old link)."""
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    os.symlink(target, tmp)
    os.replace(tmp, link)


def update_list(
    spec: ListSpec,
    cache: ListCache | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int | None = None,
) -> Installed:
    """Download a registry list and install it; ListError (current version untouched) on any failure.
    ``retries``: None for the configured ones (``download_settings``)."""
    cache = cache or ListCache()
    current = cache.current(spec.id)
    known = _known_files(cache, current)
    settings = download_settings() | ({} if retries is None else {"retries": retries})
    with cache.staging(spec.id) as staged:
        files, unchanged = [], 0
        for remote in spec.files:
            old = known.get(remote.name) if known.get(remote.name, {}).get("url") == remote.url else None
            try:
                got = fetch(
                    remote.url,
                    staged / remote.name,
                    spec.max_bytes,
                    timeout,
                    etag=(old or {}).get("etag"),
                    last_modified=(old or {}).get("last_modified"),
                    **settings,
                )
            except ListError as exc:
                if remote.required:
                    kept = "keeping the current version" if cache.current(spec.id) else "nothing cached"
                    raise ListError(f"{spec.id}: {exc}; {kept}") from None
                (staged / remote.name).unlink(missing_ok=True)
                log.warning("%s: optional file %s not downloaded: %s", spec.id, remote.name, exc)
                continue
            if got.not_modified and old is not None and current is not None:
                shutil.copyfile(current / remote.name, staged / remote.name)  # HTTP 304: the file in hand
                files.append({**old, "etag": got.etag, "last_modified": got.last_modified})
                unchanged += 1
                continue
            files.append(
                {
                    "name": remote.name,
                    "url": remote.url,
                    "sha256": got.sha256,
                    "bytes": got.size,
                    "etag": got.etag,
                    "last_modified": got.last_modified,
                }
            )
        if current is not None and files and unchanged == len(files):
            return Installed(cache.load(spec.id), current, changed=False)
        return cache.commit(spec.id, spec.parser, spec.entry, staged, files)


def _known_files(cache: ListCache, current: Path | None) -> dict[str, dict]:
    """The current version's downloaded files by name (with their ETag / Last-Modified), if any."""
    meta = cache._version_meta(current)
    if meta is None or current is None:
        return {}
    return {f["name"]: f for f in meta.get("files", []) if "url" in f and (current / f["name"]).is_file()}


def import_files(
    parser: str,
    path: str | Path,
    list_id: str,
    cache: ListCache | None = None,
    origin: str = "import",
    published: str | None = None,
) -> Installed:
    """Install local files (offline sites): a folder's files, or one file, checked like a download
    (``origin``/``published`` as for ``ListCache.commit``)."""
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
        entry = "." if path.is_dir() else path.name
        return cache.commit(list_id, parser, entry, staged, files, origin, published)


def download_interval() -> float:
    """Seconds between two download attempts of a list served from a fallback snapshot:
    ORINOCO_DOWNLOAD_INTERVAL, e.g. ``6h``, ``30m``, ``90s`` or ``3600`` (default 6 hours)."""
    raw = _settings().download_interval.strip().lower()
    unit = _UNITS.get(raw[-1:], None)
    try:
        value = float(raw[:-1] if unit else raw) * (unit or 1)
    except ValueError:
        raise ListError(f"ORINOCO_DOWNLOAD_INTERVAL={raw!r}: expected a duration such as 6h or 90s") from None
    if value < 0:
        raise ListError(f"ORINOCO_DOWNLOAD_INTERVAL={raw!r} is negative")
    return value


def _attempt_path(cache: ListCache, list_id: str) -> Path:
    return cache.root / list_id / ATTEMPT


def last_attempt(cache: ListCache, list_id: str) -> dict | None:
    """The last failed download of a list served from a fallback: ``{"at": ISO, "error": ...}``."""
    try:
        return json.loads(_attempt_path(cache, list_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _record_attempt(cache: ListCache, list_id: str, error: str) -> None:
    path = _attempt_path(cache, list_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{ATTEMPT}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps({"at": now_iso(), "error": error}), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("lists: %s: cannot record the failed download in %s: %s", list_id, path, exc)


def _next_attempt(cache: ListCache, list_id: str, interval: float) -> datetime | None:
    """When a download of ``list_id`` is due again (None: now)."""
    attempt = last_attempt(cache, list_id)
    try:
        at = datetime.fromisoformat(attempt["at"].replace("Z", "+00:00")) if attempt else None
    except (KeyError, AttributeError, ValueError):
        at = None
    due = at + timedelta(seconds=interval) if at else None
    return due if due and due > datetime.now(UTC) else None


def _stamp(when: datetime) -> str:
    return when.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _install_reference(spec: ListSpec, cache: ListCache, why: str) -> LoadedList | None:
    """The registry's historical snapshot for ``spec``, written to the cache as a fallback version
    (so the next start does not download again before the interval); None if there is none."""
    ref = reference_dir()
    if not spec.reference or not (ref / spec.reference).exists():
        log.warning("lists: %s not loaded: %s, and no reference snapshot under %s", spec.id, why, ref)
        return None
    path = ref / spec.reference
    try:
        loaded = import_files(
            spec.parser, path, spec.id, cache, origin="reference", published=spec.reference_published
        ).loaded
        where = "written to the cache"
    except ListError as exc:
        if cache.current(spec.id) is not None or "cannot write" not in str(exc):
            log.warning("lists: %s: reference snapshot %s unusable: %s", spec.id, path, exc)
            return None
        loaded = load_source(spec.parser, path, spec.id)  # a read-only cache: serve it all the same
        mark_reference(loaded, spec.reference_published)
        where = f"not cached ({exc})"
    log.warning(
        "lists: %s from the reference snapshot %s (historical, published %s: not for real screening) "
        "because %s; %s",
        spec.id,
        spec.reference,
        loaded.version.published or "on an unknown date",
        why,
        where,
    )
    return loaded


def mark_reference(loaded: LoadedList, published: str | None) -> None:
    """Flag a list as a historical fallback; the registry's date stands in when the file has none."""
    loaded.version.origin = "reference"
    loaded.version.published = loaded.version.published or published


def default_lists(
    download: bool = True,
    timeout: float = STARTUP_TIMEOUT,
    cache: ListCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[LoadedList]:
    """What to screen against when no list is named: the cache, else a download, else the reference files.

    Each list says in one log line where it came from and why. A reference snapshot used because
    a download failed is written to the cache as that list's version, and the download is tried
    again (``download``) only once ``download_interval()`` has passed since the failed attempt.
    ``progress(parsed, total)`` hears after each list how many are parsed.
    """
    cache = cache or ListCache()
    interval = download_interval()
    registry = {spec.id: spec for spec in load_registry()}
    order = list(registry)  # the registry's order at every start: the index cache is keyed by it
    ids = sorted(cache.list_ids(), key=lambda i: (order.index(i) if i in order else len(order), i))
    if ids:  # what the cache holds, and only that (lists imported there included)
        jobs = [(i, registry.get(i), cache.current(i)) for i in ids]
    else:
        ref = reference_dir()
        jobs = [(s.id, s, ref / s.reference if s.reference else None) for s in registry.values()]

    def load(job: tuple[str, ListSpec | None, Path | None]) -> LoadedList | None:
        list_id, spec, _ = job
        if ids:
            return _from_cache(cache, list_id, spec, download, timeout, interval)
        assert spec is not None  # an empty cache loads the registry's lists
        return _into_empty_cache(cache, spec, download, timeout, interval)

    # Each list in a forked process (fork_map), the largest files first so that the last one
    # taken is a small one; the lists come back in the order above whatever the parse order.
    largest = sorted(range(len(jobs)), key=lambda k: -_bytes_to_parse(jobs[k][2]))
    found = fork_map(load, [jobs[k] for k in largest], progress=progress, reducers=_MODEL_REDUCERS)
    by_job = dict(zip(largest, found, strict=True))
    loaded = [x for x in (by_job[k] for k in range(len(jobs))) if x is not None]
    if loaded:
        return loaded
    raise ListError(
        f"no sanctions list available: nothing usable cached in {cache.root}, "
        f"{'download failed, ' if download else ''}no reference files under {reference_dir()} "
        "(run `orinoco lists update`, `orinoco lists import`, or pass --list SOURCE=PATH)"
    )


# How the forked loaders send back parsed lists (model.py's plain dataclasses).
_MODEL_REDUCERS = dataclass_reducers(
    model.Name,
    model.BirthDate,
    model.Document,
    model.Address,
    model.Vessel,
    model.Entity,
    model.RowProblem,
    model.ListVersion,
    model.LoadedList,
)


def _bytes_to_parse(path: Path | None) -> int:
    """The bytes a parser reads from a list's file or folder, a workbook's (zip) expanded: how
    long parsing it takes, roughly; 0 when there is nothing there (yet)."""
    if path is None or not path.exists():
        return 0
    files = [p for p in path.iterdir() if p.is_file() and p.name != META] if path.is_dir() else [path]
    total = 0
    for f in files:
        try:
            with zipfile.ZipFile(f) as archive:
                total += sum(member.file_size for member in archive.infolist())
        except (zipfile.BadZipFile, OSError):
            total += f.stat().st_size
    return total


def _into_empty_cache(
    cache: ListCache, spec: ListSpec, download: bool, timeout: float, interval: float
) -> LoadedList | None:
    """A list the cache does not hold yet: downloaded, else its reference snapshot (cached as a fallback)."""
    if not download:
        return _install_reference(spec, cache, "nothing is cached and this load does not download")
    if spec.archived:
        return _install_reference(spec, cache, "its source has closed (archived in the registry)")
    try:  # no retries at start-up: offline, the reference files must follow in seconds
        installed = update_list(spec, cache, timeout, retries=0)
    except ListError as exc:
        _record_attempt(cache, spec.id, str(exc))
        due = _stamp(datetime.now(UTC) + timedelta(seconds=interval))
        return _install_reference(spec, cache, f"the download failed ({exc}); next attempt after {due}")
    log.info("lists: %s downloaded from %s (nothing cached yet)", spec.id, spec.files[0].url)
    return installed.loaded


def _from_cache(
    cache: ListCache, list_id: str, spec: ListSpec | None, download: bool, timeout: float, interval: float
) -> LoadedList | None:
    """One cached list, logged with where it came from; a cached fallback is first replaced by a
    download when one is due."""
    try:
        current = cache.load(list_id)
    except ListError as exc:
        log.warning("lists: %s", exc)
        return None
    if not current.version.fallback:
        log.info(
            "lists: %s from the cache %s (%s, published %s)",
            list_id,
            cache.root,
            current.version.origin,
            current.version.published or "on an unknown date",
        )
        return current
    due = _next_attempt(cache, list_id, interval)
    if download and spec is not None and not spec.archived and due is None:
        try:
            installed = update_list(spec, cache, timeout, retries=0)
            log.info(
                "lists: %s downloaded from %s, replacing the cached reference snapshot",
                list_id,
                spec.files[0].url,
            )
            return installed.loaded
        except ListError as exc:
            _record_attempt(cache, list_id, str(exc))
            due = datetime.now(UTC) + timedelta(seconds=interval)
            why = f"the download failed again ({exc})"
    elif spec is not None and spec.archived:
        why, due = "its source has closed (archived in the registry)", None
    else:
        why = "the last download failed" if due else "this load does not download"
    log.warning(
        "lists: %s from the cache: a reference snapshot (historical, published %s: not for real "
        "screening) because %s; %s",
        list_id,
        current.version.published or "on an unknown date",
        why,
        f"next download attempt after {_stamp(due)}"
        if due and download
        else "run `orinoco lists update` to fetch the official list",
    )
    return current
