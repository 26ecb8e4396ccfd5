"""Widgets' grids, headline sentences, downloads and docs: the parts the page assembles."""

from __future__ import annotations

import json
import math
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

import cascade
from cascade import PRESETS, Scenario
from cascade_view import downloads, formats, headline, knobs, text
from cascade_ui import compute, widgets


# ------------------------------------------------------------------ widgets

def test_every_scenario_field_has_one_control_keyed_by_its_name():
    assert list(knobs.KNOBS) == [c.name for s in knobs.SECTIONS.values() for c in s]
    assert set(knobs.KNOBS) == {f.name for f in fields(Scenario)}


@pytest.mark.parametrize("name", list(widgets.CHOICES))
def test_every_preset_lies_on_the_widgets_grids(name):
    """So choosing a preset reproduces it exactly, and its URL round-trips."""
    scenario = widgets.CHOICES[name]
    assert knobs.widget_values(scenario) == scenario.to_dict()
    for control in knobs.KNOBS.values():
        value = getattr(scenario, control.name)
        if control.kind == "slider":
            assert control.low <= value <= control.high, control.name
            steps = (value - control.low) / control.step
            assert abs(steps - round(steps)) < 1e-9, control.name
        elif control.kind in ("log", "choice"):
            assert value in control.options, control.name


def test_log_pickers_are_log_spaced_with_unique_readable_labels():
    for name in ("open_interest", "depth", "n"):
        options = knobs.KNOBS[name].options
        labels = [formats.compact(v) for v in options]
        assert len(set(labels)) == len(labels)
        assert all(label.replace(".", "").replace("K", "").replace("M", "").replace("B", "")
                   .isdigit() for label in labels)
        ratios = [b / a for a, b in zip(options, options[1:])]
        assert all(1.2 < r <= 2.5 for r in ratios), (name, ratios)
    assert formats.compact(70e6) == "70M" and formats.compact(1.5e9) == "1.5B"
    assert formats.compact(10_000) == "10K"


def test_snap_picks_the_nearest_stop_on_a_log_scale():
    depth = knobs.KNOBS["depth"]
    assert depth.snap(16.5e6) == 15e6
    assert depth.snap(470e6) == 500e6
    assert knobs.KNOBS["shock"].snap(-0.0123) == -0.0123


def test_the_calibration_facts_are_within_reach():
    """docs/model.md, Sources: depth $10-100M per venue and 16.5M on Binance spot; margins
    0.4% to 2.5%; leverage up to 125x."""
    depth = knobs.KNOBS["depth"].options
    assert min(depth) <= 10e6 and max(depth) >= 470e6
    margin = knobs.KNOBS["maintenance_margin"]
    assert margin.low <= 0.004 and margin.high >= 0.025
    assert knobs.KNOBS["center_leverage"].high == 125


def test_labels_name_every_knob():
    assert knobs.label_of("maintenance_margin") == "Maintenance margin"
    assert knobs.label_of("not_a_field") == "not_a_field"


# ------------------------------------------------------------------ headline

def analysis(**changes):
    return compute.analyse(Scenario(**changes))


def test_runaway_verdict_quotes_the_cascade():
    a = analysis(shock=-0.025, tightness=0.5)
    assert a.runaway
    kind, sentence = headline.verdict(a)
    assert kind == "runaway"
    assert sentence.startswith("Runaway: forced selling took the price from -2.5% past the "
                               f"tipping point at {a.tipping_move * 100:+.1f}%")
    assert f"on to {a.result.total_move * 100:+.1f}%" in sentence
    assert f"{a.result.wave_count} waves" in sentence
    assert abs(a.tipping_move) > abs(a.scenario.shock), "the waves, not the shock, tipped it"


def test_a_shock_past_the_tipping_point_is_told_as_such():
    """Issue 6: 'the waves fed on themselves' is not said when the shock alone jumped past the
    tipping point."""
    a = analysis(shock=-0.1, tightness=1.0)
    assert a.runaway and abs(a.scenario.shock) >= abs(a.tipping_move)
    kind, sentence = headline.verdict(a)
    assert sentence.startswith(f"Runaway: the 10.0% drop alone jumped past the tipping point at "
                               f"{a.tipping_move * 100:+.1f}%")
    assert "each wave set off a bigger one" not in sentence


