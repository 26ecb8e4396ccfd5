"""Every sentence with a number or a comparison, checked against the run (issue 16 item 4).

A sentence on a page that states a figure is either generated from the run (the verdict, the
Risk sentence: their own tests rebuild them) or written down, in docs/<page>/*.md, a preset
note or a knob's help. The written ones are checked here: each figure is recomputed from the
model and looked up in the text, so the two cannot drift apart. Observed figures (from the
sources in docs/model.md) are labelled observed where they are quoted, and the model's own are
checked against a run.

test_every_sentence_with_a_digit_is_accounted_for lists every sentence with a digit in
docs/<page>/*.md by its opening words, and what kind of figure it holds; a new or changed
sentence fails it until it is listed (and, if it is the model's, checked below).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import cascade
from cascade import PRESET_NOTES, PRESETS, Scenario
from cascade.analysis import analyse
from cascade.ensemble import books_needed, wilson_interval
from cascade.levels import NEAR_BAND, scenario_levels
from cascade.response import GRID_STEPS
from cascade.events import EVENTS
from cascade.replay import compare, replay_scenario
from cascade.synthetic import crowd_count, crowd_margin_band
from cascade_view import headline, knobs
from cascade_view.events_figures import figure_text
from cascade_view.formats import pct, usd
from cascade_view.phase_figures import METRIC_TITLES, beyond_shock, phase_figure
from cascade_view import axes

DOCS = Path(__file__).resolve().parents[2] / "docs"
PAGES = ("compare", "contagion", "events", "explorer", "learn", "phase", "risk")

# Kinds: "model" = the model's figure or comparison, checked against a run in a test below
# (named after the colon); "observed" = a sourced observation (docs/model.md, Sources);
# "definition" = a formula, a constant of the model or of a knob's meaning; "example" = an
# example value (an address, a URL form).
SENTENCES: dict[str, dict[str, str]] = {
    "contagion/accounts.md": {
        "Every market starts at the price 100": "definition",
        "A run takes a file of 2 to 8 markets": "definition",
    },
    "compare/intro.md": {
        "The crowd keeps its open interest and its total margin in both":
            "model: test_compare_intro",
    },
    "explorer/assumptions.md": {
        "A long at entry *e* and leverage *L*": "definition",
        "Prices are an index: the start is 100.": "definition",
        "**Impact**: forced flow *Q*": "definition",
        "*Maintenance margin*: Binance BTCUSDT tiers": "observed",
        "*Leverage*: Binance futures default to 20x": "observed",
        "BitMEX 2018-19 volume-weighted": "observed",
        "*Depth*: single-venue BTC perpetual depth": "observed",
        "*Impact*: square-root impact": "observed",
        "*Events*: 12 Mar 2020": "observed",
        "*Margin tiers*: Binance BTCUSDT maintenance rates": "observed",
        "*Margin tiers* ... capped at the tier's maximum, 1 / (2 x rate)": "definition",
    },
    "compare/how_to_read.md": {
        "The table beside the verdicts shows each book's level": "model: test_response_notes",
    },
    "compare/clock.md": {
        "The book refills with a half-life of 20 s": "model: test_compare_clock_note",
        "65% of the impact is permanent": "model: test_compare_clock_note",
        "The engine follows Hyperliquid's documented rule": "model: test_compare_clock_note",
        "The shock arrives over 60 s": "model: test_compare_clock_note",
    },
    "compare/time.md": {
        "**In time, over 30 seeds**": "model: test_compare_time_note",
        "The clustered crowd bottoms lower": "model: test_compare_time_note",
        "It sells more in its busiest minute": "model: test_compare_time_note",
        "The spread crowd pays in other ways": "model: test_compare_time_note",
        "Without the clock the crowd ends at the same": "model: test_compare_time_note",
    },
    "explorer/chart_response.md": {
        "**Response curve.** The final move this book ends at": "model: test_response_notes",
    },
    "explorer/chart_leverage.md": {
        "Tightness keeps the crowd's open interest and total margin":
            "model: test_leverage_chart_note",
    },
    "explorer/clustering.md": {
        "**Leverage clustering** means many traders use similar leverage": "observed",
        "A position at leverage *L* is liquidated": "definition",
        "The **branching ratio R** measures the feedback": "definition",
        "Where R stays below 1": "definition",
        "Where the price crosses a stretch with R of 1 or more": "definition",
        "**Clustering tightness** is the shape only": "model: test_clustering_explanation",
        "Threshold models found the same": "observed",
        "Measured over 30 seeds": "model: test_clustering_explanation",
    },
    "explorer/default.md": {
        "The starting point:": "model: test_default_description",
        "70% long, $2B of open interest": "model: test_default_description",
    },
    "explorer/chart_time_liquidations.md": {
        "The shaded band is the peak minute, the 60 seconds": "definition",
        "It is the figure reported for real crashes: on 10 Oct 2025": "observed",
    },
    "phase/intro.md": {
        "The cyan line is the **critical shock**": "definition",
    },
    "risk/chart_final_move.md": {
        "The grey outline is the histogram": "definition",
        "A mark is drawn only where the books back it": "model: test_risk_notes",
    },
    "risk/chart_runaway.md": {
        "The share of books whose cascade ran away": "definition",
        "With the clock on, R is multiplied by p": "definition",
        "Error bars are 95% Wilson intervals": "model: test_risk_notes",
    },
    "risk/cluster.md": {
        "To use a bigger cluster": "example",
    },
    "risk/chart_cross_share.md": {
        "The dotted line is the share of cross-margin longs": "observed",
    },
    "events/chart_minutes.md": {
        "The subtitle sets the model's busiest 60 seconds": "definition",
    },
}


def sentences(text: str) -> list[str]:
    """The sentences of a markdown text: paragraphs and list items apart, then split after
    . ! ? (not after e.g., i.e. or an ellipsis)."""
    out = []
    for block in re.split(r"\n\s*\n|\n(?=\s*- )", text):
        flat = " ".join(block.split()).removeprefix("- ")
        out += [s for s in re.split(r"(?<!e\.g\.)(?<!i\.e\.)(?<!\.\.\.)(?<=[.!?])\s+", flat) if s]
    return out


def _starts(sentence: str, opening: str) -> bool:
    """`opening` is the sentence's first words, or 'first ... later' for one that shares its
    first words with another."""
    first, _, later = opening.partition(" ... ")
    return sentence.startswith(first) and later in sentence


def test_every_sentence_with_a_digit_is_accounted_for():
    unlisted, stale = [], []
    for page in PAGES:
        for path in sorted((DOCS / page).glob("*.md")):
            name = f"{page}/{path.name}"
            listed = SENTENCES.get(name, {})
            found = set()
            for sentence in sentences(path.read_text(encoding="utf-8")):
                if not re.search(r"\d", sentence):
                    continue
                hits = [o for o in listed if _starts(sentence, o)]
                if not hits:
                    unlisted.append(f"{name}: {sentence[:90]}")
                found.update(hits)
            stale += [f"{name}: {o}" for o in listed if o not in found]
    assert not unlisted, "sentences with a figure that no test checks:\n" + "\n".join(unlisted)
    assert not stale, "listed sentences no longer in the docs:\n" + "\n".join(stale)


def test_every_model_sentence_names_a_test_here():
    tests = set(globals())
    for sentences_of in SENTENCES.values():
        for kind in sentences_of.values():
            assert kind in ("observed", "definition", "example") or (
                kind.startswith("model: ") and kind.removeprefix("model: ") in tests), kind


def test_docs_cite_the_projects_model_document():
    for page in PAGES:
        for path in (DOCS / page).glob("*.md"):
            assert "MODEL.md" not in path.read_text(encoding="utf-8"), path
    for note in PRESET_NOTES.values():
        assert "MODEL.md" not in note.description + note.source
    assert (DOCS / "model.md").is_file()


# ------------------------------------------------------------------ docs/<page>/*.md


def doc(name: str) -> str:
    return " ".join((DOCS / name).read_text(encoding="utf-8").split())


def leverage_text(margin: float) -> str:
    return f"{1 / margin:.1f}x"


def test_default_description():
    text = doc("explorer/default.md")
    s = Scenario()
    levels = scenario_levels(s)
    low, high = crowd_margin_band(s.center_leverage, s.tightness, s.maintenance_margin)
    assert (f"a crowd holding {s.cluster_share:.0%} of open interest at "
            f"{levels['crowd'].average_leverage:.0f}x on average") in text
    assert f"spread evenly from {leverage_text(high)} to {leverage_text(low)} " \
           f"(tightness {s.tightness:g})" in text
    assert f"background around {s.background_leverage:.0f}x" in text and s.background == "lognormal"
    assert (f"{levels['book'].share_near:.0%} of all open interest lies within ±10% of "
            f"{s.center_leverage:.0f}x") in text
    assert f"{s.long_share:.0%} long, {usd(s.open_interest)} of open interest on a " \
           f"{usd(s.depth)}-per-1% book, and a {pct(s.shock, 0, signed=False)} drop" in text


def test_compare_intro():
    """Compare's defaults are the default scenario at tightness 0 (A) and 1 (B)."""
    text = doc("compare/intro.md")
    page = (DOCS.parent / "pages" / "compare.py").read_text(encoding="utf-8")
    assert ('{"A": DEFAULT.replace(tightness=0.0), "B": DEFAULT.replace(tightness=1.0)}'
            in page)
    a, b = Scenario(tightness=0.0), Scenario(tightness=1.0)
    crowd_a, crowd_b = scenario_levels(a)["crowd"], scenario_levels(b)["crowd"]
    assert crowd_a.total_margin == pytest.approx(crowd_b.total_margin, rel=1e-9)
    assert f"its average leverage is {crowd_a.average_leverage:.0f}x in both" in text
    assert crowd_b.average_leverage == pytest.approx(crowd_a.average_leverage, rel=1e-9)
    low, high = crowd_margin_band(a.center_leverage, a.tightness, a.maintenance_margin)
    assert f"from {1 / low:.0f}x to {leverage_text(high)} (tightness 0)" in text
    assert f"everyone sits at exactly {b.center_leverage:.0f}x (tightness 1)" in text
    assert np.ptp(b.population().leverage[:crowd_count(b.n, b.cluster_share)]) == 0


