"""In a real browser (Debian's chromium driven by Playwright): edit a letter, check its mailto."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
MEP = "ep:197648"
COUNT = "document.querySelector('[data-filter-count]')"

pytestmark = pytest.mark.skipif(
    shutil.which("chromium") is None,
    reason="Debian's chromium is not installed (apt install chromium)",
)


@pytest.fixture
def base_url(ref_app) -> Iterator[str]:
    if ref_app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("one browser run is enough: it runs on SQLite")
    server = make_server("127.0.0.1", 0, ref_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_edit_letter_and_check_mailto(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/letters/{MEP}")
            page.fill("#name", "Ani Hakobyan")
            page.fill("#city", "Graz")
            # Untick all but the first demand: the letter is rebuilt by the letter API.
            for box in page.query_selector_all("input[name=demands]")[1:]:
                box.uncheck()
            page.wait_for_function(
                "() => !document.querySelector('#body').value.includes('A UN mandate')"
            )
            assert "Graz" in page.input_value("#body")
            page.click("#body")
            page.keyboard.press("Control+End")
            page.keyboard.type("P.S. My family left Stepanakert in 2023 & never returned?")
            body = page.input_value("#body")
            subject = page.input_value("#subject")
            href = page.get_attribute("#mailto-link", "href") or ""
            answers = []

            def pass_through(route):  # send the real POST, keep its answer, stay on the page
                answer = route.fetch(max_redirects=0)
                answers.append((answer.status, answer.headers.get("location", "")))
                route.fulfill(status=204)

            page.route("**/send", pass_through)
            page.click("button[value=email]")
            page.wait_for_timeout(200)
            for _ in range(50):
                if answers:
                    break
                page.wait_for_timeout(100)
            [(status, location)] = answers
            assert status == 303
        finally:
            browser.close()
    for url in (href, location):
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        assert unquote(parts.path) == "alexander.bernhuber@europarl.europa.eu"
        assert set(query) == {"subject", "body"}
        assert query["subject"] == [subject]
        assert query["body"] == [body.replace("\r\n", "\n").replace("\n", "\r\n")]
    assert "P.S. My family left Stepanakert in 2023 & never returned?" in body
    assert "A UN mandate to administer Artsakh" not in body


def test_many_meps_filter_with_and_without_javascript(base_url: str) -> None:
    from playwright.sync_api import sync_playwright

    url = f"{base_url}/representatives?country=FR&postal_code=75001"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 390, "height": 800})
            page.goto(url)
            assert page.locator(".mep-list li:visible").count() == 0  # groups start closed
            page.fill("#mep-filter", "bardella")
            page.wait_for_function(
                "() => document.querySelector('[data-filter-count]').textContent"
            )
            assert (
                page.locator(".mep-list li:visible")
                .all_inner_texts()[0]
                .startswith("Jordan Bardella")
            )
            assert page.inner_text("[data-filter-count]") == "1 member found"
            page.fill("#mep-filter", "")
            page.wait_for_function(
                "() => !document.querySelector('[data-filter-count]').textContent"
            )
            assert page.locator(".mep-group:visible").count() == 9
            # Without JavaScript: no filter box, and each group opens by itself.
            static = browser.new_context(java_script_enabled=False).new_page()
            static.goto(url)
            assert static.locator("[data-filter-box]").is_hidden()
            static.click(".mep-group >> nth=0 >> summary")
            assert static.locator(".mep-list li:visible").count() == 29
        finally:
            browser.close()
