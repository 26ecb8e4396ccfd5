"""The command line: `python -m cascade <command>`.

    python -m cascade presets
    python -m cascade run --preset crowd [--set field=value ...] [--positions FILE [--price P]]
        [--orderbook FILE] [--path-file FILE]
    python -m cascade report --preset crowd -o report.html [same options as run]
    python -m cascade ensemble --preset crowd --seeds 1000 --vary tightness=0,0.5,1 \\
        [--set depth=70M ...] [--workers N | --scheduler tcp://host:8786] -o out.parquet
    python -m cascade validate [--refit]
    python -m cascade contagion [--markets BTC,ETH,ALT] [--shock ALT] [--fall -30%] \\
        [--fall-seconds 600] [--rebound 10%] [--rebound-seconds 600] \\
        [--cross-share 50%] [--accounts FILE] [--isolated] [--rule hyperliquid|whole] \\
        [--engine-rate=0.1%] [--refill-half-life 60] [--permanent-impact 20%] \\
        [--report out.html]

Each command is a function that adds its subparser (add_<command>) and a handler that
returns the exit code; COMMANDS lists them, so a new command is one more add_ function.
Bad input is one line on stderr and exit code 2 (so is an ensemble above
cascade.ensemble.MAX_BOOKS books, or an -o that cannot be written: both before any work), an
unreachable cluster exit code 1, a cluster lost mid-run exit code 1 after writing the rows
received to -o, Ctrl-C exit code 130; no traceback (set CASCADE_DEBUG=1 to see one).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from cascade.analysis import analyse, analyse_book
from cascade.accounts import check_at_start, read_accounts
from cascade.case import PATH, POSITIONS, RULES, load_case
from cascade.contagion import Contagion
from cascade.events import EVENTS
from cascade.ensemble import assemble, books_needed, connect, iter_ensemble, local_cluster_client, plan, summarize
from cascade.replay import REPLAYS, compare, refit
from cascade.scenario import PRESET_NOTES, PRESETS, Scenario
from cascade.sweep import cross_share_curve

from . import headline
from .contagion_figures import (default_shocked, file_setup, last_execution_start,
                                lowest_moves, path_words, prices_come_back,
                                waiting_per_tick)
from .contagion_report import AccountsFile, contagion_report, percent_words, rule_words
from .events_figures import knob_grid, validation_table
from .formats import parse_amount, path_extent, pct, seconds, share, usd
from .report import scenario_report
from .risk import cross_caption, cross_display, cross_sentence, cross_setup_caption

EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INTERRUPTED = 2, 1, 130
DEFAULT_PRESET = "default"
SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
SCHEDULER_TIMEOUT = 10.0       # s to reach the scheduler
WORKERS_TIMEOUT = 15.0         # s more for it to have a worker
CLOSE_TIMEOUT = 5.0            # s to close a client whose scheduler may be gone


class BadInput(Exception):
    """A bad command-line value: reported in one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block) and exit code 2."""

    def error(self, message):
        raise BadInput(f"{message} (see `{self.prog} --help`)")


# ------------------------------------------------------------------ values people type


def parse_value(text: str):
    """What a person types, as a Scenario value: '70M' -> 7e7, '2B' -> 2e9, '10k' -> 1e4,
    '-5%' -> -0.05, '$100M' -> 1e8, '0.5' -> 0.5, '1e6' -> 1e6; anything else (a background
    or impact name) stays a string for the Scenario to check. Read by formats.parse_amount,
    the link reader's rule, rounded to 12 significant digits ('0.1%' -> 0.001, not
    0.0010000000000000002)."""
    raw = text.strip()
    try:
        number = parse_amount(raw, percent=True)
    except ValueError:
        return raw
    return float(f"{number:.12g}")


def parse_assignment(option: str, text: str) -> tuple[str, str]:
    field, equals, value = text.partition("=")
    if not equals or not field.strip() or not value.strip():
        raise BadInput(f"{option}: expected field=value, got {text!r}")
    return field.strip(), value.strip()


def parse_values(option: str, field: str, text: str) -> list:
    """'0,0.5,1' -> [0.0, 0.5, 1.0]; 'low:high:count' -> count evenly spaced values
    ('-10%:-1%:10'); names stay strings ('linear,sqrt')."""
    parts = text.split(":")
    if len(parts) == 3:
        low, high, count = (parse_value(p) for p in parts)
        if not all(isinstance(v, float) for v in (low, high, count)) \
                or not float(count).is_integer() or count < 2:
            raise BadInput(f"{option}: {field}={text!r}: a range is low:high:count with "
                           f"count >= 2, e.g. {field}=0:1:5")
        return [float(f"{v:.12g}") for v in np.linspace(low, high, int(count))]
    values = [parse_value(p) for p in text.split(",") if p.strip()]
    if not values:
        raise BadInput(f"{option}: {field} has no values")
    return values


# ------------------------------------------------------------------ presets


def slug(name: str) -> str:
    """'Crowd at 20x (Binance default)' -> 'crowd-at-20x-binance-default'."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def find_preset(name: str) -> tuple[str, Scenario]:
    """A preset by its exact name, its slug, or the start (else a part) of a slug that
    only one preset has ('crowd', '19-may', 'calm'); 'default' is the Explorer's default."""
    choices = {DEFAULT_PRESET: Scenario(), **PRESETS}
    if name in choices:
        return name, choices[name]
    wanted = slug(name)
    matches = [n for n in choices if slug(n) == wanted]
    matches = matches or [n for n in choices if wanted and slug(n).startswith(wanted)]
    matches = matches or [n for n in choices if wanted and wanted in slug(n)]
    if len(matches) == 1:
        return matches[0], choices[matches[0]]
    listed = ", ".join(slug(n) for n in choices)
    problem = "matches several presets" if matches else "is not a preset"
    raise BadInput(f"--preset: {name!r} {problem}; choose one of: {listed}")