def test_leverage_chart_note():
    """The book's open interest over margin does not move with tightness; the
    notional-weighted mean of leverage (the dotted line) rises as the crowd spreads."""
    means, ratios = [], []
    for tightness in (1.0, 0.9, 0.5, 0.0):
        population = Scenario(tightness=tightness).population()
        means.append(np.average(population.leverage, weights=population.notional))
        ratios.append(population.notional.sum() / np.sum(population.notional / population.leverage))
    np.testing.assert_allclose(ratios, ratios[0], rtol=1e-9)
    assert np.all(np.diff(means) > 0)
    assert "the mean of leverage still rises as the crowd spreads" in doc("explorer/chart_leverage.md")


def test_clustering_explanation():
    """The level stays, the spread crowd tips sooner, the clustered crowd goes in one wave
    with the largest step, and both end at about the same price with the instant engine."""
    text = doc("explorer/clustering.md")
    clustered, spread = Scenario(tightness=1.0), Scenario(tightness=0.0)
    a, b = scenario_levels(clustered)["crowd"], scenario_levels(spread)["crowd"]
    assert a.open_interest == pytest.approx(b.open_interest, rel=1e-12)
    assert a.total_margin == pytest.approx(b.total_margin, rel=1e-9)
    assert "a spread crowd starts to liquidate at a smaller shock" in text
    assert abs(cascade.critical_shock(spread.book())) < abs(cascade.critical_shock(clustered.book()))
    assert "all of it goes in one wave, the largest single step" in text
    run_c, run_s = clustered.run(), spread.run()
    crowd = crowd_count(clustered.n, clustered.cluster_share)
    longs = clustered.population().is_long[:crowd]
    waves = set(run_c.liquidated_in[:crowd][longs])
    assert len(waves) == 1 and -1 not in waves
    steps_c = np.abs(np.diff(run_c.price_path[1:]))
    steps_s = np.abs(np.diff(run_s.price_path[1:]))
    assert steps_c.max() > steps_s.max()
    assert "With the instant engine both end at about the same price" in text
    assert run_c.total_move == pytest.approx(run_s.total_move, abs=0.005)
    assert "Measured over 30 seeds in `docs/clustering-measured.md`" in text
    assert "seeds 0-29" in (DOCS / "clustering-measured.md").read_text(encoding="utf-8")
    assert "each wave sets off a bigger one" not in text


