"""The one exception a list loader raises: the whole file is unusable, keep the last good list."""

from __future__ import annotations


class ListError(Exception):
    """A list file failed a whole-file check (missing, empty, truncated, wrong format, too small).

    The message names the file and the reason; callers keep serving the previous good version.
    """
