"""The database: SQLite by default (a file in the cache directory), PostgreSQL by URL.

``ORINOCO_DATABASE_URL`` chooses it (``postgresql+psycopg://user@host/db``); migrations (Alembic,
shipped in the package) run on start. One engine per process: gunicorn forks workers from the
master, and a connection must never cross a fork, so ``Database.engine`` is rebuilt in a new pid.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from service import settings
from service.paths import cache_dir

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def database_url(env: Mapping[str, str] | None = None) -> str:
    """ORINOCO_DATABASE_URL, else a SQLite file ``monitor.sqlite3`` in the cache directory."""
    url = (settings.load(env).database_url or "").strip()
    if url:
        return url
    path = cache_dir() / "monitor.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _sqlite_engine(url: str) -> Engine:
    # Several processes (gunicorn workers, the import command) write one file: WAL lets readers
    # run beside a writer, and BEGIN IMMEDIATE takes the write lock up front so two transactions
    # never deadlock upgrading a read lock; busy_timeout makes the others wait instead of failing.
    engine = create_engine(
        url, connect_args={"timeout": 60, "check_same_thread": False}, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """Engine and sessions for one URL; every unit of work is one transaction (``transaction``).

    ``hide_parameters``: a database error's message never carries the statement's values, so a
    customer's name cannot reach a log through an exception."""

    def __init__(self, url: str):
        self.url = url
        self._engine: Engine | None = None
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._sessions: sessionmaker | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    @property
    def engine(self) -> Engine:
        with self._lock:
            if self._engine is None or self._pid != os.getpid():
                if self._engine is not None:
                    self._engine.dispose(close=False)  # the parent's connections stay the parent's
                self._engine = (
                    _sqlite_engine(self.url)
                    if self.is_sqlite
                    else create_engine(
                        self.url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True
                    )
                )
                self._sessions = sessionmaker(self._engine, expire_on_commit=False)
                self._pid = os.getpid()
            return self._engine

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        self.engine  # noqa: B018 - (re)creates the engine and session factory in this process
        assert self._sessions is not None
        with self._sessions() as session, session.begin():
            yield session

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent; safe on every start)."""
        logging.getLogger("alembic").setLevel(logging.WARNING)  # its INFO lines are per plugin and step
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()

    def dispose(self) -> None:
        if self._engine is not None and self._pid == os.getpid():
            self._engine.dispose()
        self._engine = None
