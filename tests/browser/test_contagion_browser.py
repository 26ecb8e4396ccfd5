"""The Contagion page in Debian's Chromium against `streamlit run`: reached through the
navigation, the headline is the run's, both charts drawn, the money's sentence and tables
shown and the ADL switch changes them, the isolated switch takes cross margin away; the clock
from the URL gives its run and its sentence; no clipped text at 1920, 1280, 1024 and 390 px;
screenshots at 1280 and 390 px (artifacts/contagion-*.png). An accounts file uploaded
through the page replaces the synthetic book; a broken one is named by row and field above
it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cascade.accounts import read_accounts
from cascade.contagion import Contagion
from cascade_ui.upload import EXAMPLE_ACCOUNTS, AccountsFile, default_depth
from cascade_view import contagion_figures
from tests.browser.conftest import IDLE, drawn
from tests.browser.layout_check import CHART_TEXT, CLIPPED_TEXT

pytestmark = pytest.mark.browser


def metric_values(page) -> list[str]:
    return page.get_by_test_id("stMetricValue").all_inner_texts()


def _run(isolated: bool, adl: bool = False):
    setup = Contagion(accounts=100_000, adl=adl)
    book = setup.book()
    return setup.run(book.isolated() if isolated else book)


def test_contagion_page_headline_switch_and_screenshots(page, browser, entered, artifacts):
    page.goto(entered)
    page.wait_for_selector(IDLE)
    page.get_by_role("link", name="Contagion").click()
    page.wait_for_url(re.compile(r"/contagion"))
    drawn(page, 2)
    assert page.get_by_test_id("stException").count() == 0
    expected = [m.value for m in contagion_figures.metrics(_run(False))]
    page.wait_for_function("document.querySelectorAll('[data-testid=stMetricValue]')"
                           f".length >= {len(expected)}")
    assert metric_values(page) == expected
    assert "95.4%" in page.locator("[data-testid=stMain]").inner_text()
    # the money: the run's sentence and both tables; ADL on changes them to its run's
    main = page.locator("[data-testid=stMain]")
    assert contagion_figures.money_sentence(_run(False), False) in main.inner_text()
    assert page.get_by_test_id("stTable").count() == 2
    with_adl = _run(False, adl=True)
    page.locator(".st-key-adl").get_by_text("Auto-deleverage (ADL)").click()
    page.wait_for_function("document.location.search.includes('adl')")
    page.get_by_text(contagion_figures.money_sentence(with_adl, True)).wait_for()
    _headline_is(page, [m.value for m in contagion_figures.metrics(with_adl)])
    drawn(page, 2)
    page.locator(".st-key-adl").get_by_text("Auto-deleverage (ADL)").click()
    _headline_is(page, expected)

    alone = [m.value for m in contagion_figures.metrics(_run(True))]
    page.locator(".st-key-isolated").get_by_text("Same book, isolated").click()
    page.wait_for_function("document.location.search.includes('isolated')")
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stMetricValue]')]"
        f".map((e) => e.innerText).join('|') === {('|'.join(alone))!r}")
    drawn(page, 2)
    assert metric_values(page) == alone

    # every width the house checks: no clipped text, no chart text cut; screenshots
    for width, height, mobile in ((1920, 1080, False), (1280, 720, False),
                                  (1024, 768, False), (390, 844, True)):
        context = browser.new_context(viewport={"width": width, "height": height},
                                      is_mobile=mobile, has_touch=mobile)
        view = context.new_page()
        view.set_default_timeout(60_000)
        try:
            view.goto(f"{entered}/contagion")
            drawn(view, 2)
            view.wait_for_timeout(1200)  # charts redraw at their column's final width
            assert view.evaluate(CLIPPED_TEXT) + view.evaluate(CHART_TEXT) == [], width
            if width in (1280, 390):
                tall = view.evaluate(
                    "document.querySelector('[data-testid=stMain]').scrollHeight")
                view.set_viewport_size({"width": width, "height": max(int(tall), 700)})
                view.wait_for_timeout(800)
                view.screenshot(path=str(artifacts / f"contagion-{width}.png"),
                                full_page=True)
        finally:
            context.close()


def _file_metrics(path: Path) -> list[str]:
    """The headline the page should show for an accounts file: its markets, open interest
    and the stated default depths, ALT falling 30% over 600 s, Hyperliquid's rule."""
    book = read_accounts(path)
    setup = Contagion(markets=book.markets, open_interest=AccountsFile(book, "", 0, "")
                      .open_interest, depth=tuple(default_depth(m) for m in book.markets))
    assert contagion_figures.file_setup(book) == setup
    return [m.value for m in contagion_figures.metrics(setup.run(book))]


def _upload(page, path: Path) -> None:
    uploader = page.get_by_test_id("stFileUploader").filter(has_text="Accounts:")
    uploader.locator("input[type=file]").set_input_files(str(path))


def _headline_is(page, values: list[str]) -> None:
    page.wait_for_function(
        "[...document.querySelectorAll('[data-testid=stMetricValue]')]"
        f".map((e) => e.innerText).join('|') === {('|'.join(values))!r}")