def handle_presets(args) -> int:
    print(f"{DEFAULT_PRESET}\n    The Explorer's default scenario.")
    for name in PRESETS:
        note = PRESET_NOTES.get(name)
        print(f"{slug(name)}\n    {name}" + (f": {note.description}" if note else ""))
    return 0


def add_presets(commands) -> None:
    command = commands.add_parser("presets", help="list the preset scenarios")
    command.set_defaults(handler=handle_presets)


# ------------------------------------------------------------------ ensemble


def build_scenario(preset: str, settings: list[str]) -> Scenario:
    _, scenario = find_preset(preset)
    changes = dict(parse_assignment("--set", s) for s in settings)
    try:
        return scenario.replace(**{k: parse_value(v) for k, v in changes.items()})
    except TypeError:
        unknown = sorted(set(changes) - set(scenario.to_dict()))
        raise BadInput(f"--set: unknown field(s) {', '.join(unknown)}; known fields are "
                       f"{', '.join(scenario.to_dict())}") from None
    except ValueError as error:
        raise BadInput(f"--set: {error}") from None


def build_vary(items: list[str]) -> dict[str, list]:
    vary = {}
    for item in items:
        field, text = parse_assignment("--vary", item)
        if field in vary:
            raise BadInput(f"--vary: {field} is given twice")
        vary[field] = parse_values("--vary", field, text)
    return vary


def output_format(path: Path | None) -> str | None:
    if path is None:
        return None
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise BadInput(f"-o: {path} should end in {', '.join(SUFFIXES)} (the format follows "
                       f"the suffix)")
    if not path.parent.exists():
        raise BadInput(f"-o: the folder {path.parent} does not exist")
    _check_writable(path)
    return kind


def _check_writable(path: Path, option: str = "-o") -> None:
    """Open `path` for appending (which changes nothing in a file that is there) before any
    work starts, so an output that cannot be written (a read-only folder or file system, a
    folder by that name) is refused at once, not after the ensemble has run. A file this
    creates is removed again; the rows are written when they are all in. `option`: the
    option the message names."""
    existed = path.exists()
    try:
        with open(path, "ab"):
            pass
    except OSError as error:
        raise BadInput(f"{option}: cannot write {path}: {error.strerror or error}") from None
    if not existed:
        path.unlink()


