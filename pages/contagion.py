"""Contagion: a fall in one market reaches others through cross-margin accounts (issue 19).

The controls are the page's own URL parameters (`?shocked=ETH&fall=-20&cross=80`). The
model is cascade/contagion.py, run by cascade_ui.compute on synthetic accounts or on an
accounts file brought in the expander (cascade_ui/upload.py; a bad file is named by row
and the synthetic book stays; a file's run is set up by contagion_figures.file_setup, as
the CLI's); figures and sentences are cascade_view/contagion_figures.py, the money's tables
the report's (contagion_report.money_rows, fund_rows); text is docs/contagion/*.md.
"""

import pandas as pd
import streamlit as st

from cascade.contagion import DEFAULT_MARKETS, Contagion
from cascade_ui import compute, pagekit, upload
from cascade_view import contagion_figures, contagion_report
from cascade_view.formats import compact
from cascade_view.links import NOTICE_LIMIT, PageParams
from cascade_view.safe import code, escape_markdown
from cascade_view.text import doc, dollars

ACCOUNTS = 100_000
RULES = {"Hyperliquid's rule": "hyperliquid", "Whole account at once": "whole"}
KEYS = ("shocked", "fall", "seconds", "rebound", "rebound_seconds", "engine", "refill",
        "permanent", "cross", "rule", "isolated", "adl", "fund")
PARAMS = PageParams(knob_prefixes=(), own=frozenset(KEYS))

pagekit.open_page("Contagion across markets", PARAMS)
st.markdown(doc("intro", "contagion"))
controls = st.container()  # drawn once the file (if any) names the markets

# ------------------------------------------------------------------ the book
brought = depths = failed = None
with st.expander("Your own accounts", icon=":material/upload_file:"):
    st.caption(doc("accounts", "contagion"))
    try:
        brought = upload.accounts_input()
    except ValueError as error:
        failed = error
    if brought is not None:
        depths = upload.depth_inputs(brought.book.markets)
if failed is not None:  # above the headline, which stays the synthetic book's
    st.error(f"**Check your file.** {escape_markdown(str(failed))}. The synthetic book is "
             f"shown.", icon=":material/upload_file:")
markets = DEFAULT_MARKETS if brought is None else brought.book.markets

# the sliders take any whole number in their range from the URL; the other controls, their
# options (anything else is ignored, and said so)
FALLS = list(range(-60, -4))
DURATIONS = [0, 60, 300, 600]
REBOUNDS = list(range(0, 61))  # % of the start price
# at most 600 s, as the fall: each second of the run is a tick of the model at 100K accounts
# (a 1,800 s rebound took 0.39 s of CPU against 0.15 s for no rebound), and the page
# repaints a move in under 1 s
REBOUND_DURATIONS = [60, 300, 600]
FUNDS = [0, 1, 2, 5, 10, 20, 50, 100, 200, 500]  # $M
CROSS = list(range(0, 101))
ENGINE_SHARES = [0.0, 2.0, 1.0, 0.5, 0.2, 0.1]  # % of each market's open interest a second
REFILLS = [0, 5, 10, 20, 30, 60, 120, 300, 600]  # seconds
PERMANENT = list(range(0, 101))
with controls:
    given = st.query_params.get("shocked")
    if given is not None and given not in markets:  # a file's names are its text: escaped
        st.warning(f"Ignored {code(f'shocked={given}', NOTICE_LIMIT)} from the URL: _Market "
                   f"that falls_ offers {'; '.join(escape_markdown(m, 40) for m in markets)}.",
                   icon=":material/link_off:")
    pagekit.note_ignored("seconds", DURATIONS, "Over (seconds)")
    pagekit.note_ignored("rebound_seconds", REBOUND_DURATIONS, "Rebound over (seconds)")
    pagekit.note_ignored("engine", [compact(v) for v in ENGINE_SHARES],
                         "Engine rate (% of open interest a second)")
    pagekit.note_ignored("refill", [compact(v) for v in REFILLS],
                         "Book refill half-life (seconds)")
    pagekit.note_ignored("rule", list(RULES), "Venue rule")
    pagekit.note_ignored("fund", FUNDS, "Venue fund at the start ($M)")
    for key, label in (("isolated", "Same book, isolated"), ("adl", "Auto-deleverage (ADL)")):
        given = st.query_params.get(key)  # a switch reads true or false, in any case
        if given and given.lower() not in ("true", "false"):
            st.warning(f"Ignored {code(f'{key}={given}', NOTICE_LIMIT)} from the URL: "
                       f"_{label}_ takes true or false.", icon=":material/link_off:")
    for key, values, label in (("fall", FALLS, "Its fall (%)"),
                               ("rebound", REBOUNDS, "Then it rebounds (%)"),
                               ("permanent", PERMANENT, "Permanent share of impact (%)"),
                               ("cross", CROSS, "Open interest in cross accounts (%)")):
        given = st.query_params.get(key)
        if given is not None and given not in [str(v) for v in values]:
            st.warning(f"Ignored `{key}={given[:40]}` from the URL: _{label}_ takes a whole "
                       f"number from {values[0]} to {values[-1]}.", icon=":material/link_off:")
    left, right = st.columns(2, gap="large")