def test_the_floor_is_said_in_words():
    a = analysis(shock=-0.5, depth=1e6, open_interest=50e9)
    assert a.at_floor and a.result.final_price == pytest.approx(100 * cascade.PRICE_FLOOR)
    assert "floor" in headline.verdict(a)[1]
    assert "floor" not in headline.verdict(analysis())[1]


@pytest.mark.parametrize("ratio, shown", [(0.999, "0.99"), (1.0, "1.00"), (0.5, "0.50"),
                                          (9.999, "9.99"), (12.06, "12.0"), (3703.9, "3,703")])
def test_ratio_text_rounds_down_so_it_never_crosses_one(ratio, shown):
    assert headline.ratio_text(ratio) == shown


def test_robustness_counts_the_verdict_on_other_seeds():
    a = analysis(shock=-0.0405)
    sure = a.robustness
    scenario = a.scenario
    expected = 0
    for seed in range(scenario.seed + 1, scenario.seed + 1 + sure.books):
        book = scenario.replace(seed=seed, n=2_000).book()
        expected += cascade.is_runaway(book, book.run(scenario.shock).total_move)
    assert (sure.runaways, sure.books, sure.traders) == (expected, 20, 2_000)
    assert 0 < expected < 20, "a borderline book: the count must say so"
    assert headline.robustness_sentence(a).startswith(f"Runaway in {expected} of 20 other books")


def test_robustness_books_are_at_most_two_thousand_traders():
    assert analysis(n=20_000).robustness.traders == 2_000
    assert analysis(n=1_000).robustness.traders == 1_000


def test_damped_verdict():
    a = compute.analyse(PRESETS["Calm market, dispersed leverage"])
    assert not a.runaway and a.result.wave_count > 0
    kind, sentence = headline.verdict(a)
    assert kind == "damped" and sentence.startswith("Damped:")
    extra = abs(a.result.total_move - a.scenario.shock) * 100
    assert f"{extra:.1f} pts further" in sentence
    assert "R stayed below 1" in sentence and "a +" not in sentence
    assert "No drop tips this book" in headline.critical_sentence(a)


def test_no_liquidation_verdict():
    a = analysis(shock=-0.001)
    assert headline.verdict(a)[0] == "none"
    values = {m.label: m.value for m in headline.metrics(a)}
    assert values["Waves"] == "0" and values["Largest wave"] == "none"


def test_a_rise_is_told_as_forced_buying():
    a = analysis(shock=0.08, long_share=0.1)
    assert a.direction == 1 and a.result.total_move > a.scenario.shock
    kind, sentence = headline.verdict(a)
    assert kind == "runaway"
    assert sentence.startswith("Runaway: the 8.0% rise alone jumped past the tipping point")
    assert "forced buying then took the price on to +" in sentence
    assert headline.critical_sentence(a).startswith("Critical shock: a rise of ")


def test_metrics_match_the_result():
    a = analysis()
    values = {m.label: m for m in headline.metrics(a)}
    r = a.result
    assert values["Amplification"].value == f"{r.amplification:.2f}x"
    assert values["Peak R"].value == headline.ratio_text(a.peak_branching_ratio)
    book = Scenario().book()
    assert a.peak_branching_ratio == pytest.approx(
        cascade.peak_branching_ratio(book, r.total_move), rel=1e-12)
    largest = r.waves["notional"].max()
    assert values["Largest wave"].value == formats.usd(largest)
    assert values["Final move"].delta == "shock alone -5.0%"


def test_critical_shock_sentence_matches_the_core():
    a = analysis()
    book = Scenario().book()
    critical = cascade.critical_shock(book, direction=-1)
    assert math.isclose(a.critical_shock, critical)
    assert f"{abs(critical):.1%}" in headline.critical_sentence(a)


def test_amplification_of_a_zero_shock_is_its_limit_one():
    values = {m.label: m.value for m in headline.metrics(analysis(shock=0.0))}
    assert values["Amplification"] == "1.00x"


# ------------------------------------------------------------------ downloads and docs

