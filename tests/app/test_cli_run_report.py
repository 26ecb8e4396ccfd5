"""`python -m cascade run | report` (issue 9 section 4): the Explorer's story at a terminal
and as a file; bad arguments are one line and a non-zero exit, never a traceback."""

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cascade
from cascade import analysis
from cascade.case import start_price
from cascade_view import formats, headline

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def cli(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cascade", *args], cwd=ROOT, text=True,
                          capture_output=True, timeout=timeout)


def test_run_prints_the_explorers_headline_verdict_and_waves():
    done = cli("run", "--preset", "crowd", "--set", "shock=-4%", "--set", "n=2K")
    assert done.returncode == 0, done.stderr
    scenario = cascade.PRESETS["Crowd at 20x (Binance default)"].replace(shock=-0.04, n=2000)
    expected = analysis.analyse(scenario)
    for metric in headline.metrics(expected):
        assert re.search(rf"{re.escape(metric.label)}:\s+{re.escape(metric.value)}", done.stdout)
    assert headline.verdict(expected)[1] in done.stdout
    assert headline.critical_sentence(expected) in done.stdout
    rows = [line for line in done.stdout.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    assert len(rows) == expected.result.wave_count


def test_run_on_uploaded_positions_and_order_book_names_the_files():
    done = cli("run", "--positions", str(EXAMPLES / "positions.csv"),
               "--orderbook", str(EXAMPLES / "orderbook_btc.csv"))
    assert done.returncode == 0, done.stderr
    assert "positions: positions.csv, 2,000 rows, sha256 " in done.stdout
    assert "order book: orderbook_btc.csv, 1,000 rows" in done.stdout
    start = start_price(EXAMPLES / "positions.csv")
    assert f"start price {start:,.6g} in the file's units" in done.stdout
    population = cascade.load_positions(EXAMPLES / "positions.csv", price=start).on_index()
    market = cascade.Market(impact="book", book=cascade.read_orderbook(
        EXAMPLES / "orderbook_btc.csv"))
    result = cascade.simulate(population, market, cascade.Scenario().shock)
    assert f"Final move:     {formats.pct(result.total_move)}" in done.stdout
    rows = [line for line in done.stdout.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    assert len(rows) == result.wave_count
    assert "other books drawn like this one" not in done.stdout, "no reseeding of a real book"


def test_run_on_an_order_book_keeps_the_venue_mechanics():
    """A preset's engine capacity and fund act on the walked order book too: the waves the
    CLI prints are the engine's steps on that book."""
    preset = "10-11 Oct 2025: small fund, slow engine, ADL"
    done = cli("run", "--preset", preset, "--orderbook", str(EXAMPLES / "orderbook_btc.csv"))
    assert done.returncode == 0, done.stderr
    scenario = cascade.PRESETS[preset]
    market = dataclasses.replace(scenario.market(), impact="book",
                                 book=cascade.read_orderbook(EXAMPLES / "orderbook_btc.csv"))
    result = cascade.simulate(scenario.population(), market, scenario.shock)
    plain = cascade.simulate(scenario.population(), cascade.Market(
        impact="book", book=market.book), scenario.shock)
    assert result.steps != plain.wave_count
    rows = [line for line in done.stdout.splitlines() if re.match(r"\s+\d+\s+\d", line)]
    assert len(rows) == result.steps
    assert f"Final move:     {formats.pct(result.total_move)}" in done.stdout


def test_report_writes_a_self_contained_file(tmp_path):
    out = tmp_path / "report.html"
    done = cli("report", "--preset", "10-11-oct-2025-calibrated", "--set", "n=2K", "-o", str(out))
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "Runaway on the fall:" in page
    # the four charts and, the replay being on the clock, the Time section's three, with
    # the fund's fourth when the venue keeps accounts
    replay = cascade.PRESETS[next(name for name in cascade.PRESETS if "10-11 Oct" in name)]
    assert page.count('class="chart"') == 4 + 3 + replay.market().keeps_accounts
    assert not re.search(r"<script[^>]+src=", page)


@pytest.mark.parametrize("args, words", [
    (("run", "--set", "shock=abc"), "error: --set: shock: expected a number, got 'abc'"),
    (("run", "--set", "bogus=1"), "error: --set: unknown field(s) bogus"),
    (("run", "--preset", "nothing-like-it"), "error: --preset: 'nothing-like-it' is not a preset"),
    (("run", "--positions", "missing.csv"), "error: missing.csv: no such file"),
    (("run", "--price", "100"), "error: --price: only with --positions"),
    (("run", "--price", "-3", "--positions", "x.csv"), "expected a positive number"),
    (("report", "--preset", "crowd"), "the following arguments are required: -o/--output"),
    (("report", "-o", "/nonexistent/dir/r.html", "--set", "n=1K"), "error: -o: cannot write"),
])
def test_bad_arguments_are_one_line_and_exit_two(args, words):
    done = cli(*args)
    assert done.returncode == 2
    assert words in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr


def test_a_bad_positions_file_is_named_by_row(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("leverage,notional,side\n10,100,long\n0.5,100,long\n")
    done = cli("run", "--positions", str(bad))
    assert done.returncode == 2
    assert "bad.csv: 1 bad value in 1 row" in done.stderr and "row 3, leverage" in done.stderr


# ---------------------------------------------------------------- hostile files (issue 15)

def test_an_uploaded_book_too_big_for_the_engine_is_refused_at_once(tmp_path):
    """2,000 longs at 20x, $500M each ($1T) with a $2M engine: 66.5 s before the guard."""
    path = tmp_path / "big.csv"
    path.write_text("leverage,notional,side\n" + "20,500000000,long\n" * 2000)
    done = cli("run", "--positions", str(path), "--set", "engine_capacity=2M",
               "--set", "adl=True", "--set", "insurance_fund=1M", timeout=60)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "engine_capacity: 2000000.0 per step" in lines[0]
    assert "raise engine_capacity to at least 1e+09" in lines[0]


def test_a_parquet_side_of_lists_is_a_row_numbered_error(tmp_path):
    import pandas as pd

    path = tmp_path / "nested.parquet"
    pd.DataFrame({"leverage": [10.0, 5.0], "notional": [100.0, 200.0],
                  "side": [["long"], ["short"]]}).to_parquet(path)
    done = cli("run", "--positions", str(path))
    assert done.returncode == 2, done.stderr
    assert "nested.parquet: 2 bad values in 2 rows (column side;" in done.stderr
    assert "row 2, side: array(['long'], dtype=object) is not long or short" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "TypeError" not in done.stderr


def test_an_order_book_of_1e308_units_is_refused_without_overflow_warnings(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("side,price,size\nbid,99,1e308\nask,101,1e308\n")
    done = cli("run", "--orderbook", str(path), "--set", "n=1K")
    assert done.returncode == 2, done.stderr
    assert "row 2, size: 1e+308 x its price is above 1e+15 of notional" in done.stderr
    assert "Warning" not in done.stderr and "inf" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
