"""What one call to the engine may spend: a deadline and a number of candidates.

A screening request's cost grows with names x tokens x the listed names each token reaches (the
candidates): 1,000 names of 64 common words each reach tens of millions. The caller (the HTTP
layer) gives a ``Budget``; the screener charges candidates before it scores them and looks at
the clock between steps, and raises ``OverBudget`` instead of holding a worker for minutes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass


class OverBudget(Exception):
    """The call would spend more than its budget; ``limit`` names which: "deadline", "candidates",
    "matches"."""

    def __init__(self, limit: str, detail: str):
        super().__init__(detail)
        self.limit, self.detail = limit, detail


@dataclass(slots=True)
class Budget:
    seconds: float | None = None  # from the budget's creation; None: no deadline
    max_candidates: int | None = None  # (query token, listed name) pairs to score; None: no cap
    max_matches: int | None = None  # matches explained and returned, all queries together
    spent: int = 0
    matches: int = 0
    started: float = 0.0

    def __post_init__(self) -> None:
        self.started = time.monotonic()

    def check(self) -> None:
        """Raise ``OverBudget`` once the deadline has passed."""
        if self.seconds is not None and time.monotonic() - self.started > self.seconds:
            raise OverBudget(
                "deadline",
                f"the request took longer than the per-request deadline of "
                f"{self.seconds:g} s; send fewer or shorter names",
            )

    def charge(self, candidates: int) -> None:
        """Count ``candidates`` more; raise ``OverBudget`` past the cap (or the deadline)."""
        self.spent += candidates
        if self.max_candidates is not None and self.spent > self.max_candidates:
            raise OverBudget(
                "candidates",
                f"the names reach more than {self.max_candidates} candidate "
                f"(token, listed name) pairs, the per-request limit; send fewer "
                f"or shorter names, or a higher threshold",
            )
        self.check()

    def count_matches(self, n: int) -> None:
        """Count ``n`` more matches to return; raise ``OverBudget`` past the cap (or the deadline)."""
        self.matches += n
        if self.max_matches is not None and self.matches > self.max_matches:
            raise OverBudget(
                "matches",
                f"the request has more than {self.max_matches} matches, the "
                f"per-request limit; raise the threshold, lower the limit or "
                f"send fewer names",
            )
        self.check()