class Progress:
    """Progress on stderr: one updating line on a terminal, else a line per 10%."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.stream, self.start = total, stream, time.monotonic()
        self.shown_tenths = -1
        self.live = stream.isatty()

    def __call__(self, done: int) -> None:
        elapsed = time.monotonic() - self.start
        rate = done / elapsed if elapsed > 0 else float("nan")
        left = (self.total - done) / rate if rate > 0 else float("nan")
        line = (f"{done:,}/{self.total:,} books ({done / self.total:.0%}), "
                f"{rate:.1f} books/s, {elapsed:.0f} s elapsed"
                + (f", about {left:.0f} s left" if done < self.total and math.isfinite(left)
                   else ""))
        tenths = int(10 * done / self.total)
        if self.live:
            self.stream.write(f"\r{line}   " + ("\n" if done == self.total else ""))
        elif tenths > self.shown_tenths:
            self.stream.write(line + "\n")
        self.shown_tenths = max(self.shown_tenths, tenths)
        self.stream.flush()


def summary_table(summary: pd.DataFrame, varied: list[str]) -> str:
    """The summary as text: moves and probabilities in %, P(runaway) with its interval."""
    def percent(x):
        return f"{x * 100:+.2f}%" if math.isfinite(x) else "n/a"

    shown = summary[varied].copy() if varied else pd.DataFrame(index=summary.index)
    shown["books"] = summary["books"]
    shown["mean move"] = summary["mean_move"].map(percent)
    for column in ("q05", "q50", "q95", "q99"):
        shown[f"{column} move"] = summary[column].map(percent)
    shown["P(runaway) [95% interval]"] = [
        f"{p:.1%} [{lo:.1%}, {hi:.1%}]"
        for p, lo, hi in summary[["p_runaway", "p_runaway_low", "p_runaway_high"]].to_numpy()]
    return shown.to_string(index=False)


def _quiet_dask() -> None:
    """Errors reach the person at the terminal as this CLI's one line; Dask's own loggers
    would add tracebacks (a lost scheduler's reconnect loop logs about 40 lines). Set
    CASCADE_DEBUG=1 to keep them."""
    import logging

    import distributed  # noqa: F401 (its import sets its loggers' levels: set them after)

    if os.environ.get("CASCADE_DEBUG") == "1":
        return
    names = [n for n in logging.root.manager.loggerDict if n.split(".")[0] == "distributed"]
    for name in ["distributed", *names]:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _client(args):
    if args.workers == 0:
        return None
    _quiet_dask()
    if args.scheduler:
        return connect(args.scheduler, SCHEDULER_TIMEOUT, WORKERS_TIMEOUT)
    return local_cluster_client(args.workers)


def _close(client) -> None:
    """Close the client (and a local cluster); a scheduler that is gone cannot fail this."""
    if client is None:
        return
    cluster = getattr(client, "cluster", None)
    try:
        client.close(timeout=CLOSE_TIMEOUT)
        if cluster is not None:
            cluster.close()
    except Exception:  # noqa: BLE001 (closing a lost connection: nothing left to save)
        pass


def _write(frame: pd.DataFrame, path: Path | None, kind: str | None) -> None:
    if kind == "parquet":
        frame.to_parquet(path, index=False)
    elif kind == "csv":
        frame.to_csv(path, index=False)


def _stopped(args, kind, pieces, total: int, error: Exception) -> int:
    """The ensemble stopped early (the scheduler lost, a task failed): write the rows that
    came back to -o if given, and say in one line how many and why. Exit code 1."""
    done = sum(len(p) for p in pieces)
    reason = f"{type(error).__name__}: {error}".splitlines()[0]
    if "connection-lost" in reason or isinstance(error, OSError):
        where = f"the Dask scheduler at {args.scheduler}" if args.scheduler else "the cluster"
        reason = f"lost {where}: {reason}"
    if kind and pieces:
        _write(assemble(pieces), args.output, kind)
        kept = f"wrote the {done:,} rows received to {args.output}"
    elif kind:
        kept = f"nothing to write to {args.output}"
    else:
        kept = "give -o FILE to keep the rows received" if done else "no rows were received"
    print(f"error: the ensemble stopped after {done:,} of {total:,} books ({reason}); {kept}",
          file=sys.stderr)
    return EXIT_FAILED


def handle_ensemble(args) -> int:
    scenario = build_scenario(args.preset, args.set)
    vary = build_vary(args.vary)
    kind = output_format(args.output)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    try:
        tasks = plan(scenario, seeds, vary, args.batch_size)   # every check, before any cluster
    except ValueError as error:
        raise BadInput(str(error)) from None
    total = sum(len(t.seeds) for t in tasks)
    where = (f"the cluster at {args.scheduler}" if args.scheduler else "this process"
             if args.workers == 0 else f"a local cluster of {args.workers or os.cpu_count()} "
             f"worker(s)")
    client = _client(args)
    pieces = []
    try:
        print(f"{total:,} books ({args.seeds:,} seeds x {total // args.seeds} combination(s)) "
              f"of {scenario.n:,} traders on {where}", file=sys.stderr)
        progress = Progress(total)
        try:
            for batch in iter_ensemble(scenario, seeds, vary, client, args.batch_size):
                pieces.append(batch.frame)
                progress(batch.done)
        except Exception as error:  # the cluster went away (or a task failed) mid-run
            if os.environ.get("CASCADE_DEBUG") == "1":
                raise
            return _stopped(args, kind, pieces, total, error)
    finally:
        _close(client)
    frame = assemble(pieces)
    _write(frame, args.output, kind)
    if kind:
        print(f"wrote {len(frame):,} rows to {args.output}", file=sys.stderr)
    print(f"Final move (% from start) over {args.seeds:,} books per combination; "
          f"quantiles in the shock's direction (q99: 1 book in 100 went further; n/a with "
          f"fewer books than a quantile needs, {books_needed(0.99)} for q99 and "
          f"{books_needed(0.95)} for q05 and q95):")
    print(summary_table(summarize(frame, scenario, list(vary)), list(vary)))
    return 0


def positive_int(text: str) -> int:
    try:
        value = int(parse_value(text))
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value != parse_value(text) or value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    return 0 if parse_value(text) == 0 else positive_int(text)


def add_ensemble(commands) -> None:
    command = commands.add_parser(
        "ensemble", help="run a scenario over many seeds (and a grid of knobs) on Dask",
        description="One row per (seed, combination of --vary values). Runs on a new local "
                    "Dask cluster on this machine's cores, or --workers N of them, or on a "
                    "running cluster with --scheduler. Progress goes to stderr; the summary "
                    "table to stdout.")
    command.add_argument("--preset", default=DEFAULT_PRESET,
                         help="preset name or slug (see `python -m cascade presets`); "
                              "default: the Explorer's default scenario")
    command.add_argument("--seeds", type=positive_int, required=True,
                         help="number of books (seeds first-seed, first-seed + 1, ...)")
    command.add_argument("--first-seed", type=non_negative_int, default=0)
    command.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                         help="change one field of the scenario, e.g. depth=70M, shock=-5%%, "
                              "background=discrete; repeatable")
    command.add_argument("--vary", action="append", default=[], metavar="FIELD=V1,V2,...",
                         help="values of a field to cover, e.g. tightness=0,0.5,1 or "
                              "shock=-10%%:-1%%:10 (low:high:count); repeatable, full product")
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=non_negative_int, default=None,
                       help="local cluster of N worker processes (0: run in this process)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    command.add_argument("--batch-size", type=positive_int, default=None,
                         help="seeds per task (default: about 4 tasks per worker thread)")
    command.add_argument("-o", "--output", type=Path, default=None,
                         help="write every row here: .parquet or .csv")
    command.set_defaults(handler=handle_ensemble)


# ------------------------------------------------------------------ run and report
# Both tell the Explorer's story (cascade.analysis and cascade_view.headline); they import
# the UI package only when called, so `import cascade` stays numpy/scipy/pandas.

WAVE_TABLE_COLUMNS = ["wave", "price", "move", "count", "notional", "long_count",
                      "short_count", "flow"]
# With the clock on, one row per tick that liquidated: its number and start (seconds) in
# place of the wave's number.
TICK_TABLE_COLUMNS = ["tick", "seconds", *WAVE_TABLE_COLUMNS[1:]]


def build_case(args):
    """The cascade.case.Case of run/report: the preset with --set changes, on the synthetic
    book or the --positions file (at --price, else the median entry: cascade.case.start_price),
    with the --orderbook's impact if given, along the --path-file's price path if given (in
    place of the shock and the path knobs)."""
    scenario = build_scenario(args.preset, args.set)
    if args.price is not None and not args.positions:
        raise BadInput("--price: only with --positions (the price now, in the file's units)")
    try:
        case = load_case(scenario, args.positions, args.orderbook, price=args.price,
                         path=args.path_file)
    except ValueError as error:
        raise BadInput(str(error)) from None
    return case


def _analysis(args):
    """The Analysis of the case, and the case. A brought book is one book (Case.brought): no
    robustness over other seeds, as on the page. The model's refusal of a run (e.g. a capacity
    too small for the book) is bad input."""
    case = build_case(args)
    try:
        analysis = (analyse_book(case.scenario, case.book, path=case.price_path)
                    if case.brought else analyse(case.scenario))
    except ValueError as error:
        raise BadInput(str(error)) from None
    return analysis, case


def handle_run(args) -> int:
    analysis, case = _analysis(args)
    for f in case.files:
        start = (f", start price {case.positions.price:,.6g} in the file's units (drawn as 100)"
                 if f.kind == POSITIONS else
                 f", {path_extent(case.price_path)}" if f.kind == PATH else "")
        print(f"{f.role}: {f.name}, {f.rows:,} rows, sha256 {f.sha256}{start}")
        print(f"  replaces {f.replaces}; not used: {', '.join(RULES[f.kind].fields)}")
    for metric in headline.metrics(analysis):
        delta = f"  ({metric.delta})" if metric.delta else ""
        print(f"{metric.label + ':':15} {metric.value}{delta}")
    print()
    print(headline.verdict(analysis)[1])
    for note in (headline.critical_sentence(analysis), headline.robustness_sentence(analysis),
                 headline.exhausted_sentence(analysis)):
        if note:
            print(note)
    table = analysis.result.waves
    waves = table[TICK_TABLE_COLUMNS if "tick" in table.columns else WAVE_TABLE_COLUMNS]
    if len(waves):
        print()
        print(waves.to_string(index=False, float_format=lambda v: f"{v:,.6g}"))
    return 0


def handle_report(args) -> int:
    analysis, case = _analysis(args)
    page = scenario_report(analysis, case.files)
    try:
        Path(args.output).write_text(page, encoding="utf-8")
    except OSError as error:
        raise BadInput(f"-o: cannot write {args.output}: {error.strerror}") from None
    print(f"wrote {args.output} ({len(page) / 1e6:.1f} MB, opens offline)", file=sys.stderr)
    return 0


def positive_float(text: str) -> float:
    value = parse_value(text)
    if not isinstance(value, float) or not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _case_options(command) -> None:
    command.add_argument("--preset", default=DEFAULT_PRESET,
                         help="preset name, slug or unique prefix (see `presets`)")
    command.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                         help="change one Scenario field (70M, -5%%, 2B accepted); repeatable")
    command.add_argument("--positions", metavar="FILE",
                         help="CSV or Parquet of positions (leverage, notional, side, "
                              "entry_price) replacing the synthetic book")
    command.add_argument("--price", type=positive_float, metavar="P",
                         help="with --positions: the price now, in the file's units "
                              "(default: the median entry price, as on the page)")
    command.add_argument("--orderbook", metavar="FILE",
                         help="CSV or Parquet of order-book levels (side, price, size): "
                              "impact walks its depth")
    command.add_argument("--path-file", metavar="FILE",
                         help="CSV or Parquet of a price path (seconds, price; seconds from 0, "
                              "rising): the cascade runs on the clock along it, in place of "
                              "the shock and the path fields")


def add_run(commands) -> None:
    command = commands.add_parser(
        "run", help="run one scenario: headline and the table of waves (of ticks with the "
                    "clock on)")
    _case_options(command)
    command.set_defaults(handler=handle_run)


def add_report(commands) -> None:
    command = commands.add_parser("report", help="write a self-contained HTML report")
    _case_options(command)
    command.add_argument("-o", "--output", required=True, metavar="FILE.html")
    command.set_defaults(handler=handle_report)


# ------------------------------------------------------------------ contagion


def _number_list(option: str, text: str, count: int | None = None) -> tuple[float, ...]:
    """'2B,1B,200M' -> (2e9, 1e9, 2e8); each item as parse_value reads it."""
    values = [parse_value(item) for item in text.split(",")]
    if not values or not all(isinstance(v, float) for v in values):
        raise BadInput(f"{option}: expected numbers separated by commas, got {text!r}")
    if count is not None and len(values) != count:
        raise BadInput(f"{option}: expected {count} values (one per market), got {text!r}")
    return tuple(values)


REPORT_SUFFIXES = (".html", ".htm")
DEFAULT_MARKETS_TEXT = ",".join(Contagion().markets)


def report_path(text: str | None) -> Path | None:
    """The --report file, checked before the run: an .html name in a folder that exists,
    that can be written."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise BadInput(f"--report: {path} should end in .html (the report is one HTML file)")
    if not path.parent.exists():
        raise BadInput(f"--report: the folder {path.parent} does not exist")
    if path.is_dir():
        raise BadInput(f"--report: {path} is a folder; give a file name ending in .html")
    _check_writable(path, "--report")
    return path