def test_an_accounts_file_is_uploaded_and_a_broken_one_is_named(page, entered, tmp_path):
    page.goto(f"{entered}/contagion")
    drawn(page, 2)
    synthetic = [m.value for m in contagion_figures.metrics(_run(False))]
    _headline_is(page, synthetic)
    page.get_by_text("Your own accounts", exact=True).click()

    # a broken file: named by row and field above the synthetic book, which stays
    broken = tmp_path / "broken_accounts.csv"
    broken.write_text("account,market,side,notional,leverage,margin_mode\n"
                      "a,BTC,long,1000,10,cross\nb,ETH,sideways,1000,10,isolated\n"
                      "c,ETH,long,x,10,isolated\n")
    _upload(page, broken)
    alert = page.get_by_test_id("stAlert").filter(has_text="broken_accounts.csv")
    alert.wait_for()
    page.wait_for_selector(IDLE)
    text = alert.inner_text()
    assert "row 3, side" in text and "row 4, notional" in text, text
    assert "The synthetic book is shown." in text
    assert page.get_by_test_id("stException").count() == 0
    assert metric_values(page) == synthetic
    main = page.locator("[data-testid=stMain]")
    assert "Book: synthetic, 100,000 accounts" in main.inner_text()

    # the example file: its markets, its headline, both charts
    _upload(page, EXAMPLE_ACCOUNTS)
    page.get_by_text(re.compile("Book: your accounts")).wait_for()
    expected = _file_metrics(EXAMPLE_ACCOUNTS)
    _headline_is(page, expected)
    drawn(page, 2)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_test_id("stAlert").count() == 0
    caption = page.get_by_text(re.compile("Book: your accounts")).inner_text()
    assert "accounts.csv" in caption and "7 accounts, 11 positions" in caption
    labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
    assert labels[:3] == ["ALT move", "BTC move", "ETH move"]
    shocked = page.locator(".st-key-shocked").inner_text()
    assert [w for w in ("ALT", "BTC", "ETH") if w in shocked] == ["ALT", "BTC", "ETH"]
    assert page.locator(".st-key-cross input[type=range]").is_disabled()
    page.wait_for_timeout(1200)  # charts redraw at their column's final width
    # the uploader's own "+" button is a Material icon whose ligature name ("add icon")
    # overflows its box by design: drawn as one glyph, it is not text a reader needs
    clipped = [c for c in page.evaluate(CLIPPED_TEXT) if not c.startswith('clipped: "add icon"')]
    assert clipped + page.evaluate(CHART_TEXT) == []


def _shows_run_and_sentence(page, url: str, setup: Contagion) -> str:
    """Opens `url` and checks the page is the run of `setup` (100K synthetic accounts, the
    page's size): no exception, its headline, and its clock sentence in the page's text,
    which it returns."""
    result = setup.run()
    page.goto(url)
    drawn(page, 2)
    assert page.get_by_test_id("stException").count() == 0
    _headline_is(page, [m.value for m in contagion_figures.metrics(result)])
    sentence = contagion_figures.clock_sentence(result, setup)
    main = " ".join(page.locator("[data-testid=stMain]").inner_text().split())
    assert " ".join(sentence.split()) in main
    return sentence


def test_the_clock_from_the_url_shows_its_run_and_its_sentence(page, entered):
    """The clock's controls read the URL: the headline is the run with the engine at 0.1% of
    open interest a second and books refilling (60 s, half permanent), and the page says,
    from that run, when the last forced order executed and how much waited; moving the
    engine control back to off gives the run without the rate."""
    knobs = dict(engine_rate_share=0.001, resilience_half_life=60.0, permanent_impact=0.5)
    sentence = _shows_run_and_sentence(page, f"{entered}/contagion?engine=0.1&refill=60"
                                             f"&permanent=50", Contagion(**knobs))
    assert "could not keep up" in sentence
    free = Contagion(accounts=100_000, resilience_half_life=60.0, permanent_impact=0.5)
    thumb = page.locator(".st-key-engine").get_by_role("slider")
    thumb.focus()
    page.keyboard.press("Home")  # the first option: off
    page.wait_for_function("!document.location.search.includes('engine')")
    _headline_is(page, [m.value for m in contagion_figures.metrics(free.run())])


def test_a_rebound_from_the_url_shows_its_run_and_its_lows(page, entered):
    """ALT falls 30% over 600 s, then its path rises 10% over 300 s: the headline is that
    run at its end, the page gives each market's low from it, and moving the rebound back
    to 0 gives the run without one, its duration control off."""
    sentence = _shows_run_and_sentence(page, f"{entered}/contagion?rebound=10"
                                             f"&rebound_seconds=300",
                                       Contagion(rebound=0.1, rebound_seconds=300.0))
    assert "ALT's own path rises 10% after the fall" in sentence
    duration = page.locator(".st-key-rebound_seconds input[type=range]")
    assert not duration.is_disabled()
    thumb = page.locator(".st-key-rebound").get_by_role("slider")
    thumb.focus()
    page.keyboard.press("Home")  # 0: no rebound
    page.wait_for_function("!document.location.search.includes('rebound=')")
    _headline_is(page, [m.value for m in contagion_figures.metrics(Contagion().run())])
    assert duration.is_disabled()
