"""The batch job on a Dask cluster: each chunk is one partition of a ``dask.dataframe``.

The prepared Screener is pickled once and shipped inside a WorkerPlugin: every worker receives
and unpickles it once, when the plugin registers (or when the worker joins later), never once
per task. Tasks look it up on their worker. Chunks are submitted a few at a time and their
results handed back in chunk order, so the job's output and checkpoint are the local engine's.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import cast

import dask.dataframe as dd
import pandas as pd
from distributed import Client, Future, LocalCluster, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from service.batch.screening import empty_alerts, screen_queries
from service.engine.screener import Screener

# Per worker process, for the tests that prove the Screener arrives once per worker.
RECEIVED = 0
TASKS = 0


class ScreenerPlugin(WorkerPlugin):
    """Carries the pickled Screener to each worker and keeps it there for the tasks."""

    def __init__(self, name: str, payload: bytes):
        self.name, self.payload = name, payload
        self.screener: Screener | None = None

    def setup(self, worker) -> None:
        global RECEIVED
        self.screener = pickle.loads(self.payload)
        self.payload = b""
        self.lock = threading.Lock()  # the Screener runs one screen() at a time per process
        RECEIVED += 1


class Chunk:
    """A chunk's queries as a task argument. Dask logs a failed task's arguments and exception:
    this repr and the withheld exception message keep the screened names out of worker logs."""

    def __init__(self, number: int, queries: pd.DataFrame):
        self.number, self.queries = number, queries

    def __repr__(self) -> str:
        return f"<chunk {self.number}: {len(self.queries)} queries>"


def _screen_partition(chunk: Chunk, plugin: str, limit: int, threshold: float | None) -> pd.DataFrame:
    global TASKS
    holder = cast(ScreenerPlugin, get_worker().plugins[plugin])
    with holder.lock:
        TASKS += 1
        try:
            assert holder.screener is not None  # setup() ran on this worker before its tasks
            return screen_queries(holder.screener, chunk.queries, limit, threshold)
        except Exception as exc:
            raise RuntimeError(
                f"{chunk!r}: {type(exc).__name__} while screening (message withheld: it may hold names)"
            ) from None


class DaskEngine:
    """Screens chunks on the cluster behind ``client``, at most ``in_flight`` at a time."""

    def __init__(
        self,
        client: Client,
        screener: Screener,
        limit: int,
        threshold: float | None,
        in_flight: int | None = None,
    ):
        self.client, self.limit, self.threshold = client, limit, threshold
        self.plugin = f"orinoco-screener-{uuid.uuid4().hex}"
        workers = len(client.scheduler_info().get("workers", {})) or 1
        self.in_flight = in_flight or 2 * workers
        client.register_plugin(
            ScreenerPlugin(self.plugin, pickle.dumps(screener, protocol=5)), name=self.plugin
        )

    def close(self) -> None:
        """Frees the Screener on the workers of a cluster that outlives the job."""
        self.client.unregister_worker_plugin(self.plugin)

    def screen_chunks(self, chunks: Iterable[tuple[int, pd.DataFrame]]) -> Iterator[tuple[int, pd.DataFrame]]:
        running: deque[tuple[int, Future]] = deque()
        for k, queries in chunks:
            running.append((k, self._submit(k, queries)))
            if len(running) >= self.in_flight:
                head, future = running.popleft()
                yield head, future.result()
        while running:
            head, future = running.popleft()
            yield head, future.result()

    def _submit(self, k: int, queries: pd.DataFrame) -> Future:
        frame = dd.from_map(
            _screen_partition,
            [Chunk(k, queries)],
            plugin=self.plugin,
            limit=self.limit,
            threshold=self.threshold,
            meta=empty_alerts(),
            label="orinoco-screen",
            enforce_metadata=False,
        )
        return self.client.compute(frame)


def machine_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def dask_client(
    scheduler: str | None = None, workers: int | None = None, memory_limit: str = "auto"
) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of a LocalCluster of worker processes (one
    single-threaded worker per core unless ``workers`` says otherwise) that ends with the block."""
    if scheduler:
        with Client(scheduler) as client:
            yield client
        return
    cluster = LocalCluster(
        n_workers=workers or machine_workers(),
        threads_per_worker=1,
        processes=True,
        memory_limit=memory_limit,
        dashboard_address=":0",
    )
    with cluster, Client(cluster) as client:
        yield client