# The contagion command's option for each Contagion field it sets: one number or word each
# (read from the parsed arguments by the option's name), then the per-market lists.
SCALAR_CONTAGION_FLAGS = {
    "cross_share": "--cross-share", "accounts": "--n", "seed": "--seed", "rule": "--rule",
    "tick_seconds": "--tick", "insurance_fund": "--fund", "fall": "--fall",
    "fall_seconds": "--fall-seconds", "rebound": "--rebound",
    "rebound_seconds": "--rebound-seconds", "adl": "--adl", "engine_rate_share": "--engine-rate",
    "resilience_half_life": "--refill-half-life", "permanent_impact": "--permanent-impact",
}
CONTAGION_FLAGS = {**SCALAR_CONTAGION_FLAGS, "markets": "--markets", "shocked": "--shock",
                   "open_interest": "--open-interest", "depth": "--depth", "betas": "--betas"}


def flag_named(message: str) -> str:
    """A Contagion check's message ('engine_rate_share: must be > 0, got 0') with the
    option the person typed in front of the field it names ('--engine-rate
    (engine_rate_share): must be > 0, got 0'); other messages unchanged."""
    field, colon, rest = message.partition(":")
    if not colon or field not in CONTAGION_FLAGS:
        return message
    return f"{CONTAGION_FLAGS[field]} ({field}):{rest}"


