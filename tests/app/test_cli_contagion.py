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
from cascade.accounts import check_at_start
from cascade_view.cli import main
from cascade_view.contagion_figures import default_depth, file_setup, open_interest_of
from cascade_view.contagion_report import AccountsFile, contagion_report
from cascade_view.formats import pct, seconds, usd

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


def test_a_rebound_prints_the_runs_figures_and_its_lows():
    done = cli("--n", "5000", "--seed", "2", "--rebound=10%", "--rebound-seconds", "300")
    assert done.returncode == 0, done.stderr
    setup = Contagion(accounts=5000, seed=2, rebound=0.1, rebound_seconds=300.0)
    result = setup.run()
    _check_figures(done.stdout, result)
    assert "ALT falls 30% over 600 s, then rises 10% over 300 s;" in done.stdout
    rows = result.series
    lows = [f"{name} {pct(rows.loc[rows['market'] == name, 'price'].min() / 100.0 - 1, 2)}"
            for name in result.markets]
    assert (f"the moves are at the run's end; the lowest during it: {', '.join(lows)}"
            in done.stdout)
    plain = cli("--n", "5000", "--seed", "2")
    assert "lowest during it" not in plain.stdout


def test_an_accounts_file_and_the_isolated_switch():
    done = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0")
    assert done.returncode == 0, done.stderr
    book = cascade.read_accounts(EXAMPLE)
    setup = file_setup(book, fall=-0.2, fall_seconds=0.0)
    assert setup.markets == book.markets == ("ALT", "BTC", "ETH")
    _check_figures(done.stdout, setup.run(book))
    assert "7 accounts from accounts.csv (11 positions" in done.stdout
    alone = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0",
                "--isolated")
    assert alone.returncode == 0, alone.stderr
    _check_figures(alone.stdout, setup.run(book.isolated()))
    assert "cross-margin share of liquidated notional: 0.0%" in alone.stdout