def test_phase_and_learn_say_the_spread_rows_tip_sooner():
    assert "the spread rows tip at the smallest shocks" in doc("phase/intro.md")
    assert "moves that line towards small shocks" in doc("learn/closing.md")
    s = Scenario()
    critical = [abs(cascade.critical_shock(s.replace(tightness=t).book()))
                for t in (0.0, 0.5, 1.0)]
    assert critical[0] < critical[1] < critical[2]


def test_risk_notes():
    final, runaway = doc("risk/chart_final_move.md"), doc("risk/chart_runaway.md")
    assert (f"the 1-in-100 tail from {books_needed(0.99)} books per setting, the middle 90% "
            f"from {books_needed(0.95)}") in final and books_needed(0.05) == books_needed(0.95)
    low, high = wilson_interval(250, 500)
    assert "about ±4 points at 500 books and 50%" in runaway
    assert round((high - low) / 2 * 100) == 4


# ------------------------------------------------------------------ the phase colouring


def test_the_phase_page_colours_by_what_the_liquidations_added():
    """Issue 16: a big shock alone must not paint a cell bright. The default colouring is the
    move beyond the shock, |x - s| in points, which is 0 where nothing was liquidated."""
    assert next(iter(METRIC_TITLES)) == "beyond_shock"
    s = Scenario()
    x, y = axes.axis("shock", s), axes.axis("tightness", s)
    moves = np.asarray(cascade.sweep(s, "shock", x.values, "tightness", y.values,
                                     metric="final_move"), dtype=float)
    amplification = axes.amplification(moves, s, x, y)
    fig = phase_figure(x, y, moves, amplification, "beyond_shock")
    z = np.asarray(fig.data[0].z, dtype=float)
    shocks = np.broadcast_to(np.asarray(x.values)[None, :], moves.shape)
    np.testing.assert_allclose(z, np.abs(moves - shocks) * 100, atol=1e-9)
    np.testing.assert_allclose(beyond_shock(np.zeros(2), np.array([np.nan, np.nan])), 0.0)
    assert "move the liquidations added beyond the shock" in doc("phase/intro.md")


