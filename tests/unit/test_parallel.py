"""fork_map (engine/parallel.py): the same results as a plain loop, in job order, whatever the
children do; it must also work under gunicorn's master, whose SIGCHLD handler reaps every child."""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field, fields

import numpy as np
import pytest
from lists_support import OFAC_2021, reference_path

from service.engine import parallel
from service.engine.index import PARALLEL_ENTITIES, build_index
from service.engine.parallel import dataclass_reducers, fork_call, fork_map
from service.lists import load_source


def square_with_pid(x: int) -> tuple[int, int]:
    return x * x, os.getpid()


def slow_square_with_pid(x: int) -> tuple[int, int]:
    time.sleep(0.1)  # long enough that every process gets to take jobs
    return x * x, os.getpid()


def test_results_come_back_in_job_order_from_several_processes() -> None:
    jobs = list(range(23))
    out = fork_map(slow_square_with_pid, jobs, workers=3)
    assert [r for r, _ in out] == [x * x for x in jobs]
    pids = [pid for _, pid in out]
    assert len(set(pids)) == 3  # the parent and two children shared the jobs
    assert os.getpid() in pids


def test_a_process_given_a_slow_job_takes_fewer_jobs() -> None:
    """Jobs are taken as processes become free, not dealt in advance: while one process is busy
    with the slow job, the other takes all the quick ones (a fixed deal would give each half)."""

    def slow_first(x: int) -> tuple[int, int]:
        time.sleep(1.5 if x == 0 else 0.01)
        return x, os.getpid()

    out = fork_map(slow_first, list(range(21)), workers=2)
    assert [x for x, _ in out] == list(range(21))
    slow = out[0][1]
    assert sum(pid == slow for _, pid in out) < 5


def test_progress_ends_at_the_total() -> None:
    heard: list[tuple[int, int]] = []
    fork_map(square_with_pid, list(range(10)), workers=2, progress=lambda d, t: heard.append((d, t)))
    assert heard[-1] == (10, 10)
    assert all(d <= t for d, t in heard)


def test_a_child_that_dies_has_its_share_done_by_the_parent() -> None:
    parent = os.getpid()

    def die_in_a_child(x: int) -> int:
        if os.getpid() != parent:
            os._exit(3)
        return x + 1

    assert fork_map(die_in_a_child, list(range(9)), workers=3) == list(range(1, 10))


def test_children_reaped_by_someone_else_are_no_error() -> None:
    def reap_all(_signum, _frame) -> None:  # what gunicorn's arbiter does on SIGCHLD
        try:
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass

    previous = signal.signal(signal.SIGCHLD, reap_all)
    try:
        assert [r for r, _ in fork_map(square_with_pid, list(range(8)), workers=2)] == [
            x * x for x in range(8)
        ]
    finally:
        signal.signal(signal.SIGCHLD, previous)


def test_an_error_in_the_parent_stops_the_children() -> None:
    def fail_in_parent(x: int) -> int:
        if x == 0:
            raise ValueError("stop")
        return x

    before = _children()  # the suite's own servers may be children of this process too
    with pytest.raises(ValueError, match="stop"):
        fork_map(fail_in_parent, list(range(6)), workers=2)
    assert _children() <= before  # no child left behind, running or unreaped


def _children() -> set[int]:
    """The processes whose parent is this one (zombies included), from /proc."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat", encoding="ascii", errors="replace").read()
            except OSError:
                continue  # gone meanwhile
            if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid():
                found.add(int(entry))
    return found


def test_the_index_is_the_same_built_in_one_process_or_several(monkeypatch) -> None:
    """build_index normalizes the names of a large list in forked processes, each taking the next
    chunk as it becomes free: every array equals the one process's."""
    lists = [load_source("ofac", reference_path(OFAC_2021))]
    assert sum(len(x.entities) for x in lists) >= PARALLEL_ENTITIES  # large enough to be forked
    built = {}
    for n in (1, 2):
        monkeypatch.setattr(parallel, "processes", lambda n=n: n)
        built[n] = build_index(lists)
    for f in fields(built[1]):
        a, b = getattr(built[1], f.name), getattr(built[2], f.name)
        if isinstance(a, np.ndarray):
            assert np.array_equal(a, b), f.name


def log_in_any_process(x: int) -> int:
    logging.getLogger("service.test_parallel").warning("job %d in %s", x, "a child" if x % 2 else "any")
    time.sleep(0.05)  # every process gets to take jobs
    return x


def test_what_a_child_logs_reaches_the_parents_handlers(caplog) -> None:
    """A job's log lines are handled in the parent (its handlers, a test's capture), whichever
    process ran the job, each once."""
    parent = os.getpid()
    ran: list[int] = []

    def job(x: int) -> int:
        ran.append(os.getpid())  # only the parent's own appends survive
        return log_in_any_process(x)

    with caplog.at_level(logging.WARNING, logger="service.test_parallel"):
        assert fork_map(job, list(range(12)), workers=2) == list(range(12))
    assert len(ran) < 12 and all(pid == parent for pid in ran)  # the child took some jobs
    lines = sorted(r.getMessage() for r in caplog.records if r.name == "service.test_parallel")
    assert lines == sorted(f"job {x} in {'a child' if x % 2 else 'any'}" for x in range(12))


@dataclass(slots=True)
class _Part:
    name: str
    tags: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _Whole:
    parts: list[_Part]
    note: str | None = None
    pid: int = 0

    def __getstate__(self):  # so that only the reducers can send it
        raise TypeError("pickled through the reducers only")


@dataclass
class _Checked:
    value: int

    def __post_init__(self) -> None:
        self.value = abs(self.value)


def make_whole(x: int) -> _Whole:
    time.sleep(0.05)  # every process gets to take jobs
    return _Whole([_Part(f"p{x}", ["a", str(x)]), _Part("q")], None if x % 2 else "even", os.getpid())


def test_children_send_dataclasses_back_through_the_given_reducers() -> None:
    out = fork_map(make_whole, list(range(6)), workers=2, reducers=dataclass_reducers(_Part, _Whole))
    assert any(w.pid != os.getpid() for w in out)  # a child's results came back: through the reducers
    for x, whole in enumerate(out):
        assert (whole.parts, whole.note) == (make_whole(x).parts, make_whole(x).note)
    with pytest.raises(ValueError, match="_Checked"):
        dataclass_reducers(_Checked)  # calling it again would run __post_init__ twice


def test_fork_call_computes_in_a_child_beside_this_process(caplog) -> None:
    def where() -> tuple[int, int]:
        logging.getLogger("service.test_parallel").warning("computed aside")
        return os.getpid(), os.getppid()

    with caplog.at_level(logging.WARNING, logger="service.test_parallel"):
        forked = fork_call(where)
        mine = [x * x for x in range(1000)]  # this process goes on meanwhile
        pid, parent = forked.result()
    assert pid != os.getpid() and parent == os.getpid() and len(mine) == 1000
    assert [r.getMessage() for r in caplog.records if r.name == "service.test_parallel"] == ["computed aside"]


def test_fork_call_computes_here_what_a_dead_child_did_not_send() -> None:
    parent = os.getpid()

    def die_in_the_child() -> int:
        if os.getpid() != parent:
            os._exit(3)
        return 42

    assert fork_call(die_in_the_child).result() == 42
