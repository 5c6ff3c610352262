"""Compiling the scoring loops aside (engine/warm.py): a fresh process with an empty numba cache
forks a child that compiles them while it does other work; afterwards this process reads every
loop from numba's cache instead of compiling it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = """
import json, time
from service.engine import warm

before = warm.compiled()
aside = warm.compile_aside()
started = time.monotonic()
aside.wait()
waited = time.monotonic() - started
after = warm.compiled()
again = warm.compile_aside()  # cached now: no child
warm._compile()  # the same loops in this process: read from the cache
stats = [k.stats for k in warm.KERNELS]
print(json.dumps({
    "before": before, "after": after, "again": again is None, "child": aside.pid,
    "hits": sum(sum(s.cache_hits.values()) for s in stats),
    "misses": sum(sum(s.cache_misses.values()) for s in stats),
}))
"""


def test_a_child_compiles_the_loops_into_numbas_cache(tmp_path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}  # empty: as after an install
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert not seen["before"] and seen["after"] and seen["again"]
    assert seen["child"] != os.getpid()
    assert seen["misses"] == 0 and seen["hits"] >= len(
        ("reaching", "align", "figures", "signature_candidates")
    )
    assert any((tmp_path / "numba").rglob("*.nbc"))