def build_contagion(args):
    """(Contagion knobs, the --accounts file's AccountBook or None) of the contagion
    command; bad values are BadInput. A file is read and checked as the Contagion page does
    (cascade.accounts.read_accounts, then check_at_start); without --markets the run takes
    the file's markets, its open interest, and --depth or each market's depth by
    contagion_figures.default_depth; without --shock, contagion_figures.default_shocked."""
    try:
        book = None
        if args.accounts:
            book = read_accounts(args.accounts)
            check_at_start(book, Path(args.accounts).name)
    except ValueError as error:
        raise BadInput(str(error)) from None
    knobs = {field: getattr(args, flag[2:].replace("-", "_"))
             for field, flag in SCALAR_CONTAGION_FLAGS.items()}
    if book is not None and args.markets is None:  # the file's markets, by the page's rule
        markets = book.markets
        if args.open_interest:
            raise BadInput("--open-interest: sets the synthetic book's; an accounts file "
                           "brings its own")
        if args.shock is not None:
            knobs["shocked"] = args.shock
        depths = _number_list("--depth", args.depth, len(markets)) if args.depth else None
        if args.betas:
            knobs["betas"] = _number_list("--betas", args.betas, len(markets))
        try:
            setup = file_setup(book, depths, **knobs)
        except ValueError as error:
            raise BadInput(flag_named(str(error))) from None
        return setup, book
    markets = tuple(m.strip() for m in (args.markets or DEFAULT_MARKETS_TEXT).split(","))
    knobs.update(markets=markets, shocked=args.shock or default_shocked(markets))
    if args.open_interest:
        knobs["open_interest"] = _number_list("--open-interest", args.open_interest,
                                              len(markets))
    if args.depth:
        knobs["depth"] = _number_list("--depth", args.depth, len(markets))
    if args.betas:
        knobs["betas"] = _number_list("--betas", args.betas, len(markets))
    try:
        setup = Contagion(**knobs)
        if book is not None and setup.shocked not in book.markets:
            raise ValueError(f"--shock: {setup.shocked} is not a market of {args.accounts} "
                             f"({', '.join(book.markets)})")
    except ValueError as error:
        raise BadInput(flag_named(str(error))) from None
    return setup, book


