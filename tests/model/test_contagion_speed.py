"""Issue 19's speed bar: an hour at 1 s ticks over 5 markets at 1,000,000 accounts, under
2 s, timed in the process's CPU time against the one-market clock on the same positions
(benchmarks/bench_contagion.py; measured 0.77 s CPU, 1.2 s wall at load 7 on 2 cores)."""

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bench_contagion import TARGET_SECONDS, measure  # noqa: E402

# asserts a time: make test runs it alone, after the parallel run (pytest.ini)
pytestmark = pytest.mark.timing


@pytest.mark.slow
def test_an_hour_of_contagion_at_a_million_accounts_is_under_two_seconds():
    row = measure(1_000_000, repeats=2, timer=time.process_time)
    print(row)
    assert row["ticks"] >= 3600 and row["positions"] > 1_000_000
    assert row["contagion"] < TARGET_SECONDS
    # cross accounts carried the altcoin's fall into the four flat markets
    assert all(row["moves"][name] < 0 for name in ("BTC", "ETH", "SOL", "XRP"))
    assert 0 < row["contagion_share"] < 1
