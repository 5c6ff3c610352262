"""The server path (``service.serving``, the API, the CLI's entry point) imports none of the batch
packages: they are the ``batch`` extra, absent from the server image."""

from __future__ import annotations

import subprocess
import sys

BATCH_ONLY = ("pandas", "pyarrow", "dask", "distributed", "tqdm")


def test_importing_the_server_loads_no_batch_package():
    code = (
        "import sys, service.serving, service.api, service.cli; "
        f"print(','.join(m for m in {BATCH_ONLY!r} if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, stdin=subprocess.DEVNULL
    ).stdout.strip()
    assert loaded == ""