with left:
    first = contagion_figures.default_shocked(markets)
    shocked = st.segmented_control("Market that falls", markets, default=first,
                                   format_func=lambda name: escape_markdown(name, 40),
                                   key="shocked", bind="query-params") or first
    fall = st.slider("Its fall (%)", FALLS[0], FALLS[-1], -30, step=5, key="fall",
                     bind="query-params")
    duration = st.select_slider("Over (seconds)", DURATIONS, value=600, key="seconds",
                                bind="query-params")
    rebound = st.slider(
        "Then it rebounds (%)", REBOUNDS[0], REBOUNDS[-1], 0, step=5, key="rebound",
        bind="query-params",
        help="After the fall, the market's own path rises by this share of its start "
             "price (the forced selling's impact stays on top of it); 0: its path holds at "
             "the fall.")
    rebound_seconds = st.select_slider("Rebound over (seconds)", REBOUND_DURATIONS, value=600,
                                       key="rebound_seconds", bind="query-params",
                                       disabled=rebound == 0)
    engine = st.select_slider(
        "Engine rate (% of open interest a second)", ENGINE_SHARES, value=0.0, key="engine",
        format_func=compact, bind="query-params",
        help="Each market's liquidation engine executes at most this share of the market's "
             "open interest (notional at entry) a second; what it cannot execute waits, "
             "oldest first. Off: every forced order executes when it is due. No venue "
             "publishes its engine's rate: the values are what-ifs.")
    refill = st.select_slider(
        "Book refill half-life (seconds)", REFILLS, value=0, key="refill",
        format_func=compact, bind="query-params",
        help="Seconds in which the depth the forced selling used up refills by half, in "
             "every market, so prices partly come back; off: the book never refills.")
    permanent = st.slider(
        "Permanent share of impact (%)", PERMANENT[0], PERMANENT[-1], 0, step=5,
        key="permanent", bind="query-params", disabled=refill == 0,
        help="The share of each tick's price impact that never refills (with the book "
             "refilling; off, nothing refills anyway).")
with right:
    cross = st.slider("Open interest in cross accounts (%)", CROSS[0], CROSS[-1], 50, step=5,
                      key="cross", bind="query-params", disabled=brought is not None,
                      help="Of the synthetic book; a file brings its own accounts' margin "
                           "modes.")
    rule = st.radio("Venue rule", list(RULES), key="rule", bind="query-params",
                    horizontal=True) or next(iter(RULES))
    isolated = bool(st.toggle("Same book, isolated", key="isolated", bind="query-params"))
    adl = bool(st.toggle("Auto-deleverage (ADL)", key="adl", bind="query-params",
                         help="Auto-deleverage what the fund cannot pay, in every market: "
                              "the deficit is taken from the other side's winning isolated "
                              "positions (off: it is bad debt)."))
    fund = st.select_slider("Venue fund at the start ($M)", FUNDS, value=0, key="fund",
                            bind="query-params")

