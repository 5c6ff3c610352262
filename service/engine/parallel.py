"""Pure-Python start-up work (normalizing every listed name, the resolver screening every record)
shared out to forked copies of this process, one per CPU: the children inherit the loaded lists and
index without pickling them, and send back only their (pickled) results through a pipe.

Plain ``os.fork`` rather than ``multiprocessing``: it runs in the gunicorn master, whose SIGCHLD
handler reaps any child (a ``Pool`` would then lose track of its workers), and it starts no thread.
The parent takes jobs too; the jobs a child took and did not send back (it failed or died) are
redone in the parent, so the result never depends on whether, or how many, children ran. What a
child logs is sent back with its results and logged by the parent (a job's log lines reach the
parent's handlers, its test capture included, whichever process ran it).
"""

from __future__ import annotations

import copyreg
import dataclasses
import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_PROCESSES = 4
JOB_BYTES = 4
# The job numbers must fit in the pipe's buffer (64 KiB on Linux) before any process reads them.
MAX_JOBS = 60_000 // JOB_BYTES


def processes() -> int:
    """The CPUs this process may run on (at most MAX_PROCESSES)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        n = os.cpu_count() or 1
    return max(1, min(n, MAX_PROCESSES))


def fork_map(
    fn: Callable[[T], R],
    jobs: Sequence[T],
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    reducers: dict[type, Callable] | None = None,
) -> list[R]:
    """``[fn(job) for job in jobs]`` computed by ``workers`` processes (default: ``processes()``):
    this one and forked children. Each process takes the next job not yet taken until none is
    left, so a process given the costly jobs does not keep the others waiting. ``progress(done,
    total)`` hears after each job this process finishes, ``done`` estimated as if every process
    kept its pace. ``reducers``: how the children pickle some types (``dataclass_reducers``)."""
    n = min(workers or processes(), len(jobs))
    if n <= 1 or not hasattr(os, "fork") or len(jobs) > MAX_JOBS:
        serial = []
        for i, job in enumerate(jobs):
            serial.append(fn(job))
            if progress:
                progress(i + 1, len(jobs))
        return serial
    sys.stdout.flush()
    sys.stderr.flush()
    # The job numbers wait in a pipe that every process reads JOB_BYTES at a time: a pipe read is
    # atomic, so each job is taken exactly once (written whole before any fork, then closed: EOF).
    queue, fill = os.pipe()
    os.write(fill, b"".join(i.to_bytes(JOB_BYTES, "little") for i in range(len(jobs))))
    os.close(fill)
    children: dict[int, tuple[int, int]] = {}  # share -> (pid, read end), until collected
    results: dict[int, R] = {}
    try:
        for share in range(1, n):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute the jobs it takes, send them, and leave without any cleanup
                status = 1
                try:
                    os.close(read)
                    records = _hold_log_records()
                    result = [(i, fn(jobs[i])) for i in _taken(queue)]
                    _send(write, (result, records), reducers)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write)
            children[share] = (pid, read)
        for done, i in enumerate(_taken(queue), 1):
            results[i] = fn(jobs[i])
            if progress:
                progress(min(done * n, len(jobs) - 1), len(jobs))
        for share in sorted(children):
            pid, read = children.pop(share)
            with os.fdopen(read, "rb") as pipe:
                try:
                    sent, records = pickle.load(pipe)
                except (EOFError, pickle.UnpicklingError):  # the child died: its jobs are redone below
                    sent, records = [], []
                results.update(sent)
                for record in records:
                    logging.getLogger(record.name).handle(record)
            _reap(pid)
        for i in range(len(jobs)):
            if i not in results:
                results[i] = fn(jobs[i])
    finally:  # stopped (TERM while loading) or failed: the remaining children stop too
        os.close(queue)
        for pid, read in children.values():
            os.close(read)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            _reap(pid)
    if progress:
        progress(len(jobs), len(jobs))
    return [results[i] for i in range(len(jobs))]


class Forked(Generic[R]):
    """``fn()`` computed by a forked child while this process goes on (``fork_call``)."""

    def __init__(self, fn: Callable[[], R], pid: int, pipe: int):
        self._fn, self._pid, self._pipe = fn, pid, pipe

    def result(self) -> R:
        """The child's result once it has sent it (its log records handled here), else ``fn()``
        computed here: the child failed or died (or there was no ``fork``)."""
        if self._pid < 0:
            return self._fn()
        try:
            with os.fdopen(self._pipe, "rb") as pipe:
                value, records = pickle.load(pipe)
        except (EOFError, pickle.UnpicklingError):
            _reap(self._pid)
            return self._fn()
        _reap(self._pid)
        for record in records:
            logging.getLogger(record.name).handle(record)
        return value


def fork_call(fn: Callable[[], R], reducers: dict[type, Callable] | None = None) -> Forked[R]:
    """Start ``fn()`` in a forked child, to run beside this process's own work (another
    ``fork_map`` included); ``.result()`` waits for it. Without ``fork``, computed by ``.result()``."""
    if not hasattr(os, "fork"):
        return Forked(fn, -1, -1)
    read, write = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, and leave without any cleanup
        status = 1
        try:
            os.close(read)
            records = _hold_log_records()
            value = fn()
            _send(write, (value, records), reducers)
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return Forked(fn, pid, read)


def _send(write: int, payload: object, reducers: dict[type, Callable] | None) -> None:
    """A child's result to its parent: ``payload`` pickled into the pipe ``write`` (closed after),
    with ``reducers`` for the classes they name."""
    with os.fdopen(write, "wb") as sink:
        pickler = pickle.Pickler(sink, protocol=pickle.HIGHEST_PROTOCOL)
        if reducers:
            pickler.dispatch_table = {**copyreg.dispatch_table, **reducers}
        pickler.dump(payload)


def dataclass_reducers(*classes: type) -> dict[type, Callable]:
    """Pickle these dataclasses as their class and field values, rebuilt by calling the class:
    a slotted dataclass otherwise pickles through Python-level ``__getstate__``/``__setstate__``,
    which more than doubles the cost of sending back thousands of parsed records. Only for classes
    whose every field is an ``__init__`` argument and that have no ``__post_init__``."""
    out: dict[type, Callable] = {}
    for cls in classes:
        names = tuple(f.name for f in dataclasses.fields(cls))
        if hasattr(cls, "__post_init__") or not all(f.init for f in dataclasses.fields(cls)):
            raise ValueError(f"{cls.__name__} is not rebuilt by calling it with its fields")
        out[cls] = lambda obj, cls=cls, names=names: (cls, tuple([getattr(obj, n) for n in names]))
    return out


def _hold_log_records() -> list[logging.LogRecord]:
    """In a child: keep every record its loggers would handle, ready to pickle, instead of
    handling it (the parent does, once the results are in)."""
    records: list[logging.LogRecord] = []

    def keep(_logger: logging.Logger, record: logging.LogRecord) -> None:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args, record.exc_info = record.getMessage(), None, None
        plain = (str, int, float, bool, type(None))  # what an ``extra`` holds may not pickle
        record.__dict__.update({k: str(v) for k, v in vars(record).items() if not isinstance(v, plain)})
        records.append(record)

    logging.Logger.callHandlers = keep  # type: ignore[method-assign,assignment]  # this process ends after its jobs
    return records


def _taken(queue: int) -> Iterator[int]:
    """The job numbers this process takes from the shared pipe, until it is empty."""
    while len(raw := os.read(queue, JOB_BYTES)) == JOB_BYTES:
        yield int.from_bytes(raw, "little")


def _reap(pid: int) -> None:
    """Collect a finished child; someone else (gunicorn's SIGCHLD handler) may have already."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
