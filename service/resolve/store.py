"""Resolution results cached on disk, keyed by the lists' checksums, the rules' version and the
score model's (links rest on name scores).

Resolving every loaded list screens each record against the others (seconds to a minute); a
restart or a reload of unchanged lists reads the clusters back instead.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from service.engine.index import INDEX_FORMAT
from service.engine.model import LoadedList
from service.engine.screener import Screener
from service.resolve import Resolution, resolve
from service.resolve.clusters import Cluster, Link

log = logging.getLogger(__name__)

# Bump when a rule, a weight or the candidate search changes: cached clusters are then rebuilt
# (a change of the index format, i.e. of the name scores, rebuilds them too).
RULES_VERSION = 4


def cache_key(lists: list[LoadedList], score_model: str) -> str:
    digest = hashlib.sha256(f"rules={RULES_VERSION} index={INDEX_FORMAT} model={score_model}".encode())
    for lst in sorted(lists, key=lambda x: x.version.id):
        digest.update(f"\n{lst.version.id}:{lst.version.sha256}".encode())
    return digest.hexdigest()[:24]


def to_json(resolution: Resolution) -> dict:
    return {
        "rules": RULES_VERSION,
        "candidates": resolution.candidates,
        "refused": resolution.refused,
        "clusters": [c.to_dict() for c in resolution.clusters],
    }


def from_json(data: dict) -> Resolution:
    def link(x: dict) -> Link:
        return Link(
            (x["a"]["list"], x["a"]["entity_id"]),
            (x["b"]["list"], x["b"]["entity_id"]),
            x["points"],
            x["evidence"],
            x["by_identifier"],
        )

    clusters = [
        Cluster(c["id"], [(m["list"], m["entity_id"]) for m in c["members"]], [link(x) for x in c["links"]])
        for c in data["clusters"]
    ]
    return Resolution(clusters, candidates=data["candidates"], refused=data["refused"])


def cached_resolution(
    lists: list[LoadedList],
    screener: Screener,
    folder: Path | None,
    progress: Callable[[int, int], None] | None = None,
) -> Resolution:
    """The clusters of ``lists``: read from ``folder`` when resolved before, else resolved and saved
    (``progress`` as for ``resolve``)."""
    if len(lists) < 2:
        return Resolution([])
    path = folder / f"clusters-{cache_key(lists, screener.model.version)}.json" if folder else None
    if path and path.exists():
        try:
            resolution = from_json(json.loads(path.read_text(encoding="utf-8")))
            log.info("resolution loaded from cache: %d clusters", len(resolution.clusters))
            return resolution
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("resolution cache %s unreadable (%s): resolving again", path, exc)
    started = time.perf_counter()
    resolution = resolve(lists, screener, progress=progress)
    log.info(
        "resolution: %d clusters from %d candidate pairs in %.1f s",
        len(resolution.clusters),
        resolution.candidates,
        time.perf_counter() - started,
    )
    if path:
        _save(path, to_json(resolution))
    return resolution


def _save(path: Path, data: dict) -> None:
    """Written whole or not at all; a cache that cannot be written only costs the next start time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".clusters-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(json.dumps(data))  # one C-encoded string: 3x faster than json.dump's chunks
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("resolution cache not written to %s: %s", path, exc)