def test_scenario_json_rebuilds_the_scenario():
    scenario = PRESETS["10-11 Oct 2025: calibrated replay"]
    assert Scenario.from_dict(json.loads(downloads.scenario_json(scenario))) == scenario


def test_csv_downloads_hold_the_waves_and_positions():
    import io
    result = Scenario().run()
    waves = pd.read_csv(io.StringIO(downloads.waves_csv(result)))
    assert list(waves.columns) == cascade.WAVE_COLUMNS and len(waves) == result.wave_count
    positions = pd.read_csv(io.StringIO(downloads.positions_csv(result)))
    assert len(positions) == len(result.population)
    assert (positions["liquidated_in_wave"].to_numpy() == result.liquidated_in).all()
    assert {"side", "leverage", "notional", "entry_price", "liquidation_price"} <= set(
        positions.columns)


@pytest.mark.parametrize("name", ["intro", "clustering", "assumptions", "default",
                                  "chart_price_path", "chart_waves", "chart_leverage",
                                  "chart_map"])
def test_every_doc_exists_and_escapes_dollars_for_streamlit(name):
    body = text.doc(name)
    assert body.strip()
    assert "$" not in body.replace("\\$", "")


def test_assumptions_cite_the_calibration_sources():
    body = text.doc("assumptions")
    for fact in ("0.40%", "125x", "20x", "22-30x", "16.5M", "470M", "90%", "Donier & Bonart",
                 "12 Mar 2020", "19 May 2021", "10-11 Oct 2025", "Hyperliquid"):
        assert fact in body, fact


@pytest.mark.slow
def test_what_the_number_of_traders_changes_is_what_its_help_says():
    """Issue 6: the help of 'Traders simulated' quotes measured ranges; recompute them."""
    def ranges(n):
        runs = [Scenario(n=n, seed=seed).run() for seed in range(5)]
        moves = [r.total_move * 100 for r in runs]
        waves = [r.wave_count for r in runs]
        return f"{max(moves):.1f}% to {min(moves):.1f}%", f"{min(waves)}-{max(waves)}"
    help_text = knobs.KNOBS["n"].help
    small_moves, _ = ranges(1_000)
    _, ten_k_waves = ranges(10_000)
    million_moves, million_waves = ranges(1_000_000)
    assert f"{small_moves} at 1K" in help_text
    assert f"{million_moves} at 1M" in help_text
    assert f"{ten_k_waves} at 10K, {million_waves} at 1M" in help_text


@pytest.mark.parametrize("fraction, text", [(0.483, "48%"), (0.0032, "0.3%"), (0.0, "0%"),
                                            (0.1, "10%"), (0.0999, "10.0%")])
def test_a_small_share_never_reads_zero(fraction, text):
    assert formats.share(fraction) == text


@pytest.mark.parametrize("venue", [dict(liquidation_fee=0.001, insurance_fund=5e6),
                                   dict(engine_rate=2e7, path="fall", fall_seconds=60.0),
                                   dict(adl=True, resilience_half_life=20.0)])
def test_a_venue_or_clock_move_reuses_the_books_population_and_gives_the_same_run(venue):
    """compute._book shares one population and its sorted sides between every venue and
    clock setting of a book (population_of), and the run on it is the run on a fresh book,
    bit for bit."""
    plain = compute.book_of(Scenario(n=3000, seed=4))
    moved = plain.replace(**venue)
    assert compute.population_of(moved) == plain
    shared, own = compute._book(moved), compute._book(plain)
    assert shared.population is own.population and shared.longs is own.longs
    assert shared.market == moved.market()
    scenario = moved.replace(shock=-0.08)
    fresh = scenario.run()
    again = scenario.run_on(shared.with_market(scenario.market()))
    np.testing.assert_array_equal(again.liquidated_in, fresh.liquidated_in)
    np.testing.assert_array_equal(again.price_path, fresh.price_path)
    assert again.ledger == fresh.ledger


def test_the_tiers_are_part_of_the_population_key():
    tiered = compute.book_of(Scenario(n=3000, mm_tiers="binance_btcusdt"))
    assert compute.population_of(tiered).mm_tiers == "binance_btcusdt"
