"""Pure-Python start-up work (normalizing every listed name, the resolver screening every record)
shared out to forked copies of this process, one per CPU: the children inherit the loaded lists and
index without pickling them, and send back only their (pickled) results through a pipe.

Plain ``os.fork`` rather than ``multiprocessing``: it runs in the gunicorn master, whose SIGCHLD
handler reaps any child (a ``Pool`` would then lose track of its workers), and it starts no thread.
The parent computes a share itself; a child that fails or dies is redone in the parent, so the
result never depends on whether, or how many, children ran.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_PROCESSES = 4


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
) -> list[R]:
    """``[fn(job) for job in jobs]``, the jobs dealt round-robin to ``workers`` processes (default:
    ``processes()``): this one and forked children. ``progress(done, total)`` hears after each job
    this process finishes, ``done`` estimated as if every process kept its pace."""
    n = min(workers or processes(), len(jobs))
    if n <= 1 or not hasattr(os, "fork"):
        serial = []
        for i, job in enumerate(jobs):
            serial.append(fn(job))
            if progress:
                progress(i + 1, len(jobs))
        return serial
    sys.stdout.flush()
    sys.stderr.flush()
    children: dict[int, tuple[int, int]] = {}  # share -> (pid, read end), until collected
    results: dict[int, list[R]] = {}
    try:
        for share in range(1, n):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: compute its share, send it, and leave without any cleanup
                status = 1
                try:
                    os.close(read)
                    result = [fn(job) for job in jobs[share::n]]
                    with os.fdopen(write, "wb") as sink:
                        pickle.dump(result, sink, protocol=pickle.HIGHEST_PROTOCOL)
                    status = 0
                finally:
                    os._exit(status)
            os.close(write)
            children[share] = (pid, read)
        mine = []
        for done, job in enumerate(jobs[0::n], 1):
            mine.append(fn(job))
            if progress:
                progress(min(done * n, len(jobs) - 1), len(jobs))
        results[0] = mine
        for share in sorted(children):
            pid, read = children.pop(share)
            with os.fdopen(read, "rb") as pipe:
                try:
                    results[share] = pickle.load(pipe)
                except (EOFError, pickle.UnpicklingError):  # the child died: its share is done here
                    results[share] = [fn(job) for job in jobs[share::n]]
            _reap(pid)
    finally:  # stopped (TERM while loading) or failed: the remaining children stop too
        for pid, read in children.values():
            os.close(read)
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            _reap(pid)
    if progress:
        progress(len(jobs), len(jobs))
    ordered: list[R | None] = [None] * len(jobs)
    for share, part in results.items():
        ordered[share::n] = part
    return ordered  # type: ignore[return-value]  # every slot filled: the shares cover all jobs


def _reap(pid: int) -> None:
    """Collect a finished child; someone else (gunicorn's SIGCHLD handler) may have already."""
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