@pytest.mark.parametrize("args, words", [
    (("--shock", "DOGE"), "--shock (shocked): 'DOGE' is not one of the markets"),
    (("--fall=5%",), "--fall (fall): must be <= 0"),
    (("--markets", "BTC,ETH"), "--open-interest (open_interest): expected one value per market"),
    (("--depth", "70M,x,3M"), "--depth: expected numbers"),
    (("--cross-share", "150%"), "--cross-share (cross_share): must be <= 1, got 1.5"),
    (("--accounts", "nowhere.csv"), "nowhere.csv: no such file"),
    (("--rule", "binance"), "invalid choice"),
    # the run's own checks name the field; the message puts the option typed before it
    (("--engine-rate=150%",), "--engine-rate (engine_rate_share): must be <= 1, got 1.5"),
    (("--engine-rate=0",), "--engine-rate (engine_rate_share): must be > 0, got 0"),
    (("--engine-rate=fast",), "argument --engine-rate: expected a number or a percentage, "
                              "got 'fast'"),
    (("--accounts", str(EXAMPLE), "--engine-rate", "2"),
     "--engine-rate (engine_rate_share): must be <= 1"),
    (("--refill-half-life", "0"), "--refill-half-life (resilience_half_life): must be > 0, got 0"),
    (("--refill-half-life", "never"), "argument --refill-half-life: expected a number"),
    (("--permanent-impact=-5%",), "--permanent-impact (permanent_impact): must be >= 0, got -0.05"),
    (("--permanent-impact=120%",),
     "--permanent-impact (permanent_impact): must be <= 1, got 1.2"),
    (("--rebound=-5%",), "--rebound (rebound): must be >= 0, got -0.05"),
    (("--rebound=10%", "--rebound-seconds", "0"),
     "--rebound-seconds (rebound_seconds): must be > 0, got 0"),
    (("--tick", "7200"), "--tick (tick_seconds): must be <= 3600, got 7200"),
    (("--fund=-5",), "--fund (insurance_fund): must be >= 0, got -5"),
    (("--fall-seconds=-1",), "--fall-seconds (fall_seconds): must be >= 0, got -1"),
    (("--depth=-1,1M,1M",), "--depth (depth): must be > 0, got -1.0 (market BTC)"),
    (("--betas=1,-0.5,1",), "--betas (betas): must be >= 0, got -0.5 (market ETH)"),
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
    setup = file_setup(book, fall=-0.2, fall_seconds=0.0)
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


# ------------------------------------------------------------------ one rule for files


TWO = ("account,market,side,notional,leverage,collateral,margin_mode,entry_price\n"
       "w,SOL,long,500000,,50000,cross,100\nw,DOGE,long,400000,,,cross,100\n"
       "i,SOL,long,300000,10,,isolated,100\n")


def test_without_markets_the_cli_takes_the_files_markets_and_stated_depths(tmp_path,
                                                                           capsys):
    path = tmp_path / "two.csv"
    path.write_text(TWO)
    assert main(["contagion", "--accounts", str(path), "--fall=-25%"]) == 0
    out = capsys.readouterr().out
    book = cascade.read_accounts(path)
    # no ALT in the file: its first market falls, at the depth the page states for it
    setup = file_setup(book, fall=-0.25)
    assert setup.shocked == "DOGE" and setup.depth == (default_depth("DOGE"),) * 2
    _check_figures(out, setup.run(book))
    assert "DOGE $3M, SOL $3M" in out and "DOGE falls 25% over 600 s;" in out
    # --depth and --shock apply to the file's markets, in the file's (sorted) order
    assert main(["contagion", "--accounts", str(path), "--depth", "1M,20M", "--shock",
                 "SOL", "--adl"]) == 0
    out = capsys.readouterr().out
    setup = file_setup(book, (1e6, 2e7), shocked="SOL", adl=True)
    _check_figures(out, setup.run(book))
    assert "DOGE $1M, SOL $20M" in out
    assert main(["contagion", "--accounts", str(path), "--open-interest", "1M,2M"]) == 2
    assert "--open-interest: sets the synthetic book's" in capsys.readouterr().err


REFUSED = {
    "one_market.csv": "account,market,side,notional,leverage,margin_mode\n"
                      "a,BTC,long,1000,10,cross\nb,BTC,short,1000,10,isolated\n",
    "past.csv": "account,market,side,notional,leverage,margin_mode,entry_price\n"
                "a,BTC,long,1000,10,isolated,60000\nb,ETH,short,1000,10,isolated,100\n",
    "under.csv": "account,market,side,notional,collateral,margin_mode,entry_price\n"
                 "c,BTC,long,1000,50,cross,105\nb,ETH,short,1000,100,isolated,100\n",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_the_page_and_the_cli_refuse_a_file_in_the_same_words(app, monkeypatch, tmp_path,
                                                              capsys, name):
    from cascade_ui import upload
    path = tmp_path / name
    path.write_text(REFUSED[name])
    with pytest.raises(ValueError) as refused:
        check_at_start(cascade.read_accounts(path), name)
    message = str(refused.value)
    assert message.startswith(f"{name}: ")
    # the CLI, with and without --markets: one line, exit 2
    for extra in ([], ["--markets", "BTC,ETH,ALT"]):
        assert main(["contagion", "--accounts", str(path), *extra]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err == f"error: {message}\n"
    # the page: the same message, above the synthetic book
    monkeypatch.setattr(upload, "EXAMPLE_ACCOUNTS", path)
    app.switch_page("pages/contagion.py")
    at = app.run()
    at.checkbox(key=upload.USE_EXAMPLE_ACCOUNTS).check().run()
    assert not at.exception
    (error,) = at.error
    shown = re.sub(r"\\(.)", r"\1", error.value).replace("\u2060", "")
    assert shown == f"**Check your file.** {message}. The synthetic book is shown."


def test_the_documentation_states_the_depth_rule_the_code_applies():
    text = (ROOT / "docs" / "files-and-cli.md").read_text(encoding="utf-8")
    assert f"the altcoin's ({usd(default_depth('SOL'))} per 1%, an assumption)" in text
    assert default_depth("SOL") == default_depth("ALT") == min(Contagion().depth)
    assert [default_depth(m) for m in Contagion().markets] == list(Contagion().depth)


def test_the_cross_curve_prints_the_risk_pages_section():
    """--cross-curve prints what the Risk page's cross-margin section shows, from the same
    curve (cascade.sweep.cross_share_curve)."""
    from cascade.sweep import cross_share_curve
    from cascade_view.risk import cross_caption, cross_display, cross_sentence
    done = cli("--cross-curve", "--n", "3000", "--seed", "2", "--shock", "ETH", "--fall=-40%")
    assert done.returncode == 0, done.stderr
    setup = Contagion(accounts=3000, seed=2, shocked="ETH", fall=-0.4)
    curve = cross_share_curve(setup)
    assert cross_sentence(curve, setup) in done.stdout
    assert cross_caption(curve, setup) in done.stdout
    assert cross_display(curve, setup).to_string(index=False) in done.stdout
    refused = cli("--cross-curve", "--accounts", str(EXAMPLE))
    assert refused.returncode == 2
    assert refused.stderr.strip().endswith("it does not take --accounts")


# ------------------------------------------------------------------ the clock's flags


def _engine_line(result, setup) -> str:
    """The line the CLI prints with an engine rate, from the run: each market's rate, the
    most notional that waited in the queues at once (the series' queue summed over the
    markets per tick, its max) and the start of the last tick that executed a forced
    order."""
    rows = result.series
    per_tick = {}
    for tick, queue in zip(rows["tick"], rows["queue"]):
        per_tick[tick] = per_tick.get(tick, 0.0) + queue
    waited = max(per_tick.values())
    done = rows[(rows["isolated_notional"] > 0) | (rows["cross_notional"] > 0)
                | (rows["backstop_notional"] > 0)]
    markets = setup.market_list(result.markets)
    for name, market in zip(result.markets, markets):
        share = dict(zip(setup.markets, setup.open_interest))[name]
        assert market.engine_rate == pytest.approx(setup.engine_rate_share * share)
    rates = ", ".join(f"{n} {usd(m.engine_rate)}" for n, m in zip(result.markets, markets))
    assert waited > 0 and len(done)
    return (f"liquidation engines at 0.1% of each market's open interest a second ({rates} "
            f"a second): at most {usd(waited)} of forced orders (notional at entry, all "
            f"markets) waited at once; the last forced order executed in the tick that "
            f"starts at {seconds(done['seconds'].max())}")


def test_the_clock_flags_reach_the_synthetic_run_and_its_queue_line():
    done = cli("--n", "3000", "--seed", "3", "--engine-rate=0.1%", "--refill-half-life",
               "60", "--permanent-impact", "20%")
    assert done.returncode == 0, done.stderr
    setup = Contagion(accounts=3000, seed=3, engine_rate_share=0.001,
                      resilience_half_life=60.0, permanent_impact=0.2)
    result = setup.run()
    _check_figures(done.stdout, result)
    assert _engine_line(result, setup) in done.stdout.splitlines()
    assert ("BTC $70M, ETH $30M, ALT $3M; consumed depth refills by half in 60 s, but 20% "
            "of impact never refills") in done.stdout
    # the knobs change the run: without them the figures differ, and no engine line
    plain = Contagion(accounts=3000, seed=3).run()
    assert plain.moves() != result.moves()
    unlimited = cli("--n", "3000", "--seed", "3")
    assert unlimited.returncode == 0, unlimited.stderr
    assert "liquidation engines" not in unlimited.stdout
    assert "refills" not in unlimited.stdout


def test_the_engine_rate_of_an_accounts_file_is_a_share_of_the_files_open_interest():
    done = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0",
               "--engine-rate", "0.001")
    assert done.returncode == 0, done.stderr
    book = cascade.read_accounts(EXAMPLE)
    setup = file_setup(book, fall=-0.2, fall_seconds=0.0, engine_rate_share=0.001)
    assert setup.open_interest == open_interest_of(book)
    result = setup.run(book)
    _check_figures(done.stdout, result)
    assert _engine_line(result, setup) in done.stdout.splitlines()
    # with --isolated too
    alone = cli("--accounts", str(EXAMPLE), "--fall=-20%", "--fall-seconds", "0",
                "--engine-rate", "0.001", "--isolated")
    assert alone.returncode == 0, alone.stderr
    _check_figures(alone.stdout, setup.run(book.isolated()))


def test_the_cross_curve_runs_with_the_clock_flags():
    from cascade.sweep import cross_share_curve
    from cascade_view.risk import cross_display
    done = cli("--cross-curve", "--n", "2000", "--seed", "2", "--engine-rate=0.1%",
               "--refill-half-life", "30")
    assert done.returncode == 0, done.stderr
    setup = Contagion(accounts=2000, seed=2, engine_rate_share=0.001,
                      resilience_half_life=30.0)
    assert cross_display(cross_share_curve(setup), setup).to_string(index=False) \
        in done.stdout
    assert ("Every run's liquidation engines execute at most 0.1% of each market's open "
            "interest a second.") in done.stdout
    assert "Every run's books: consumed depth refills by half in 30 s." in done.stdout


def test_the_documentation_names_every_contagion_option():
    from cascade_view.cli import build_parser
    text = (ROOT / "docs" / "files-and-cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    command = parser._subparsers._group_actions[0].choices["contagion"]
    options = [o for action in command._actions for o in action.option_strings
               if o.startswith("--") and o != "--help"]
    assert "--engine-rate" in options and "--refill-half-life" in options
    assert [o for o in options if f"`{o}" not in text] == []
    assert "--engine-rate=0.1%" in text


def test_the_documentations_engine_line_is_the_runs():
    """docs/files-and-cli.md shows the line the clock example prints; it is that run's."""
    text = (ROOT / "docs" / "files-and-cli.md").read_text(encoding="utf-8")
    assert ("python -m cascade contagion --engine-rate=0.1% --refill-half-life 60 "
            "--permanent-impact 20%") in text
    setup = Contagion(engine_rate_share=0.001, resilience_half_life=60.0,
                      permanent_impact=0.2)
    assert _engine_line(setup.run(), setup) in text.splitlines()


def test_a_permanent_share_without_a_refill_is_said_to_change_nothing(capsys):
    assert main(["contagion", "--n", "600", "--permanent-impact", "20%"]) == 0
    out = capsys.readouterr().out
    assert ("ALT $3M; the books do not refill, so the permanent share of impact (20%) "
            "changes nothing") in out
    _check_figures(out, Contagion(accounts=600, permanent_impact=0.2).run())
    assert "liquidation engines" not in out
