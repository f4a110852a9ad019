"""Every send channel in a real browser: Debian's chromium driven by Playwright.

What counts is what the browser did: the `mailto:` navigation it launched, the webmail or
contact-form tab it opened, what it put on the clipboard, the print page it opened, the
console (no Content-Security-Policy violation), and the letters counted by the server.
Webmail and official sites are answered by a stand-in page (tests never reach the internet).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select

from petition.db import get_session
from petition.models import LetterEvent
from tests.browser import DESKTOP, PHONE

PS = "P.S. My family left Stepanakert in 2023 & never returned? #home"
MEP = "ep:197648"  # Alexander Bernhuber (AT): email, no contact form, EP postal address
MP = "ourcommons:111116"  # Lori Idlout (Nunavut): email and Hill address
SENATOR = "bioguide:O000174"  # Jon Ossoff (GA): contact form and office address, no email
CHANNELS = {
    MEP: ["email", "gmail", "outlook", "copy", "print"],
    MP: ["email", "gmail", "outlook", "copy", "print"],
    SENATOR: ["contact_form", "copy", "print"],
}
STAND_IN = "<!doctype html><title>Stand-in</title><p>Not the real site: tests stay offline."


@dataclass
class Watch:
    """What one browser context did."""

    console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)

    def csp_violations(self) -> list[str]:
        return [m for m in self.console if "Content Security Policy" in m]

    def mailtos(self) -> list[str]:
        return [u for u in self.requests if u.startswith("mailto:")]


def open_context(browser, base_url: str, *, js: bool, viewport: dict[str, int]):
    context = browser.new_context(java_script_enabled=js, viewport=viewport)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    watch = Watch()

    def stand_in(route) -> None:  # webmail and official sites: a local stand-in page
        watch.outside.append(route.request.url)
        route.fulfill(status=200, content_type="text/html", body=STAND_IN)

    context.route("https://**/*", stand_in)

    def follow(page) -> None:
        page.on("console", lambda m: watch.console.append(m.text))
        page.on("request", lambda r: watch.requests.append(r.url))

    context.on("page", follow)
    return context, watch


@pytest.fixture
def new_context(browser, base_url) -> Iterator[Any]:
    """Open browser contexts (JavaScript on or off, a viewport); all closed afterwards."""
    opened: list[Any] = []

    def make(*, js: bool, viewport: dict[str, int]) -> tuple[Any, Watch]:
        context, watch = open_context(browser, base_url, js=js, viewport=viewport)
        opened.append(context)
        return context, watch

    yield make
    for context in opened:
        context.close()


def letters(app, rep_id: str, channel: str) -> int:
    with app.app_context():
        query = select(func.count(LetterEvent.id)).where(
            LetterEvent.representative_id == rep_id, LetterEvent.channel == channel
        )
        return get_session().scalar(query) or 0


def wait_for(page, check, what: str, tries: int = 50) -> None:
    for _ in range(tries):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the browser never {what}")


def fill_letter(page, base_url: str, rep_id: str) -> tuple[str, str]:
    """Open the composer, give the writer's details, keep demands 1 and 3, add a P.S."""
    page.goto(f"{base_url}/letters/{rep_id}")
    page.fill("#name", "Ani Hakobyan")
    page.fill("#city", "Graz")
    boxes = page.query_selector_all("input[name=demands]")
    for box in boxes[1:2] + boxes[3:]:
        box.uncheck()
    if page.evaluate("() => document.documentElement.classList.contains('js')"):
        page.wait_for_function(
            "() => !document.querySelector('#body').value.includes('UN mandate')"
        )
    else:
        page.click("button[value=update]")
    body = page.input_value("#body")
    page.fill("#body", body.rstrip("\n") + "\n\n" + PS + "\n")
    return page.input_value("#subject"), page.input_value("#body")


