"""Browser check of report.html, run by .ci/run (not part of the pytest suite).

Renders the report in Debian's headless Chromium through Playwright, at a desktop width (1280 px)
and a phone width (390 px), and fails on:

* a blank page, a console or page error, a request for anything outside the file (the report is
  one self-contained file);
* charts that do not render, or hover values that do not appear when a chart point is hovered;
* a scenario explorer whose numbers do not change when another sale is picked;
* a sortable table that does not sort;
* at the phone width: a page wider than the screen, a chart wider than the screen (charts are
  drawn again for a phone: no chart scrolls sideways), a wide table without its "scroll
  sideways" cue, chart text smaller than 9 px, body text smaller than 12 px, or the explorer's
  literature column off the screen.

Saves screenshots beside the report (the top of the page at each width, and the explorer).

Usage: python tests/browser/check_report.py reports/output/report.html [screenshot.png]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NUMBER = re.compile(r"[+\u2212-]?\$?\d")


def _hover_check(page, name: str) -> list[str]:
    """Hover the first few chart points of several charts: the tooltip must show a value."""
    problems = []
    charts = page.locator("svg.chart:visible")  # the desktop or the phone version of each chart
    n = charts.count()
    if n < 10:
        problems.append(f"{name}: only {n} charts (inline SVG) on the page")
    tried = 0
    for i in range(min(n, 6)):
        point = charts.nth(i).locator("circle.tip").first
        if point.count() == 0:
            problems.append(f"{name}: chart {i + 1} has no hover values")
            continue
        text = ""
        for wait in (150, 400, 1000):  # scrolling hides the tooltip: let the scroll settle first
            point.scroll_into_view_if_needed()
            page.wait_for_timeout(wait)
            page.mouse.move(0, 0)
            point.hover(force=True)
            page.wait_for_timeout(50)
            tip = page.locator("#tooltip")
            text = tip.inner_text() if tip.is_visible() else ""
            if text:
                break
        if not NUMBER.search(text):
            problems.append(f"{name}: hovering chart {i + 1} shows no value (tooltip: {text!r})")
        tried += 1
    if not tried:
        problems.append(f"{name}: no chart point could be hovered")
    return problems


def _explorer_check(page, name: str, shot: Path | None) -> list[str]:
    problems = []
    if page.locator("#explorer-table").count() == 0:
        return [f"{name}: no scenario explorer"]
    page.locator("#explorer").scroll_into_view_if_needed()
    before = page.locator("#ex-post-cost").inner_text()
    if not NUMBER.search(before):
        problems.append(f"{name}: the explorer shows no number at first ({before!r})")
    sizes = page.locator("#ex-size option:not([disabled])")
    values = [sizes.nth(i).get_attribute("value") for i in range(sizes.count())]
    current = page.locator("#ex-size").input_value()
    other = next((v for v in values if v != current), None)
    if other is None:
        return [*problems, f"{name}: the explorer offers one sale size only"]
    page.select_option("#ex-size", other)
    after = page.locator("#ex-post-cost").inner_text()
    if after == before or not NUMBER.search(after):
        problems.append(f"{name}: the explorer's cost did not change with the sale size ({before!r} -> {after!r})")
    months = page.locator("#ex-months option")
    page.select_option("#ex-months", months.nth(months.count() - 1).get_attribute("value"))
    later = page.locator("#ex-post-at_24").inner_text()
    if not NUMBER.search(later):
        problems.append(f"{name}: the explorer shows no 24-month move after a change of length ({later!r})")
    if shot is not None:
        page.locator("#explorer").screenshot(path=str(shot))
    return problems


def _sort_check(page, name: str) -> list[str]:
    table = page.locator("table#summary-table")
    if table.count() == 0:
        return [f"{name}: no summary table"]
    column = 1  # lasting move (posterior)
    header = table.locator("thead th").nth(column)
    header.scroll_into_view_if_needed()
    header.click()
    first = page.evaluate("""() => Array.from(document.querySelectorAll('#summary-table tbody tr'))
        .map(r => parseFloat(r.cells[1].getAttribute('data-sort')))""")
    header.click()
    second = page.evaluate("""() => Array.from(document.querySelectorAll('#summary-table tbody tr'))
        .map(r => parseFloat(r.cells[1].getAttribute('data-sort')))""")
    problems = []
    if first != sorted(first):
        problems.append(f"{name}: clicking a header did not sort the table ascending: {first}")
    if second != sorted(second, reverse=True):
        problems.append(f"{name}: a second click did not sort descending: {second}")
    return problems


def _phone_check(page, name: str) -> list[str]:
    problems = []
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 4:
        problems.append(f"{name}: page is {overflow}px wider than the screen (tables must scroll, not the page)")
    missing_cue = page.evaluate("""() => Array.from(document.querySelectorAll('.scroll'))
        .filter(d => d.scrollWidth > d.clientWidth + 2)
        .filter(d => !d.classList.contains('overflowing')
                     || getComputedStyle(d, '::before').content.indexOf('scroll') < 0)
        .map(d => d.getAttribute('aria-label'))""")
    if missing_cue:
        problems.append(f"{name}: {len(missing_cue)} wide table(s) scroll without a visible cue: "
                        f"{', '.join(map(str, missing_cue[:3]))}")
    scrolling = page.evaluate("document.querySelectorAll('.scroll.overflowing').length")
    if scrolling == 0:
        problems.append(f"{name}: no table scrolls at this width (expected the wide ones to)")
    charts = page.evaluate("""() => Array.from(document.querySelectorAll('svg.chart'))
        .filter(svg => svg.getBoundingClientRect().width > 0)
        .map(svg => [svg.closest('figure').id, svg.getBoundingClientRect().right, svg.getBoundingClientRect().width])""")
    if len(charts) < 10:
        problems.append(f"{name}: only {len(charts)} charts visible")
    wide = [f"{fig} ({width:.0f}px)" for fig, right, width in charts if right > page.viewport_size["width"] + 1]
    if wide:
        problems.append(f"{name}: {len(wide)} chart(s) wider than the screen: {', '.join(wide[:4])}")
    smallest_chart_text = page.evaluate("""() => Math.min(...Array.from(document.querySelectorAll('svg.chart'))
        .filter(svg => svg.getBoundingClientRect().width > 0)
        .flatMap(svg => Array.from(svg.querySelectorAll('text'))
            .map(t => t.getBoundingClientRect().height).filter(h => h > 0)))""")
    if smallest_chart_text < 9:
        problems.append(f"{name}: chart text is {smallest_chart_text:.1f}px high, too small to read")
    lit = page.evaluate("""() => { const c = document.getElementById('ex-lit-cost');
        return c ? c.getBoundingClientRect().right : 0; }""")
    if not 0 < lit <= page.viewport_size["width"] + 1:
        problems.append(f"{name}: the explorer's literature column is off the screen (right edge {lit:.0f}px)")
    body_font = page.evaluate("parseFloat(getComputedStyle(document.querySelector('p')).fontSize)")
    if body_font < 12:
        problems.append(f"{name}: body text is {body_font}px")
    return problems


def check(html: Path, screenshot: Path) -> list[str]:
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for width, name in ((1280, "desktop"), (390, "phone")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            report = problems.append
            local = html.resolve().as_uri()

            def on_console(msg, n=name, report=report):
                if msg.type == "error":
                    report(f"{n}: console error: {msg.text}")

            def on_request(req, n=name, report=report, local=local):
                if not (req.url.startswith("data:") or req.url == local):
                    report(f"{n}: the page requested {req.url[:80]} (it must be self-contained)")

            page.on("console", on_console)
            page.on("pageerror", lambda exc, n=name, report=report: report(f"{n}: page error: {exc}"))
            page.on("request", on_request)
            page.on("requestfailed", lambda req, n=name, report=report: report(f"{n}: request failed: {req.url[:80]}"))
            page.goto(local, wait_until="load")
            text = page.evaluate("document.body.innerText.length")
            if text < 5000:
                problems.append(f"{name}: page text is only {text} characters")
            shot = screenshot.with_name(f"{screenshot.stem}-{name}.png")
            page.screenshot(path=str(shot), full_page=False)
            stat = ImageStat.Stat(Image.open(shot).convert("L"))
            if stat.stddev[0] < 5:
                problems.append(f"{name}: the screenshot is blank (pixel s.d. {stat.stddev[0]:.1f})")
            problems += _hover_check(page, name)
            problems += _sort_check(page, name)
            problems += _explorer_check(page, name, screenshot.with_name(f"{screenshot.stem}-{name}-explorer.png"))
            if width < 640:
                page.evaluate("window.scrollTo(0, 0)")
                problems += _phone_check(page, name)
                chart = page.locator("#fig-comparison")
                if chart.count():
                    chart.scroll_into_view_if_needed()
                    chart.screenshot(path=str(screenshot.with_name(f"{screenshot.stem}-{name}-chart.png")))
            page.close()
        browser.close()
    return problems


def main() -> int:
    html = Path(sys.argv[1])
    screenshot = Path(sys.argv[2]) if len(sys.argv) > 2 else html.with_name("screenshot.png")
    problems = check(html, screenshot)
    for p in problems:
        print(f"browser check: {p}", file=sys.stderr)
    if problems:
        return 1
    print(f"browser check: {html} renders at 1280 and 390 px (charts with hover values, a working explorer, "
          f"sortable tables, scroll cues, no console errors); screenshots beside {screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