# ------------------------------------------------------------------ preset notes


def note(name: str) -> str:
    return PRESET_NOTES[name].description


def test_every_note_has_an_observed_source():
    for name, entry in PRESET_NOTES.items():
        assert entry.source.startswith("Observed"), name


def test_calm_note():
    name = "Calm market, dispersed leverage"
    s, text = PRESETS[name], note(name)
    a = analyse(s)
    r = a.result
    crowd = scenario_levels(s)["crowd"]
    low, high = crowd_margin_band(s.center_leverage, s.tightness, s.maintenance_margin)
    assert f"{crowd.average_leverage:.0f}x on average" in text
    assert f"spread from {1 / high:.0f}x to the venue's {1 / low:.0f}x" in text
    assert f"({usd(s.depth)} per 1%)" in text and f"a {pct(s.shock, 0, signed=False)} drop" in text
    assert not a.runaway and (np.diff(r.waves["notional"]) < 0).all()
    assert "each wave is smaller than the last" in text
    assert f"adds {abs(r.total_move - s.shock) * 100:.1f} percentage points, to {pct(r.total_move)}" in text


def test_crowd_at_20x_note():
    name = "Crowd at 20x (Binance default)"
    s, text = PRESETS[name], note(name)
    a = analyse(s)
    levels = scenario_levels(s)
    low, high = crowd_margin_band(s.center_leverage, s.tightness, s.maintenance_margin)
    assert f"A crowd of {s.cluster_share:.0%} of the open interest at " \
           f"{levels['crowd'].average_leverage:.0f}x on average" in text
    assert f"spread from {1 / high:.1f}x to {1 / low:.1f}x" in text
    assert f"In the model, {levels['book'].share_near:.0%} of all open interest sits within " \
           f"±10% of {s.center_leverage:.0f}x" in text
    # who sits at the tipping point: the traders one 1% window before it are 125x background
    assert "The book tips at the background's 125x traders, long before the crowd" in text
    assert "the background's 125x traders (not the 20x crowd)" in headline.verdict(a)[1]
    distance = 1.0 / 125 - s.maintenance_margin
    assert abs(a.tipping_move) == pytest.approx(distance, abs=1e-9)
    assert abs(a.tipping_move) < 1.0 / high - s.maintenance_margin
    crowd = crowd_count(s.n, s.cluster_share)
    longs = s.population().is_long[:crowd]
    first = a.result.liquidated_in[a.result.liquidated_in >= 0].min()
    assert (a.result.liquidated_in[:crowd][longs] == first).all()
    assert "reaches the 20x crowd's liquidation prices in the first wave" in text
    assert f"walks the book to {pct(a.result.total_move)}" in text