def letter_of(url: str) -> tuple[str, str, str]:
    """(to, subject, body) of a mailto or webmail link."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if parts.scheme == "mailto":
        return unquote(parts.path), query["subject"][0], query["body"][0]
    subject = (query.get("su") or query["subject"])[0]
    return query["to"][0], subject, query["body"][0]


def same_text(got: str, shown: str) -> bool:
    return got.replace("\r\n", "\n") == shown.replace("\r\n", "\n")


def send(page, context, channel: str, *, js: bool):
    """Press the channel's button; without JavaScript, follow the ready page's link.

    Returns the page that opened in a new tab, if any.
    """
    button = f"button[name=channel][value={channel}]"
    if channel in ("gmail", "outlook", "contact_form") or (channel == "print" and js):
        if not js:
            page.click(button)
            page.wait_for_selector("h1:has-text('is ready')")
            button = f"a[ping*='/letters/opened/'][target=_blank] >> nth={0}"
        with context.expect_page() as opened:
            page.click(button)
        tab = opened.value
        tab.wait_for_load_state()
        return tab
    page.click(button)
    if channel == "email" and not js:
        page.wait_for_selector("h1:has-text('is ready')")
        page.click("a[href^='mailto:']")
    return None


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("rep_id", [MP, MEP, SENATOR])
def test_every_channel_opens_in_the_browser(ref_app, new_context, base_url, rep_id, viewport, js):
    context, watch = new_context(js=js, viewport=viewport)
    page = context.new_page()
    page.goto(f"{base_url}/letters/{rep_id}")
    shown = page.eval_on_selector_all("button[name=channel]", "bs => bs.map(b => b.value)")
    assert shown == CHANNELS[rep_id]
    for channel in CHANNELS[rep_id]:
        subject, body = fill_letter(page, base_url, rep_id)
        before = letters(ref_app, rep_id, channel)
        check_channel(page, context, watch, channel, subject, body, js=js)
        counted = not (channel == "copy" and not js)  # copying by hand cannot be seen
        wait_for(page, lambda: letters(ref_app, rep_id, channel) == before + counted,  # noqa: B023
                 f"counted the {channel} letter once")  # fmt: skip
    assert watch.csp_violations() == []


def check_channel(page, context, watch, channel, subject, body, *, js) -> None:
    mailtos = len(watch.mailtos())
    tab = send(page, context, channel, js=js)
    if channel == "email":
        wait_for(page, lambda: len(watch.mailtos()) > mailtos, "launched the mail program")
        _to, got_subject, got_body = letter_of(watch.mailtos()[-1])
        assert got_subject == subject and same_text(got_body, body)
    elif channel in ("gmail", "outlook"):
        host = "mail.google.com" if channel == "gmail" else "outlook.live.com"
        assert urlsplit(tab.url).hostname == host
        _to, got_subject, got_body = letter_of(tab.url)
        assert got_subject == subject and same_text(got_body, body)
        tab.close()
    elif channel == "contact_form":
        assert tab.url.startswith("https://") and "127.0.0.1" not in tab.url
        tab.close()
        if js:  # the letter waits on the clipboard, ready to paste into the form
            assert same_text(
                page.evaluate("navigator.clipboard.readText()"), f"{subject}\n\n{body}"
            )
    elif channel == "copy":
        if js:
            page.wait_for_selector("[data-status=copy]:has-text('Copied')")
            assert same_text(
                page.evaluate("navigator.clipboard.readText()"), f"{subject}\n\n{body}"
            )
        else:
            assert same_text(page.input_value("#ready-body"), body)
    elif channel == "print":
        printed = tab or page
        printed.wait_for_selector("article.printed-letter")
        text = printed.inner_text("article.printed-letter")
        assert PS in text and "Ani Hakobyan" in text
        if tab:
            tab.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_errors_stay_in_the_tab_next_to_their_field(ref_app, new_context, base_url, js):
    context, watch = new_context(js=js, viewport=PHONE)
    page = context.new_page()
    fill_letter(page, base_url, MEP)
    page.fill("#name", "")
    before = letters(ref_app, MEP, "gmail")
    page.click("button[name=channel][value=gmail]")
    page.wait_for_selector("#name-error")
    assert "Enter your name." in page.inner_text(".field-error")
    assert PS in page.input_value("#body")  # what was typed is kept
    page.wait_for_timeout(300)
    assert len(context.pages) == 1 and watch.outside == []
    assert letters(ref_app, MEP, "gmail") == before


def test_write_to_all_keeps_details_and_shows_progress(new_context, base_url):
    context, _watch = new_context(js=True, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/representatives?country=US&postal_code=30303")
    page.click("text=Write to all my representatives")
    assert page.inner_text(".progress-step") == "Letter 1 of 3"
    page.fill("#name", "Nare Avetisyan")
    page.fill("#city", "Atlanta")
    page.click("button:has-text('Next: write to')")  # nothing sent: details still kept
    assert page.inner_text(".progress-step") == "Letter 2 of 3"
    assert page.input_value("#name") == "Nare Avetisyan"
    assert "Atlanta" in page.input_value("#body")


def test_details_typed_just_before_sending_are_in_the_letter(new_context, base_url):
    context, watch = new_context(js=True, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/letters/{MEP}")
    page.fill("#name", "Ani Hakobyan")
    page.fill("#city", "Graz")
    page.click("button[value=email]")  # at once: the letter is still being rebuilt
    wait_for(page, lambda: watch.mailtos(), "launched the mail program")
    _to, _subject, body = letter_of(watch.mailtos()[-1])
    assert "aus Graz" in body and body.rstrip().endswith("Ani Hakobyan\r\nGraz")  # German
    assert same_text(body, page.input_value("#body"))  # what the page shows is what went


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_choosing_the_letters_language(new_context, base_url, js):
    context, watch = new_context(js=js, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{base_url}/letters/{MEP}")
    assert page.input_value("#lang") == "de"  # an Austrian MEP
    page.fill("#name", "Ani Hakobyan")
    page.fill("#city", "Graz")
    page.select_option("#lang", "fr")
    if js:  # rewritten at once (the writer has not edited the text yet)
        page.wait_for_function("() => document.querySelector('#body').value.includes('Graz')")
    else:
        page.click("button[value=update]")
    shown = page.input_value("#body")
    assert shown.startswith("Bonjour Alexander Bernhuber,") and "depuis Graz" in shown
    assert page.get_attribute("#body", "lang") == "fr"
    send(page, context, "email", js=js)
    wait_for(page, lambda: watch.mailtos(), "launched the mail program")
    _to, subject, body = letter_of(watch.mailtos()[-1])
    assert subject == "Demande d'action pour les Arméniens de l'Artsakh"
    assert same_text(body, shown)


def test_an_edited_letter_is_not_rewritten_by_a_language_change(new_context, base_url):
    context, _watch = new_context(js=True, viewport=DESKTOP)
    page = context.new_page()
    fill_letter(page, base_url, MEP)  # ends with the writer's own P.S. in the text
    page.select_option("#lang", "it")
    assert page.is_visible("#lang-edited")
    page.wait_for_timeout(400)
    assert PS in page.input_value("#body") and "Gentile" not in page.input_value("#body")
    page.click("button[value=update]")  # asked for: rewritten in Italian
    assert page.input_value("#body").startswith("Gentile Alexander Bernhuber,")


def test_too_long_letter_does_not_offer_the_mail_program(new_context, base_url):
    context, _watch = new_context(js=True, viewport=DESKTOP)
    page = context.new_page()
    fill_letter(page, base_url, MEP)
    assert page.is_enabled("button[value=email]")  # the default letter fits
    page.fill("#body", "Please act. " * 300)
    assert page.is_disabled("button[value=email]")
    assert page.is_visible("#mailto-warning")


FILTER_COUNT = "document.querySelector('[data-filter-count]')"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_many_meps_filter_with_and_without_javascript(new_context, base_url, viewport) -> None:
    url = f"{base_url}/representatives?country=FR&postal_code=75001"
    context, watch = new_context(js=True, viewport=viewport)
    page = context.new_page()
    page.goto(url)
    assert page.locator(".mep-list li:visible").count() == 0  # groups start closed
    page.fill("#mep-filter", "bardella")
    page.wait_for_function(f"() => {FILTER_COUNT}.textContent")
    assert page.locator(".mep-list li:visible").all_inner_texts()[0].startswith("Jordan Bardella")
    assert page.inner_text("[data-filter-count]") == "1 member found"
    page.fill("#mep-filter", "")
    page.wait_for_function(f"() => !{FILTER_COUNT}.textContent")
    assert page.locator(".mep-group:visible").count() == 9
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    # Without JavaScript: no filter box, and each group opens by itself.
    static_context, _ = new_context(js=False, viewport=viewport)
    static = static_context.new_page()
    static.goto(url)
    assert static.locator("[data-filter-box]").is_hidden()
    static.click(".mep-group >> nth=0 >> summary")
    assert static.locator(".mep-list li:visible").count() == 29