knobs = dict(shocked=shocked, fall=fall / 100, fall_seconds=float(duration),
             rebound=rebound / 100, rebound_seconds=float(rebound_seconds), rule=RULES[rule],
             adl=adl, insurance_fund=1e6 * fund,
             engine_rate_share=engine / 100 if engine else None,
             resilience_half_life=float(refill) if refill else None,
             permanent_impact=permanent / 100 if refill else 0.0)
if brought is None:
    setup = Contagion(cross_share=cross / 100, accounts=ACCOUNTS, **knobs)
    result = compute.contagion_of(setup, isolated)
    book_line = contagion_figures.synthetic_book_sentence(setup, isolated)
else:
    setup = contagion_figures.file_setup(brought.book, depths, **knobs)
    try:
        result = compute.contagion_of_file(setup, brought.sha256, isolated, brought.book)
    except ValueError as error:  # what the file's checks at the start price cannot see
        split = " with every position isolated" if isolated else ""
        st.error(f"**Check your file.** {escape_markdown(brought.name, 120)}{split}: "
                 f"{escape_markdown(str(error))}", icon=":material/upload_file:")
        st.stop()
    book_line = contagion_figures.file_book_sentence(brought.book, brought.name, brought.sha256,
                                                     depths, isolated)

st.subheader("What the fall did", divider="gray")
st.caption(dollars(book_line))
for row in (contagion_figures.move_metrics(result), contagion_figures.share_metrics(result)):
    for column, metric in zip(st.columns(3), row):
        column.metric(escape_markdown(metric.label, 60), metric.value, help=metric.help)
st.markdown(dollars(contagion_figures.observed_sentence(result)))
st.caption(dollars(contagion_figures.pulled_in_sentence(result)))
clock_words = contagion_figures.clock_sentence(result, setup)
if clock_words:
    st.caption(dollars(clock_words))
st.caption(doc("how_to_read", "contagion"))

charts = st.container(key="charts")
one, two = charts.columns(2, gap="large")
with one:
    pagekit.chart(contagion_figures.price_figure(result), "contagion-price")
with two:
    pagekit.chart(contagion_figures.liquidations_figure(result), "contagion-liquidations")
three, four = charts.columns(2, gap="large")
with three:
    pagekit.chart(contagion_figures.accounts_figure(result), "contagion-accounts")
four.caption(doc("accounts_chart", "contagion"))

# ------------------------------------------------------------------ the money
# The report's own tables (contagion_report.money_rows, fund_rows), the money per market
# turned so the markets are the columns (narrow enough for a phone); cells escaped, as
# st.table reads markdown and a file's market names are its text.
st.subheader("Money", divider="gray")
st.markdown(dollars(contagion_figures.money_sentence(result, setup.adl)))
header, rows = contagion_report.money_rows(result)
per_market = pd.DataFrame([[escape_markdown(cell, 60) for cell in row] for row in rows],
                          columns=[escape_markdown(h) for h in header])
per_market = per_market.set_index(per_market.columns[0]).T.rename_axis("USD")
fund_table = pd.DataFrame([[escape_markdown(cell) for cell in row]
                           for row in contagion_report.fund_rows(result)],
                          columns=["The venue fund", "USD"])
st.table(per_market)
fund_part, note = st.columns([3, 2], gap="large")
fund_part.table(fund_table, hide_index=True)
note.caption(contagion_report.RECONCILES)

# ------------------------------------------------------------------ the report
# The run above as one HTML file, built only when the button is clicked (no rerun), so a
# repaint neither builds it nor sends its megabytes.
st.download_button(
    "Download the report (HTML)",
    lambda: contagion_report.contagion_report(
        setup, result, bool(isolated),
        None if brought is None else contagion_report.AccountsFile(
            brought.name, len(brought.book), brought.sha256)),
    contagion_report.FILE_NAME, "text/html", on_click="ignore",
    icon=":material/description:", key="download-contagion-report",
    help="One file that opens offline: the headline, the three charts (interactive), the tables "
         "per market and of the money, every knob, and the assumptions.")