REPLAY_PRESETS = {"10-11 Oct 2025: calibrated replay": "2025-10-10",
                  "12-13 Mar 2020: calibrated replay": "2020-03-12",
                  "19 May 2021: calibrated replay": "2021-05-19"}


@pytest.mark.parametrize("name", list(REPLAY_PRESETS))
def test_replay_presets_are_the_replays_and_their_notes_quote_the_table(name):
    """Each replay preset is the calibrated replay; its note's model figures are the
    validation table's model column and its observed ones the table's ranges."""
    key = REPLAY_PRESETS[name]
    s, text, source = PRESETS[name], note(name), PRESET_NOTES[name].source
    assert s == replay_scenario(key)
    model = {row.target.key: figure_text(row.model, row.target.unit) for row in compare(key)}
    observed = {t.key: t for t in EVENTS[key].targets}
    assert "docs/events.md" in text and "Observed (docs/events.md)" in source
    assert "fitted, not observed" in text
    if key == "2025-10-10":
        assert f"the price falls to {model['low']} and stands at {model['move_45min']} " \
               f"after 45 minutes" in text
        assert model["long_share"] == "100.0%" and "every liquidation is a long" in text
        assert f"{model['oi_liquidated']} of the open interest is liquidated, " \
               f"{model['liquidated_usd']}, of which ADL closes {model['adl_share']}" in text
        assert s.adl and s.insurance_fund == 0 and "(with no insurance fund)" in text
        assert f"{usd(s.open_interest)} of open interest over {usd(s.depth)} per 1%" in text
        assert f"The longs' share of open interest ({s.long_share:.0%})" in text
        assert s.fall_seconds == 1800 and "falls for 30 minutes" in text
        assert s.fall_seconds + s.rebound_seconds == 3000 and "runs on for 20" in text
        low = observed["low"]
        assert f"BTC's low {pct(low.high)} to {pct(low.low)}".replace("+", "") in source
        oi = observed["oi_liquidated"]
        assert f"down {oi.low:.1%} to {oi.high:.1%}" in source
    elif key == "2020-03-12":
        assert f"the price falls to {model['low']} and {model['liquidated_usd']} is " \
               f"liquidated" in text
        assert f"cost the fund {model['fund_draw']}" in text
        assert s.center_leverage == 26 and s.insurance_fund == 1e9 and "$1B insurance" in text
        assert s.run().ledger["fund_end"] > 0, "the fund does not run out"
        assert s.fall_seconds == 3600 and "into one hour" in text
    else:
        assert f"the price falls to {model['low']} and {model['oi_liquidated']} of the open " \
               f"interest is liquidated, {model['liquidated_usd']}" in text
        assert s.depth == 500e6 and "$500M per 1%" in text and s.fall_seconds == 1800
        assert "a 30-minute fall" in text