def print_cross_curve(setup: Contagion) -> int:
    """The Risk page's cross-margin section on the command line: `setup` run at every share
    of open interest in cross accounts (cascade.sweep.cross_share_curve), with the page's
    sentence, caption and table (cascade_view.risk)."""
    curve = cross_share_curve(setup)
    print(cross_setup_caption(setup, curve))
    if setup.engine_rate_share is not None:
        print(f"Every run's liquidation engines execute at most "
              f"{percent_words(setup.engine_rate_share)} of each market's open interest a "
              f"second.")
    if refill_words(setup):
        print(f"Every run's books: {refill_words(setup)}.")
    print()
    print(cross_sentence(curve, setup))
    print(cross_caption(curve, setup))
    print()
    print(cross_display(curve, setup).to_string(index=False))
    return 0


def refill_words(setup: Contagion) -> str:
    """'' when the books do not refill and nothing is permanent; else the refill's
    half-life and the permanent share of impact, as set."""
    half_life, permanent = setup.resilience_half_life, setup.permanent_impact
    if half_life is None:
        return (f"the books do not refill, so the permanent share of impact "
                f"({percent_words(permanent)}) changes nothing" if permanent else "")
    return (f"consumed depth refills by half in {seconds(half_life)}"
            + (f", but {percent_words(permanent)} of impact never refills" if permanent
               else ""))


def queue_line(setup: Contagion, result) -> str | None:
    """With an engine rate (setup.engine_rate_share), the engines' figures of the run: each
    market's rate (Market.engine_rate, USD of notional at entry a second), the most
    notional that waited in the engines' queues at once (max over ticks of the series'
    queue summed over the markets), and the start of the last tick that executed a forced
    order (series seconds, where isolated, cross or backstop notional > 0). None without
    an engine rate."""
    if setup.engine_rate_share is None:
        return None
    rates = ", ".join(f"{name} {usd(market.engine_rate)}" for name, market in
                      zip(result.markets, setup.market_list(result.markets)))
    waited = float(waiting_per_tick(result).max())
    last = last_execution_start(result)
    words = (f"liquidation engines at {percent_words(setup.engine_rate_share)} of each "
             f"market's open interest a second ({rates} a second): ")
    words += (f"at most {usd(waited)} of forced orders (notional at entry, all markets) "
              f"waited at once" if waited > 0 else "no forced order waited")
    if last is not None:
        words += (f"; the last forced order executed in the tick that starts at "
                  f"{seconds(last)}")
    else:
        words += "; no forced order executed"
    return words


