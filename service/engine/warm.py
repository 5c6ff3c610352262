"""Compiling the scoring loops aside while the lists load.

numba compiles each loop of ``kernels`` at its first call in a process: the first start after an
install spends ~2 s there (in ``Screener.warm_up``, one core idle meanwhile); later starts read
the compiled code from numba's on-disk cache in a fraction of a second. ``compile_aside`` forks a
process that compiles them on a tiny index of its own (the argument types are those of any index:
numba compiles per type, not per size), writing numba's cache, while this one parses the lists and
builds the index; ``Aside.wait`` waits for it before ``warm_up`` reads the loops from the cache.
"""

from __future__ import annotations

import os
import select
import signal
from typing import Any

from service.engine import kernels
from service.engine.index import build_index
from service.engine.model import Entity, ListVersion, LoadedList, Name
from service.engine.screener import Query, Screener

WAIT_SECONDS = 120.0  # a compile takes seconds; past this the child is stopped and warm_up compiles
KERNELS: tuple[Any, ...] = (  # numba dispatchers (their cache is not in numba's type hints)
    kernels.reaching,
    kernels.align,
    kernels.figures,
    kernels.signature_candidates,
    kernels._common,
)


def compiled() -> bool:
    """Whether numba's cache holds code of the current ``kernels`` for every loop."""
    try:
        return all(k._cache._cache_file._load_index() for k in KERNELS)
    except Exception:  # numba's cache internals moved: compile aside, as if nothing were cached
        return False


class Aside:
    """The compiling child: ``wait`` for it to end; ``close`` stops it (loading stopped)."""

    def __init__(self, pid: int, pipe: int):
        self.pid, self._pipe = pid, pipe

    def wait(self) -> None:
        """Until the child ended (its end of the pipe closes), or WAIT_SECONDS passed."""
        if self._pipe >= 0:
            select.select([self._pipe], [], [], WAIT_SECONDS)
        self.close()

    def close(self) -> None:
        if self._pipe < 0:
            return
        os.close(self._pipe)
        self._pipe = -1
        try:
            os.kill(self.pid, signal.SIGTERM)  # a no-op once it has ended
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):  # reaped already (gunicorn's arbiter reaps)
            pass


def compile_aside() -> Aside | None:
    """Fork the compiling child, unless numba's cache already holds the loops (None)."""
    if compiled() or not hasattr(os, "fork"):
        return None
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compile, then leave without any cleanup (closing the pipe: done)
        status = 1
        try:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the loading master's handler raises
            os.close(read)
            _compile()
            status = 0
        finally:
            os._exit(status)
    os.close(write)
    return Aside(pid, read)


def _compile() -> None:
    """Screen two names against a tiny index built here: every loop of ``kernels`` runs."""
    names = [("Person", "MOHAMMED, Ali Hassan"), ("Organization", "Northern Star Trading LLC")]
    ents = [
        Entity(str(i), "warm", schema, name, [Name(name.title())]) for i, (schema, name) in enumerate(names)
    ]
    lists = [LoadedList(ListVersion("warm", "custom", None, "0" * 64, len(ents), 2 * len(ents), ""), ents)]
    Screener(lists, build_index(lists)).screen([Query("Ali Hasan Mohamed", "Person"), Query("Northern Star")])