def test_slow_engine_note():
    name = "10-11 Oct 2025: small fund, slow engine, ADL"
    s, text = PRESETS[name], note(name)
    r = s.run()
    population = s.population()
    assert f"A thin book ({usd(s.depth)} per 1%, square-root impact)" in text
    assert s.impact == "sqrt" and s.long_share == 0.84
    assert "longs hold 84% of the open interest, an assumption of this lesson" in text
    assert f"only {usd(s.engine_capacity)} per step" in text
    assert f"insurance fund holds {usd(s.insurance_fund)}" in text
    assert f"a {s.liquidation_fee:.1%} liquidation fee" in text and s.adl
    assert f"the queue takes {r.steps} steps to clear" in text
    assert r.waves["pnl"].sum() < 0, "the fills fell below the bankruptcy prices"
    assert f"the fund is empty at step {r.fund_exhausted_step}" in text
    shorts = int((~population.is_long).sum())
    assert r.adl_positions == shorts
    assert f"ADL closes {usd(r.adl_notional)} against all {shorts:,} shorts" in text
    assert r.bad_debt > 0 and f"{usd(r.bad_debt)} is bad debt" in text


# ------------------------------------------------------------------ knob help


def test_knob_help_describes_the_shape_only_tightness():
    lev, tight = knobs.KNOBS["center_leverage"].help, knobs.KNOBS["tightness"].help
    assert "most traders cluster at" not in lev and "dial leverage down" not in tight
    assert "the same at every tightness" in lev
    levels = [scenario_levels(Scenario(tightness=t))["crowd"] for t in (0.0, 0.5, 1.0)]
    for figures in levels:
        assert figures.average_leverage == pytest.approx(20.0, rel=1e-9)
    assert "widens in proportion to 1 - tightness" in tight
    widths = [np.diff(crowd_margin_band(20.0, t))[0] for t in (0.0, 0.25, 0.5, 0.75, 1.0)]
    np.testing.assert_allclose(widths, widths[0] * (1 - np.array([0, 0.25, 0.5, 0.75, 1.0])),
                               atol=1e-15)
    assert "Observed on 10 Oct 2025: 84% of the liquidated" in knobs.KNOBS["long_share"].help


# ------------------------------------------------------------------ the verdict


def test_verdict_never_says_at_once_and_tells_how_the_waves_went():
    for s in [Scenario(), *PRESETS.values()]:
        a = analyse(s)
        sentence = headline.verdict(a)[1]
        assert "at once" not in sentence and "bigger one" not in sentence
        notional = a.result.waves["notional"].to_numpy()
        capped = np.isfinite(a.result.market.capacity_per_step(1))
        if capped:
            at_cap = int(np.sum(np.isclose(notional, s.engine_capacity)))
            assert (f"{a.result.steps} engine steps of at most {usd(s.engine_capacity)}, "
                    f"{at_cap} of them at the cap") in sentence
        elif len(notional) > 1 and (np.diff(notional) < 0).all():
            assert "each smaller than the last" in sentence
        elif len(notional) > 1 and (np.diff(notional) > 0).all():
            assert "each bigger than the last" in sentence


def test_verdict_names_the_crowd_when_it_sits_at_the_tipping_point():
    s = Scenario()
    a = analyse(s)
    low, high = crowd_margin_band(s.center_leverage, s.tightness, s.maintenance_margin)
    # R >= 1 is first reached within one 1% window past the crowd's most levered edge,
    # before its mean distance
    edge = low - s.maintenance_margin
    assert edge <= abs(a.tipping_move) < min(edge + 0.01, 1 / s.center_leverage - s.maintenance_margin)
    assert f"the crowd's {1 / low:.0f}x traders are liquidated" in headline.verdict(a)[1]


