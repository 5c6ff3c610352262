"""The engine's budget: scoring in chunks under a budget returns exactly what one pass returns,
and a budget's cap on candidates, matches or time raises OverBudget naming it."""

from __future__ import annotations

import csv
import random

import pytest
from lists_support import eval_path, ofac_2021

from service.engine.budget import Budget, OverBudget
from service.engine.screener import CHUNK, Query, Screener


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener.from_lists([ofac_2021()])


@pytest.fixture(scope="module")
def queries() -> list[Query]:
    with eval_path("alias_holdout_dev.csv").open(encoding="utf-8") as f:
        names = [r["query"] for r in csv.DictReader(f)]
    return [Query(n) for n in random.Random(3).sample(names, 2 * CHUNK + 17)]


def _plain(results) -> list[list[tuple[str, float]]]:
    return [[(m.entity_id, m.score) for m in r.matches] for r in results]


def test_chunks_under_a_budget_give_what_one_pass_gives(screener, queries):
    budget = Budget(seconds=600, max_candidates=10**9, max_matches=10**9)
    assert _plain(screener.screen(queries, budget=budget)) == _plain(screener.screen(queries))
    assert budget.spent > 0 and budget.matches > 0


@pytest.mark.parametrize(
    ("budget", "limit"),
    [
        (Budget(max_candidates=1000), "candidates"),
        (Budget(max_matches=5), "matches"),
        (Budget(seconds=0.0), "deadline"),
    ],
)
def test_a_budget_past_its_cap_raises_naming_it(screener, queries, budget, limit):
    with pytest.raises(OverBudget) as info:
        screener.screen(queries, threshold=0.3, budget=budget)
    assert info.value.limit == limit