def handle_contagion(args) -> int:
    output = report_path(args.report)
    setup, book = build_contagion(args)
    if args.cross_curve:
        for given, option in ((book is not None, "--accounts"), (args.isolated, "--isolated"),
                              (output is not None, "--report")):
            if given:
                raise BadInput(f"--cross-curve: varies the synthetic accounts' cross share; "
                               f"it does not take {option}")
        try:
            return print_cross_curve(setup)
        except ValueError as error:
            raise BadInput(str(error)) from None
    brought = None
    try:
        if book is not None:  # the bytes read_accounts read, for the report's checksum
            brought = AccountsFile.of(Path(args.accounts).read_bytes(),
                                      Path(args.accounts).name, book)
        if book is None:
            book = setup.book()
            where = (f"{setup.accounts:,} synthetic accounts (seed {setup.seed}), "
                     f"{share(setup.cross_share)} of open interest in cross accounts")
        else:
            where = (f"{book.accounts:,} accounts from {Path(args.accounts).name} "
                     f"({len(book):,} positions, {book.cross_accounts().size:,} with cross "
                     f"positions)")
        if args.isolated:
            book = book.isolated()
            where += "; every position made isolated (collateral split by notional)"
        result = setup.run(book)
    except (ValueError, OSError) as error:
        raise BadInput(str(error)) from None
    print(f"book: {where}")
    print(f"rule: {rule_words(setup.rule)}; {setup.shocked} {path_words(setup)}; "
          + ("the other markets follow their betas" if setup.betas is not None
             else "the other markets' own paths are flat"))
    depth = dict(zip(setup.markets, setup.depth))
    print("depth that moves each market's price 1% (the model's assumption): "
          + ", ".join(f"{name} {usd(depth[name])}" for name in result.markets)
          + (f"; {refill_words(setup)}" if refill_words(setup) else ""))
    print()
    table = result.by_market()
    print(f"{'market':8} {'own path':9} {'move':>9} {'liquidated':>11} {'of it cross':>12}")
    for row in table.itertuples():
        own = "falls" if row.market == setup.shocked else (
            "beta" if row.shocked else "flat")
        print(f"{row.market:8} {own:9} {pct(row.move, digits=2):>9} "
              f"{usd(row.liquidated_notional):>11} {usd(row.cross_notional):>12}")
    if prices_come_back(setup):
        print("the moves are at the run's end; the lowest during it: "
              + ", ".join(f"{name} {pct(low, 2)}"
                          for name, low in lowest_moves(result).items()))
    print()
    total = result.liquidated_notional()
    if total > 0:
        print(f"cross-margin share of liquidated notional: "
              f"{pct(result.cross_share(), signed=False)} (the model's)")
        observed = EVENTS["2025-10-10"].facts["hl_cross_long_share"]
        print(f"  observed: {pct(observed.value, signed=False)} of the liquidated notional was "
              f"cross-margin longs ({observed.scope}, 10 Oct 2025; {observed.source}): a "
              f"liquidated share, not an open-interest share")
        print(f"share of liquidations caused by another market's fall: "
              f"{pct(result.contagion_share(), signed=False)} (liquidated notional in markets "
              f"whose own path does not move)")
    else:
        print("nothing was liquidated")
    print(f"accounts pulled in by a market they were not shocked in: "
          f"{result.pulled_in().size:,}")
    money = result.money_total()
    print(f"money: fund {usd(money['fund_start'])} -> {usd(money['fund_end'])}, fees "
          f"{usd(money['fees'])}, bad debt {usd(money['bad_debt'])}, "
          + (f"auto-deleveraged {usd(money['adl_value'])} (of it recovered from cross "
             f"accounts' deficits {usd(money['adl_recovered'])})" if setup.adl
             else "ADL off"))
    engines = queue_line(setup, result)
    if engines is not None:
        print(engines)
    if output is not None:
        page = contagion_report(setup, result, args.isolated, brought)
        try:
            output.write_text(page, encoding="utf-8")
        except OSError as error:
            raise BadInput(f"--report: cannot write {output}: {error.strerror}") from None
        print(f"wrote {output} ({len(page) / 1e6:.1f} MB, opens offline)", file=sys.stderr)
    return 0


def fraction(text: str) -> float:
    value = parse_value(text)
    if not isinstance(value, float):
        raise argparse.ArgumentTypeError(f"expected a number or a percentage, got {text!r}")
    return value