def test_fund_that_refilled_says_so():
    slow = PRESETS["10-11 Oct 2025: small fund, slow engine, ADL"]
    refilled = analyse(slow.replace(recovery_half_life=1.0))
    ledger = refilled.result.ledger
    assert refilled.result.fund_exhausted_step > 0 and ledger["fund_end"] > 0
    fund = {m.label: m for m in headline.venue_metrics(refilled)}["Fund left"]
    assert fund.delta == f"empty at step {refilled.result.fund_exhausted_step}, then refilled"
    empty = analyse(slow)
    assert empty.result.ledger["fund_end"] == 0
    fund = {m.label: m for m in headline.venue_metrics(empty)}["Fund left"]
    assert fund.delta == f"empty at step {empty.result.fund_exhausted_step}"


def test_response_notes():
    """The response-curve notes quote the grid's finest step (a dot every 0.25%) and the
    level figure's band (within ±10% of the crowd's leverage): the model's constants."""
    assert GRID_STEPS[0] == 0.0025 and "a dot every 0.25% here" in doc("explorer/chart_response.md")
    assert NEAR_BAND == 0.10 and "within ±10% of its leverage" in doc("compare/how_to_read.md")


def test_compare_how_to_read():
    """'a clustered book is one tall wall, so the first wave that reaches it takes all of it;
    a dispersed book is a low ramp that starts nearer the price and is walked down over
    several waves' and 'the same average leverage', at Compare's defaults."""
    text = doc("compare/how_to_read.md")
    assert "the first wave that reaches it takes all of it" in text
    assert "starts nearer the price and is walked down over several waves" in text
    a, b = Scenario(tightness=0.0), Scenario(tightness=1.0)
    run_a, run_b = a.run(), b.run()
    crowd = crowd_count(b.n, b.cluster_share)
    longs = b.population().is_long[:crowd]
    assert len(set(run_b.liquidated_in[:crowd][longs])) == 1
    assert run_a.wave_count > run_b.wave_count > 1
    nearest = [np.min(1 - s.book().liquidation_price[s.population().is_long] / 100)
               for s in (a, b)]
    crowd_nearest = [np.min(1 - s.book().liquidation_price[:crowd][longs] / 100) for s in (a, b)]
    assert crowd_nearest[0] < crowd_nearest[1] and nearest[0] <= nearest[1]
    assert "the same average leverage" in text
    assert scenario_levels(a)["book"].average_leverage == pytest.approx(
        scenario_levels(b)["book"].average_leverage, rel=1e-9)


def test_pages_doc_quotes_the_default_critical_line():
    """docs/pages.md: the phase page's critical line at the default, row by row."""
    text = " ".join((DOCS / "pages.md").read_text(encoding="utf-8").split())
    s = Scenario()
    rows = (0.0, 0.5, 1.0)
    line = cascade.critical_shocks(s, "tightness", list(rows))
    assert (f"it runs from {pct(line[0])} at tightness 0 to {pct(line[1])} at 0.5 and "
            f"{pct(line[2])} at 1").replace("+", "") in text.replace("+", "")
    assert abs(line[0]) < abs(line[1]) < abs(line[2])
    every_row = axes.axis("tightness", s).values          # "every row has the line"
    assert np.isfinite(cascade.critical_shocks(s, "tightness", every_row)).all()


def test_compare_clock_note():
    """The clock of Compare's "Under a clock" button is the one its note describes, and the
    venue rule the note quotes is the model's."""
    from cascade.market import HYPERLIQUID_PARTIAL
    from cascade_view.story import COMPARE_CLOCK
    text = doc("compare/clock.md")
    assert COMPARE_CLOCK["resilience_half_life"] == 20.0 and "half-life of 20 s" in text
    kappa = COMPARE_CLOCK["permanent_impact"]
    step = knobs.KNOBS["permanent_impact"].step
    assert abs(kappa - 2 / 3) <= step / 2 and f"{kappa:.0%} of the impact is permanent" in text
    assert COMPARE_CLOCK["engine_rule"] == "hyperliquid" and HYPERLIQUID_PARTIAL == (100e3, 5, 30.0)
    assert "above $100K is sent 20% at a time, 30 s apart" in text
    assert COMPARE_CLOCK["engine_rate"] == 0 and "No engine rate is set" in text
    assert COMPARE_CLOCK["path"] == "fall" and COMPARE_CLOCK["fall_seconds"] == 60.0
    assert "The shock arrives over 60 s" in text and Scenario().shock == -0.05


