"""Browser check of report.html, run by .ci/run (not part of the pytest suite).

Renders the report in Debian's headless Chromium through Playwright and fails on a blank
page, an image that does not load, or a console error. Saves a screenshot beside the report.

Usage: python tests/browser/check_report.py reports/output/report.html [screenshot.png]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageStat
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def check(html: Path, screenshot: Path) -> list[str]:
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for width, name in ((1280, "desktop"), (390, "phone")):
            page = browser.new_page(viewport={"width": width, "height": 900})
            report = problems.append

            def on_console(msg, n=name, report=report):
                if msg.type == "error":
                    report(f"{n}: console error: {msg.text}")

            page.on("console", on_console)
            page.on("pageerror", lambda exc, n=name, report=report: report(f"{n}: page error: {exc}"))
            page.on("requestfailed", lambda req, n=name, report=report: report(f"{n}: request failed: {req.url[:80]}"))
            page.goto(html.resolve().as_uri(), wait_until="load")
            broken = page.evaluate(
                "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt)")
            problems += [f"{name}: image did not load: {alt}" for alt in broken]
            images = page.evaluate("document.images.length")
            if images < 10:
                problems.append(f"{name}: only {images} images on the page")
            text = page.evaluate("document.body.innerText.length")
            if text < 5000:
                problems.append(f"{name}: page text is only {text} characters")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 4:
                problems.append(f"{name}: page is {overflow}px wider than the screen (tables must scroll, not the page)")
            shot = screenshot.with_name(f"{screenshot.stem}-{name}.png")
            page.screenshot(path=str(shot), full_page=False)
            stat = ImageStat.Stat(Image.open(shot).convert("L"))
            if stat.stddev[0] < 5:
                problems.append(f"{name}: the screenshot is blank (pixel s.d. {stat.stddev[0]:.1f})")
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
    print(f"browser check: {html} renders (images load, no console errors); screenshots beside {screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
