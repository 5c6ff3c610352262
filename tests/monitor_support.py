"""Shared by the monitoring tests: the databases they run on (SQLite, and PostgreSQL when
ORINOCO_TEST_DATABASE_URL names a server, as .ci/run arranges) and small watchlists to change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import text

from service.engine.screener import Screener
from service.lists import load_source
from service.monitor.db import Database
from service.monitor.models import Base

REFERENCE = Path(
    os.environ.get("ORINOCO_REFERENCE_DIR")
    or Path(__file__).resolve().parents[2] / "shared" / "reference_lists"
)
HEADER = "entity_id,name,schema,is_primary,birth_date,country,program\n"
WATCHLIST_V1 = {
    "W1": "W1,Zorander Quillfeather,person,1,1970,,TEST\n",
    "W2": "W2,Blackwater Shipping Consolidated,organization,1,,,TEST\n",
    "W3": "W3,Ivelina Marchetti Dunsworth,person,1,1961,,TEST\n",
    "W4": "W4,Osvaldo Perkunas,person,1,,,TEST\n",
}


def write_watchlist(path: Path, rows: dict[str, str]) -> Path:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(HEADER + "".join(rows.values()), encoding="utf-8")
    os.replace(tmp, path)
    return path


def screener_for(path: Path) -> Screener:
    return Screener.from_lists([load_source("custom", str(path), "watch")])


def postgres_url() -> str | None:
    return os.environ.get("ORINOCO_TEST_DATABASE_URL") or None


def database_params() -> list:
    return [
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not postgres_url(),
                reason="no PostgreSQL server: set ORINOCO_TEST_DATABASE_URL (.ci/run starts one)",
            ),
        ),
    ]


def fresh_database(kind: str, tmp: Path) -> Database:
    """An empty, migrated database of this kind (PostgreSQL: its tables dropped first)."""
    if kind == "sqlite":
        db = Database(f"sqlite:///{tmp / 'monitor.sqlite3'}")
    else:
        db = Database(postgres_url())
        with db.engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS customer_tokens"))  # dropped by migration 0002
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    db.migrate()
    return db
