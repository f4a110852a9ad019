"""Share, embed and trust in a real browser (Debian's chromium driven by Playwright).

axe-core, read from the axe-playwright-python package on disk (never fetched), checks the
pages at phone and desktop width; the embed is framed by another origin and updates
itself; the copy button puts the link on the clipboard; a photo that fails shows initials.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from petition.db import Base, get_engine, get_session
from petition.models import Signature
from tests.browser import DESKTOP, PHONE, serve
from tests.conftest import FakeMailBackend, csrf_token, load_campaigns

# Every page this work changed (the header, footer and preview tags are on all of them).
PAGES = [
    "/",
    "/learn-more",
    "/privacy",
    "/about",
    "/representatives",
    "/representatives?country=CA&postal_code=X0A+0H0",
    "/representatives?country=US&postal_code=60062",
    "/letters/ourcommons:111116",
    "/embed/artsakh",
    "/thanks",
]
BLOCKING = {"serious", "critical"}


def new_page(browser, *, js: bool = True, viewport=PHONE):
    context = browser.new_context(java_script_enabled=js, viewport=viewport)
    # Official sites (representatives' photos) are never reached: tests stay offline.
    context.route("https://**/*", lambda route: route.abort())
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    return context, page, console


def sign_in_browser(page, base_url: str) -> None:
    page.goto(f"{base_url}/")
    page.fill("#name", "Anahit Petrosyan")
    page.fill("#email", "anahit@example.org")
    page.select_option("#country", "CA")
    page.fill("#postal_code", "K1A 0B1")
    page.check("#privacy")
    page.click("form button[type=submit]")
    page.wait_for_selector("h1:has-text('Thank you')")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_no_serious_violation(browser, base_url, viewport) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context, page, _console = new_page(browser, viewport=viewport)
    found: dict[str, list[str]] = {}
    for path in PAGES:
        if path == "/thanks":
            sign_in_browser(page, base_url)
        else:
            page.goto(base_url + path)
        results = axe.run(page)
        assert results.response["testEngine"]["name"] == "axe-core"
        for violation in results.response["violations"]:
            if violation["impact"] in BLOCKING:
                nodes = [n["target"] for n in violation["nodes"]][:3]
                found.setdefault(path, []).append(f"{violation['id']}: {nodes}")
    context.close()
    assert found == {}


def test_axe_does_see_a_serious_violation(browser, base_url) -> None:
    from axe_playwright_python.sync_playwright import Axe

    context, page, _console = new_page(browser)
    page.goto(f"{base_url}/about")
    page.evaluate("document.querySelector('.brand img').removeAttribute('alt')")
    page.evaluate("document.querySelector('.brand').textContent = ''")
    page.evaluate("document.querySelector('.brand').append(document.createElement('img'))")
    impacts = {v["id"]: v["impact"] for v in Axe().run(page).response["violations"]}
    assert impacts.get("image-alt") == "critical"
    context.close()


def failed(request, base_url: str) -> bool:
    """One of our requests failed (not one the browser dropped by moving to the next page)."""
    return request.url.startswith(base_url) and "ERR_ABORTED" not in (request.failure or "")


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_pages_fit_and_load_cleanly(browser, base_url, js, viewport) -> None:
    context, page, console = new_page(browser, js=js, viewport=viewport)
    ours: list[str] = []  # our own requests that failed (a missing favicon would show here)
    page.on("requestfailed", lambda r: ours.append(r.url) if failed(r, base_url) else None)
    page.on("response", lambda r: ours.append(r.url) if r.status >= 400 else None)
    for path in ["/", "/about", "/representatives?country=CA&postal_code=X0A+0H0"]:
        page.goto(base_url + path)
        # Nothing wider than the screen, and the site navigation on one line.
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        links = page.eval_on_selector_all(
            ".site-header nav:not(.languages) a",
            "as => as.map(a => a.getBoundingClientRect().top)",
        )
        assert len(set(links)) == 1 and len(links) == 4
        nav = page.eval_on_selector(".site-header nav", "n => n.scrollWidth <= n.clientWidth")
        assert nav, "the navigation is cut off"
    for lang in ("fr", "hy"):  # longer words: the links may wrap, never leave the screen
        page.goto(f"{base_url}/?lang={lang}")
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        rights = page.eval_on_selector_all(
            ".site-header nav a", "as => as.map(a => a.getBoundingClientRect().right)"
        )
        assert len(rights) >= 4 and max(rights) <= viewport["width"], (lang, rights)
    # No favicon error, no CSP violation (representatives' photos are blocked on purpose).
    assert ours == [] and [m for m in console if "Content Security" in m] == []
    context.close()


def test_failed_photo_shows_initials(browser, base_url) -> None:
    context, page, _console = new_page(browser, viewport=DESKTOP)
    page.goto(f"{base_url}/representatives?country=CA&postal_code=X0A+0H0")
    card = page.locator("#rep-ourcommons-111116 .rep-avatar")
    img = card.locator("img")
    img.scroll_into_view_if_needed()
    page.wait_for_function(
        "() => { const i = document.querySelector('#rep-ourcommons-111116 img');"
        " return i.complete && i.naturalWidth === 0; }"
    )
    # The broken image draws its ::after (the initials on the soft background) over its box.
    after = page.evaluate(
        "() => getComputedStyle(document.querySelector('#rep-ourcommons-111116 img'),"
        " '::after').content"
    )
    assert after == "attr(data-initials)" or after == '"LI"'
    shot = card.screenshot()
    from io import BytesIO

    from PIL import Image

    pixels = Image.open(BytesIO(shot)).convert("RGB")
    # No broken-image icon: the corner where Chromium draws it is the soft background.
    assert pixels.getpixel((8, 8)) == (0xF5, 0xF2, 0xEE)
    context.close()


@pytest.fixture
def live_app(make_app, tmp_path) -> Iterator[tuple[str, Any]]:
    """A campaign with no signature yet, served on a local port (SQLite file)."""
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'live.db'}")
    Base.metadata.create_all(get_engine(app))
    app.extensions["petition.mail"] = FakeMailBackend(app)
    load_campaigns(app)
    url, server = serve(app)
    yield url, app
    server.shutdown()


def confirm_one(app, email: str = "ani@example.org") -> None:
    client = app.test_client()
    data = {"name": "Ani", "email": email, "country": "FR", "postal_code": "75001",
            "privacy": "y"}  # fmt: skip
    client.post("/", data=data)
    link = app.extensions["petition.mail"].links("confirm")[-1]
    client.post(link, data={"csrf_token": csrf_token(client, link)})


def partner_site(embed_url: str):
    """Another origin that frames the counter and, for contrast, the home page."""

    def app(environ, start_response):
        body = (
            f'<!doctype html><title>Partner</title><iframe id="counter" src="{embed_url}" '
            f'title="counter"></iframe><iframe id="home" src="{embed_url.split("/embed")[0]}/"'
            ' title="home"></iframe>'
        )
        return Response(body, mimetype="text/html")(environ, start_response)

    return app


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_embed_framed_elsewhere_and_updating(browser, live_app, js) -> None:
    url, app = live_app
    confirm_one(app)
    partner, server = serve(partner_site(f"{url}/embed/artsakh"))
    try:
        context, page, console = new_page(browser, js=js, viewport=DESKTOP)
        page.clock.install()
        page.goto(f"{partner}/")
        frame = page.frame_locator("#counter")
        assert frame.locator("#embed-total").inner_text() == "1"
        sign = frame.locator("a.button")
        assert sign.get_attribute("href") == "http://petition.test/#sign"
        assert sign.get_attribute("target") == "_blank"
        # The home page refuses to be framed; the counter is allowed anywhere.
        for _ in range(50):  # the refusal is reported when the home frame's answer arrives
            if any("frame-ancestors 'none'" in m for m in console):
                break
            page.wait_for_timeout(100)
        assert any("frame-ancestors 'none'" in m for m in console)
        confirm_one(app, "second@example.org")
        page.clock.fast_forward(31_000)
        if js:
            frame.locator("#embed-total:has-text('2')").wait_for()
            assert frame.locator("#embed-label").inner_text() == "people have signed"
            assert frame.locator("#embed-progress").get_attribute("value") == "2"
        else:
            page.wait_for_timeout(300)
            assert frame.locator("#embed-total").inner_text() == "1"  # as loaded
        context.close()
    finally:
        server.shutdown()


def test_copy_link_puts_the_address_on_the_clipboard(browser, base_url) -> None:
    context, page, _console = new_page(browser, viewport=PHONE)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    page.goto(f"{base_url}/")
    page.click("button[data-copy=share-url]")
    page.locator(".copy-status:has-text('Link copied')").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == "http://petition.test/"
    page.click("button[data-copy=embed-code]")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith('<iframe src="http://petition.test/embed/artsakh"')
    context.close()


def forging_site(target: str):
    """Another origin whose page posts our sign form (as an ad or a forum post could)."""

    def app(environ, start_response):
        fields = "".join(
            f'<input type="hidden" name="{name}" value="{value}">'
            for name, value in {
                "name": "Forged Name",
                "email": "forged@example.org",
                "country": "FR",
                "postal_code": "75001",
                "privacy": "y",
            }.items()  # fmt: skip
        )
        body = (f'<!doctype html><title>Elsewhere</title><form method="post" action="{target}/">'
                f'{fields}<button type="submit">Win a prize</button></form>')  # fmt: skip
        return Response(body, mimetype="text/html")(environ, start_response)

    return app


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_sign_form_posted_from_another_site_is_refused(browser, live_app, js) -> None:
    url, app = live_app
    elsewhere, server = serve(forging_site(url))
    try:
        context, page, _console = new_page(browser, js=js, viewport=PHONE)
        statuses: list[int] = []
        page.on("response", lambda r: statuses.append(r.status) if r.url == f"{url}/" else None)
        page.goto(f"{elsewhere}/")
        page.click("button")
        page.wait_for_selector("form[action*='#sign']")
        assert statuses == [403]
        assert page.input_value("#name") == "Forged Name"  # shown again, never stored
        alert = page.locator("[role=alert]")
        assert "came from another page" in alert.inner_text()
        # The refused post lands at the top of the page: the message is seen there, and
        # leads to the form.
        for viewport in (PHONE, DESKTOP):  # the desktop grid places it at the top too
            page.set_viewport_size(viewport)
            box = alert.bounding_box()
            assert box is not None and box["y"] + box["height"] <= viewport["height"]
        alert.locator("a").click()
        assert page.url.endswith("#sign")
        with app.app_context():
            assert get_session().scalar(select(func.count(Signature.id))) == 0
        # Sent again from our own page, the same details are taken.
        page.check("#privacy")
        page.click("form[action*='#sign'] button[type=submit]")
        page.wait_for_selector("h1:has-text('Thank you')")
        with app.app_context():
            assert get_session().scalar(select(func.count(Signature.id))) == 1
        context.close()
    finally:
        server.shutdown()