def add_contagion(commands) -> None:
    defaults = Contagion()
    command = commands.add_parser(
        "contagion", help="a fall in one market through cross-margin accounts into others")
    command.add_argument("--markets",
                         help="market names, comma-separated (default "
                              f"{DEFAULT_MARKETS_TEXT}; with --accounts, the file's)")
    command.add_argument("--open-interest", metavar="LIST",
                         help="per market, USD (default "
                              f"{','.join(usd(v, symbol='') for v in defaults.open_interest)})")
    command.add_argument("--depth", metavar="LIST",
                         help="per market, USD that moves the price 1%% (default "
                              f"{','.join(usd(v, symbol='') for v in defaults.depth)})")
    command.add_argument("--shock", metavar="MARKET",
                         help="the market whose own price falls (default ALT, or the first "
                              "market when there is no ALT)")
    command.add_argument("--fall", type=fraction, default=defaults.fall,
                         help="its move, written --fall=-30%% (default -30%%)")
    command.add_argument("--fall-seconds", type=fraction, default=defaults.fall_seconds,
                         help="seconds the fall takes; 0 = a jump (default %(default)g)")
    command.add_argument("--rebound", type=fraction, default=defaults.rebound,
                         help="then its own path rises this share of the start price, "
                              "written --rebound=10%% (default 0: it holds at the fall)")
    command.add_argument("--rebound-seconds", type=fraction,
                         default=defaults.rebound_seconds,
                         help="seconds the rebound takes (default %(default)g)")
    command.add_argument("--betas", metavar="LIST",
                         help="per market, the multiple of the shocked market's path it "
                              "follows (the shocked market's is 1); default: flat")
    command.add_argument("--cross-share", type=fraction, default=defaults.cross_share,
                         help="share of open interest in cross accounts (default 50%%)")
    command.add_argument("--n", type=positive_int, default=defaults.accounts,
                         help="synthetic accounts (default %(default)s)")
    command.add_argument("--seed", type=non_negative_int, default=defaults.seed)
    command.add_argument("--accounts", metavar="FILE",
                         help="CSV or Parquet of accounts (account, market, side, notional, "
                              "leverage or collateral, margin_mode) in place of the "
                              "synthetic book; checked as the Contagion page checks it")
    command.add_argument("--isolated", action="store_true",
                         help="the same book with every position isolated")
    command.add_argument("--rule", choices=("hyperliquid", "whole"), default=defaults.rule)
    command.add_argument("--tick", type=positive_float, default=defaults.tick_seconds,
                         help="seconds per tick (default %(default)g)")
    command.add_argument("--fund", type=fraction, default=defaults.insurance_fund,
                         help="the venue's insurance fund at the start, USD (default 0)")
    command.add_argument("--adl", action="store_true",
                         help="auto-deleverage what the fund cannot pay, in every market")
    command.add_argument("--engine-rate", type=fraction, metavar="SHARE",
                         help="each market's liquidation engine executes at most this "
                              "share of its open interest a second, written "
                              "--engine-rate=0.1%% or 0.001 (the run's engine_rate_share; "
                              "default: no limit)")
    command.add_argument("--refill-half-life", type=fraction, metavar="SECONDS",
                         help="seconds in which the book depth forced orders consumed "
                              "refills by half (the run's resilience_half_life; default: "
                              "never)")
    command.add_argument("--permanent-impact", type=fraction,
                         default=defaults.permanent_impact, metavar="SHARE",
                         help="the share of impact that never refills, with "
                              "--refill-half-life (the run's permanent_impact; default 0)")
    command.add_argument("--report", metavar="FILE.html",
                         help="also write the run's self-contained HTML report here")
    command.add_argument("--cross-curve", action="store_true",
                         help="run the synthetic accounts at every cross share from 0%% to "
                              "100%% by 10%% (the Risk page's cross-margin section)")
    command.set_defaults(handler=handle_contagion)


# ------------------------------------------------------------------ entry point

# ------------------------------------------------------------------ validate


def handle_validate(args) -> int:
    """Print the validation table: every replayed event's observed figures beside the
    model's (cascade.replay.compare). --refit re-runs the fit first and rewrites the
    committed fit (cascade/replays.json)."""
    if args.refit:
        data = refit(grid=knob_grid)
        for key, loss in data["loss"].items():
            print(f"fitted {key}: {data['fitted'][key]} (loss {loss:.4g})", file=sys.stderr)
    rows = [row for key in REPLAYS for row in compare(key)]
    print(validation_table(rows), end="")
    return 0


def add_validate(commands) -> None:
    command = commands.add_parser(
        "validate", help="the replays of real cascades beside what was observed")
    command.add_argument("--refit", action="store_true",
                         help="re-run the fit of the replays' fitted knobs and rewrite "
                              "cascade/replays.json before printing")
    command.set_defaults(handler=handle_validate)


COMMANDS = (add_presets, add_run, add_report, add_ensemble, add_validate, add_contagion)


def build_parser() -> Parser:
    parser = Parser(prog="python -m cascade",
                    description="Cascade Lab from the command line.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=Parser)
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except BadInput as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\ninterrupted: outstanding tasks cancelled", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as error:  # one line for the person at the terminal, not a traceback
        if os.environ.get("CASCADE_DEBUG") == "1":
            raise
        print(f"error: {type(error).__name__}: {error}".splitlines()[0], file=sys.stderr)
        return EXIT_FAILED