def _measure_clock():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "measure_clock", DOCS.parent / "benchmarks" / "measure_clock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_compare_time_note():
    """Compare's note in time quotes the seeds 0-29 measurement (benchmarks/measure_clock.py,
    compare_seed_runs), figure by figure."""
    measure = _measure_clock()
    runs = measure.compare_seed_runs()
    text = doc("compare/time.md")
    assert list(measure.SEEDS) == list(range(30)) and "seeds 0-29" in text
    clock = runs["(b) the Compare clock", 1.0], runs["(b) the Compare clock", 0.0]
    tight, spread = clock
    assert np.all(tight["lowest move"] < spread["lowest move"])  # "in every seed"
    gap = (tight["lowest move"] - spread["lowest move"]).mean()
    assert -0.0075 < gap < -0.0025  # "about half a point"
    assert (f"{pct(tight['lowest move'].mean())} against {pct(spread['lowest move'].mean())} "
            "on average") in text
    assert np.all(tight["peak minute"] > spread["peak minute"])
    assert np.all(tight["bad debt"] > spread["bad debt"])
    assert (f"(${tight['peak minute'].mean() / 1e6:.0f}M against "
            f"${spread['peak minute'].mean() / 1e6:.0f}M)") in text
    assert (f"(${tight['bad debt'].mean() / 1e6:.1f}M against "
            f"${spread['bad debt'].mean() / 1e6:.1f}M") in text
    assert measure.ACCOUNTS == dict(insurance_fund=1e6, liquidation_fee=0.005)
    assert "counted with a $1M fund and a 0.5% fee" in text
    assert np.all(tight["time to clear"] < spread["time to clear"])
    assert np.all(tight["slippage"] < spread["slippage"])
    assert (f"({spread['time to clear'].mean():.0f} s against "
            f"{tight['time to clear'].mean():.0f} s)") in text
    assert (f"({pct(spread['slippage'].mean(), 1, signed=False)} against "
            f"{pct(tight['slippage'].mean(), 1, signed=False)})") in text
    for label in ("(a) no clock, -5% jump", "(d) the Compare clock, no refill"):
        ends = {round(float(m), 3) for t in (1.0, 0.5, 0.0)
                for m in [runs[label, t]["lowest move"].mean()]}
        assert ends == {-0.189}, (label, ends)
        for t in (0.5, 0.0):  # the same in every seed, not only on average
            np.testing.assert_allclose(runs[label, 1.0]["lowest move"],
                                       runs[label, t]["lowest move"], atol=1e-12)
    assert "ends at the same -18.9% at tightness 1, 0.5 and 0" in text


def test_pages_doc_quotes_compare_at_the_default_pair_with_and_without_the_clock():
    """docs/pages.md, Compare: both sentences it quotes are the page's sentences for the
    default pair (A tightness 0, B tightness 1), instant and under COMPARE_CLOCK."""
    from cascade_view.story import COMPARE_CLOCK, contrast, timed_contrast
    text = " ".join((DOCS / "pages.md").read_text(encoding="utf-8").split())
    a, b = Scenario(tightness=0.0), Scenario(tightness=1.0)
    assert f'"{contrast(a.run(), b.run())}"' in text
    timed = timed_contrast(a.replace(**COMPARE_CLOCK).run(), b.replace(**COMPARE_CLOCK).run())
    assert f'"{timed}"' in text
    # "changes where the cascade ends very little": within a point
    assert abs(a.run().total_move - b.run().total_move) < 0.01


def test_pages_doc_quotes_learns_first_wave_at_the_default():
    """docs/pages.md, Learn: the narration it quotes is wave 1's sentence at the default."""
    from cascade_view.story import wave_sentences
    text = " ".join((DOCS / "pages.md").read_text(encoding="utf-8").split())
    assert f'"{wave_sentences(Scenario().run())[1]}"' in text
