"""Where Orinoco keeps things on disk, and the one way it writes a timestamp.

Every room reads these (lists, resolution and the index cache, the API, the CLI), so they live
apart from all of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from service import settings

REPO_ROOT = Path(__file__).resolve().parents[1]  # a source checkout; in an installed wheel, site-packages


def cache_dir() -> Path:
    """Downloaded list versions, built indexes and clusters: $ORINOCO_CACHE_DIR, else ~/.cache/orinoco."""
    return settings.load().cache_dir or Path.home() / ".cache" / "orinoco"


def reference_dir() -> Path:
    """The shared historical snapshots: $ORINOCO_REFERENCE_DIR, else ../shared/reference_lists."""
    env = settings.load().reference_dir
    if env:
        return env
    candidates = [base.parent / "shared" / "reference_lists" for base in (Path.cwd(), REPO_ROOT)]
    return next((c for c in candidates if c.is_dir()), candidates[-1])


def now_iso() -> str:
    """Now in UTC, to the second, as ``2026-12-07T15:08:19Z``."""
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
