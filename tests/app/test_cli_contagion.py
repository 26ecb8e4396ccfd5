"""`python -m cascade contagion` (issue 19): per-market moves, the cross-margin share of
liquidated notional beside the observed 95.4%, the share caused by another market's fall,
each printed figure the run's; `--report` writes the run's HTML report; bad input one line
on stderr, exit 2."""

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import cascade
from cascade.contagion import Contagion
from cascade.events import EVENTS
from cascade_view.contagion_report import AccountsFile, contagion_report
from cascade_view.formats import pct, usd

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "accounts.csv"


def cli(*args, timeout=120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cascade", "contagion", *args], cwd=ROOT,
                          text=True, capture_output=True, timeout=timeout)


def _check_figures(out: str, result) -> None:
    for row in result.by_market().itertuples():
        line = next(x for x in out.splitlines() if x.startswith(f"{row.market} "))
        assert pct(row.move, digits=2) in line
        assert usd(row.liquidated_notional) in line and usd(row.cross_notional) in line
    assert (f"cross-margin share of liquidated notional: "
            f"{pct(result.cross_share(), signed=False)} (the model's)") in out
    assert (f"caused by another market's fall: {pct(result.contagion_share(), signed=False)}"
            in out)
    assert f"not shocked in: {result.pulled_in().size:,}" in out
    assert f"bad debt {usd(result.ledger['bad_debt'])}" in out


def test_synthetic_accounts_print_the_runs_figures():
    done = cli("--n", "5000", "--seed", "3", "--cross-share", "80%", "--rule", "whole")
    assert done.returncode == 0, done.stderr
    result = Contagion(accounts=5000, seed=3, cross_share=0.8, rule="whole").run()
    _check_figures(done.stdout, result)
    observed = EVENTS["2025-10-10"].facts["hl_cross_long_share"].value
    assert f"observed: {pct(observed, signed=False)} of the liquidated notional" in done.stdout
    assert "95.4%" in done.stdout and "not an open-interest share" in done.stdout
    assert result.contagion_share() > 0


def test_an_accounts_file_and_the_isolated_switch():
    done = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0")
    assert done.returncode == 0, done.stderr
    book = cascade.read_accounts(EXAMPLE)
    setup = Contagion(fall=-0.2, fall_seconds=0.0)
    _check_figures(done.stdout, setup.run(book))
    assert "7 accounts from accounts.csv (11 positions" in done.stdout
    alone = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0",
                "--isolated")
    assert alone.returncode == 0, alone.stderr
    _check_figures(alone.stdout, setup.run(book.isolated()))
    assert "cross-margin share of liquidated notional: 0.0%" in alone.stdout


@pytest.mark.parametrize("args, words", [
    (("--shock", "DOGE"), "shocked: 'DOGE' is not one of the markets"),
    (("--fall=5%",), "fall: must be <= 0"),
    (("--markets", "BTC,ETH"), "open_interest: expected one value per market"),
    (("--depth", "70M,x,3M"), "--depth: expected numbers"),
    (("--cross-share", "150%"), "cross_share"),
    (("--accounts", "nowhere.csv"), "nowhere.csv: no such file"),
    (("--rule", "binance"), "invalid choice"),
])
def test_bad_input_is_one_line_and_exit_two(args, words):
    done = cli(*args)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr


# ------------------------------------------------------------------ --report


def _undated(page: str) -> str:
    return re.sub(r"made \d{4}-\d\d-\d\d \d\d:\d\d UTC", "made (time)", page)


def test_report_writes_the_runs_html_and_still_prints_the_table(tmp_path):
    out = tmp_path / "run.html"
    done = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0", "--isolated",
               "--report", str(out))
    assert done.returncode == 0, done.stderr
    book = cascade.read_accounts(EXAMPLE)
    setup = Contagion(fall=-0.2, fall_seconds=0.0)
    result = setup.run(book.isolated())
    _check_figures(done.stdout, result)
    assert done.stderr.startswith(f"wrote {out} (") and "opens offline" in done.stderr
    brought = AccountsFile.of(EXAMPLE.read_bytes(), EXAMPLE.name, book)
    assert brought.sha256 == hashlib.sha256(EXAMPLE.read_bytes()).hexdigest()
    page = out.read_text(encoding="utf-8")
    assert _undated(page) == _undated(contagion_report(setup, result, True, brought))
    assert brought.sha256 in page and "same book, isolated" in page


@pytest.mark.parametrize("where, words", [
    ("missing/run.html", "--report: the folder {tmp}/missing does not exist"),
    ("run.csv", "--report: {tmp}/run.csv should end in .html"),
    ("folder.html", "--report: {tmp}/folder.html is a folder"),
])
def test_a_report_path_that_cannot_be_written_is_one_line_before_the_run(tmp_path, where,
                                                                         words):
    (tmp_path / "folder.html").mkdir()
    done = cli("--n", "2000", "--report", str(tmp_path / where))
    assert done.returncode == 2 and done.stdout == ""  # refused before anything ran
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words.format(tmp=tmp_path) in lines[0], done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder.html"]


def test_adl_prints_the_runs_money_and_reconciles():
    done = cli("--n", "5000", "--seed", "3", "--adl", "--rule", "whole")
    assert done.returncode == 0, done.stderr
    result = Contagion(accounts=5000, seed=3, rule="whole", adl=True).run()
    _check_figures(done.stdout, result)
    money = result.money_total()
    assert money["adl_value"] > 0  # the fund starts at 0, so ADL runs
    assert (f"auto-deleveraged {usd(money['adl_value'])} (of it recovered from cross "
            f"accounts' deficits {usd(money['adl_recovered'])})") in done.stdout
    assert money["fund_end"] == pytest.approx(
        money["fund_start"] + money["fees"] + money["pnl"] + money["adl_recovered"]
        + money["bad_debt"], abs=0.01)
    assert "ADL off" in cli("--n", "5000", "--seed", "3").stdout
