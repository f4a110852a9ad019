"""Every public page in each language of the site, in a real browser: no English left.

Each page is read twice with JavaScript off (what the server wrote, hidden messages and
<noscript> included), once in English and once in the other language: its text nodes, its
title, and the attributes people read (alt, title, placeholder, aria-label, a preview's
description and image text, and the messages the scripts show, data-msg-*). A text found
unchanged in both is English left behind, unless nothing but names and numbers is in it:
representatives, parties, groups, districts, titles, notes and addresses from the reference
tables, states and provinces, countries and languages named as the other language names
them, numbers, dates written in digits, email addresses and links, the campaign's proper
nouns, and single words the catalogue keeps unchanged on purpose ("Contact" in French).
Text the page marks as another language (`lang`: the letter, the language switcher) is
not the page's own.

The languages are those with a catalogue under petition/translations/; French and
Armenian are skipped only while their catalogue does not exist yet.
"""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pycountry
import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

import petition.i18n
from petition.db import Base, get_engine, get_session
from petition.models import Constituency, OutboxMessage, PostalArea, Representative
from petition.postal import EU_MEMBER_STATES
from tests.browser import serve
from tests.conftest import FakeMailBackend, load_campaigns

SHIPPED = Path(petition.i18n.__file__).parent / petition.i18n.TRANSLATIONS
WANTED = ("fr", "hy")  # issue 13: the site in English, French and Armenian
SHIPPED_LANGUAGES = {p.parts[-3] for p in SHIPPED.glob("*/LC_MESSAGES/messages.po")}
LANGUAGES = [
    lang if lang in SHIPPED_LANGUAGES else pytest.param(lang, marks=pytest.mark.skip(
        reason=f"no '{lang}' catalogue yet (petition/translations/{lang}/LC_MESSAGES/messages.po)"))
    for lang in sorted((set(WANTED) | SHIPPED_LANGUAGES) - {petition.i18n.SOURCE_LANGUAGE})
]  # fmt: skip

MP = "ourcommons:111116"  # Lori Idlout (Nunavut)
MEP = "ep:197648"  # Alexander Bernhuber (AT)
SENATOR = "bioguide:O000174"  # Jon Ossoff (GA): contact form only
# Pages a plain address shows; the signature's pages, forms' errors and the letter flow
# are reached by hand in VISITS below.
PAGES = {
    "home": "/",
    "learn more": "/learn-more",
    "privacy": "/privacy",
    "about": "/about",
    "lookup": "/representatives",
    "lookup CA": "/representatives?country=CA&postal_code=X0A+0H0",
    "lookup US, district choice": "/representatives?country=US&postal_code=60062",
    "lookup US": "/representatives?country=US&postal_code=60062&district=IL-09",
    "lookup EU": "/representatives?country=FR&postal_code=75001",
    "lookup EU, constituency choice": "/representatives?country=BE&postal_code=1000",
    "lookup EU, vacant seat": "/representatives?country=ES&postal_code=28001",
    "lookup, wrong code": "/representatives?country=US&postal_code=12",
    "report a mistake": "/representatives/report?country=CA&postal_code=X0A0H0"
    f"&representative={MP}",
    "letter to an MP": f"/letters/{MP}",
    "letter to an MEP": f"/letters/{MEP}",
    "letter to a senator": f"/letters/{SENATOR}",
    "print page": f"/letters/{MP}/print?name=Ani+Hakobyan&city=Iqaluit",
    "responses": "/campaigns/artsakh/representatives",
    "error 404": "/no-such-page",
}
# GET pages no one reads as text, or only organizers see (their own check is elsewhere).
NOT_PAGES = {"site.robots", "site.sitemap", "site.favicon", "share.image", "static"}
PRIVATE_PREFIXES = ("/organizer/", "/api/")
# Proper nouns that may stand alone as a text, the same in every language, and what this
# test types in as a signer and a letter writer.
PROPER_NOUNS = ("Artsakh", "AGPL-3.0-or-later", "Bluesky", "Facebook", "Gmail", "Outlook.com",
                "Telegram", "WhatsApp",
                # A European Parliament group whose official name is English in French too.
                "Renew Europe", "Renew")  # fmt: skip
TYPED = ("Anahit Petrosyan", "Ani Hakobyan", "Iqaluit")
# Email addresses, links, codes and initials (CA, NU, UTC, LI) and anything with a digit in
# it (numbers, postal codes, dates in digits, hashes).
NEUTRAL = re.compile(
    r"\S+@\S+\.\w+|https?://\S+|\b[\w.-]+\.(?:com|org|gov|eu|ca)\b|\b[A-Z]{1,3}\b|\b\w*\d\w*\b"
)

COLLECT = """() => {
  const page = document.documentElement.lang;
  const foreign = (el) => (el.closest("[lang]") || document.documentElement).lang !== page;
  const found = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el && !el.closest("script, style") && !foreign(el)) found.push(node.textContent);
  }
  const read = ["alt", "title", "placeholder", "aria-label", "data-copied", "data-one",
                "data-other"];
  for (const el of document.body.querySelectorAll("*")) {
    if (foreign(el)) continue;
    for (const a of el.attributes) {
      if (read.includes(a.name) || a.name.startsWith("data-msg-")) found.push(a.value);
    }
  }
  for (const meta of document.head.querySelectorAll("meta[content]")) {
    const name = meta.getAttribute("name") || meta.getAttribute("property") || "";
    if (name === "description" || name.endsWith(":alt")) found.push(meta.content);
  }
  return found;
}"""


def texts_of(page: Any) -> set[str]:
    """The texts a reader meets on the page, each with its spaces tidied."""
    return {" ".join(t.split()) for t in page.evaluate(COLLECT) if t.strip()}


@dataclass(frozen=True)
class Allowed:
    """What may stay as it is in English: names, numbers and words the same in both."""

    names: re.Pattern[str]
    same: frozenset[str]

    def __call__(self, text: str) -> bool:
        if text in self.same:
            return True
        rest = NEUTRAL.sub(" ", self.names.sub(" ", text))
        return not any(ch.isalpha() for ch in rest)


def english_left(english: Iterable[str], translated: Iterable[str], allowed: Allowed) -> list[str]:
    """The texts of the translated page that are the English page's, names aside."""
    return sorted(t for t in set(translated) & set(english) if not allowed(t))


def data_names(app: Any) -> set[str]:
    """Names and other values the reference tables give, shown as the sources write them."""
    columns = [Representative.name, Representative.district_name, Representative.party,
               Representative.group, Representative.address_as, Representative.note,
               Representative.phone, Representative.email, Constituency.name,
               Constituency.note, PostalArea.note]  # fmt: skip
    names: set[str] = set()
    with app.app_context():
        session = get_session()
        for column in columns:
            names.update(session.scalars(select(column).distinct()))
        for address in session.scalars(select(Representative.address).distinct()):
            names.update([address, *address.split("; ")])
    for country in ("CA", "US", *EU_MEMBER_STATES):  # states and provinces
        names.update(s.name for s in pycountry.subdivisions.get(country_code=country) or [])
    return {" ".join(name.split()) for name in names if name and name.strip()}


def allowed_in(lang: str, app: Any, catalogue: Path | None) -> Allowed:
    """What may read the same in English and in `lang` on this app's pages."""
    names = sorted(data_names(app) | {*PROPER_NOUNS, *TYPED}, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(n)}(?!\w)" for n in names))
    locale = Locale.parse(lang)
    same = set(locale.territories.values()) | set(locale.languages.values())
    # Languages named in themselves (the switcher, the letter's languages).
    letters = {code for langs in app.extensions["petition.letters"].values() for code in langs}
    for code in {"en", *WANTED, lang, *letters}:
        name = Locale.parse(code).get_display_name(code) or code
        same |= {name, name[:1].upper() + name[1:]}
    if catalogue is not None:
        with catalogue.open("rb") as fh:
            same |= {m.id for m in read_po(fh) if m.id and m.string == m.id and " " not in m.id}
    return Allowed(pattern, frozenset(same))


def with_lang(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def outbox_links(app: Any, email: str) -> tuple[str, str]:
    """The confirm and delete links of the email this address was sent."""
    with app.app_context():
        query = select(OutboxMessage.body).where(OutboxMessage.to_address == email)
        body = "\n".join(get_session().scalars(query))
    confirm = re.search(r"/confirm/[^\s\"<>]+", body)
    delete = re.search(r"/delete/[^\s\"<>]+", body)
    assert confirm and delete, f"no links in the email to {email}"
    return confirm.group(0), delete.group(0)


def submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def visit_signature(page: Any, base: str, lang: str, app: Any) -> dict[str, set[str]]:
    """Sign, then read the signer's pages: thanks, confirm, my data, delete, deleted."""
    read: dict[str, set[str]] = {}
    email = f"i18n-{lang}-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(with_lang(f"{base}/", lang))
    submit(page, "form[action*='#sign'] button[type=submit]")  # nothing filled in
    read["sign form, errors"] = texts_of(page)
    page.fill("#name", "Anahit Petrosyan")
    page.fill("#email", email)
    page.select_option("#country", "CA")
    page.fill("#postal_code", "X0A 0H0")
    page.check("#privacy")
    submit(page, "form[action*='#sign'] button[type=submit]")
    read["thanks"] = texts_of(page)
    confirm, delete = outbox_links(app, email)
    page.goto(with_lang(base + confirm, lang))
    read["confirm"] = texts_of(page)
    submit(page, "main form button[type=submit]")
    read["confirmed"] = texts_of(page)
    page.goto(with_lang(base + delete.replace("/delete/", "/my-data/"), lang))
    read["my data"] = texts_of(page)
    page.goto(with_lang(base + delete, lang))
    read["delete"] = texts_of(page)
    submit(page, "main form button[type=submit]")
    read["deleted"] = texts_of(page)
    return read


def visit_letters(page: Any, base: str, lang: str, app: Any) -> dict[str, set[str]]:
    """The letter flow without JavaScript: errors, the ready page, writing to all."""
    read: dict[str, set[str]] = {}
    page.goto(with_lang(f"{base}/letters/{MP}", lang))
    for field in ("#name", "#city", "#postal_code"):  # the signer's, remembered: cleared
        page.fill(field, "")
    submit(page, "button[name=channel][value=email]")
    read["letter, errors"] = texts_of(page)
    page.fill("#name", "Ani Hakobyan")
    page.fill("#city", "Iqaluit")
    submit(page, "button[name=channel][value=email]")
    read["letter ready"] = texts_of(page)
    page.goto(with_lang(base + PAGES["lookup US"], lang))
    page.goto(with_lang(base + page.get_attribute("a[href^='/letters?queue=']", "href"), lang))
    read["write to all"] = texts_of(page)
    return read


def visit_embed(page: Any, base: str, lang: str, app: Any) -> dict[str, set[str]]:
    """The counter other sites frame: its language is in its address."""
    page.goto(f"{base}/embed/artsakh/{lang}")
    return {"embed": texts_of(page)}


VISITS: list[Callable[[Any, str, str, Any], dict[str, set[str]]]] = [
    visit_signature,
    visit_letters,
    visit_embed,
]


def read_site(browser: Any, base: str, lang: str, app: Any) -> tuple[dict[str, set[str]], set[str]]:
    """Every public page in one language: its texts by page, and the addresses opened."""
    locale = {"en": "en-CA", "fr": "fr-CA", "hy": "hy-AM"}.get(lang, lang)
    context = browser.new_context(java_script_enabled=False, locale=locale)
    context.route("https://**/*", lambda route: route.abort())  # photos: tests stay offline
    page = context.new_page()
    opened: list[str] = []
    page.on("request", lambda r: opened.append(r.url) if r.resource_type == "document" else None)
    read = {}
    try:
        for name, path in PAGES.items():
            page.goto(with_lang(base + path, lang))
            read[name] = texts_of(page)
        for visit in VISITS:
            read |= visit(page, base, lang, app)
    finally:
        context.close()
    return read, {urlsplit(url).path for url in opened if url.startswith(base)}


def public_endpoints(app: Any) -> set[str]:
    """Every page anyone may open with GET (not organizers', not the API, not files)."""
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ()) and rule.endpoint not in NOT_PAGES
            and not rule.rule.startswith(PRIVATE_PREFIXES)}  # fmt: skip


def endpoint_of(app: Any, path: str) -> str:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:  # no page (404), or one that only takes a POST
        return ""
    return str(endpoint)


@pytest.fixture(scope="module")
def english_site(browser, base_url, ref_app) -> tuple[dict[str, set[str]], set[str]]:
    return read_site(browser, base_url, "en", ref_app)


def report(left: dict[str, list[str]]) -> str:
    return "\n".join(f"{page}: {texts}" for page, texts in left.items())


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_english_left_on_any_page(browser, base_url, ref_app, english_site, lang) -> None:
    catalogue = SHIPPED / lang / "LC_MESSAGES" / "messages.po"
    assert lang in ref_app.extensions[petition.i18n.EXTENSION_KEY], (
        f"{catalogue} is not compiled: run `make catalogues`"
    )
    english, opened = english_site
    unread = public_endpoints(ref_app) - {endpoint_of(ref_app, path) for path in opened}
    assert not unread, f"public pages this test never opens: {sorted(unread)}"
    translated, _opened = read_site(browser, base_url, lang, ref_app)
    assert translated.keys() == english.keys()
    allowed = allowed_in(lang, ref_app, catalogue)
    left = {page: english_left(english[page], translated[page], allowed) for page in english}
    left = {page: texts for page, texts in left.items() if texts}
    assert left == {}, f"English left on the '{lang}' pages:\n{report(left)}"


def home_page_texts(browser: Any, app: Any, lang: str) -> set[str]:
    """Serve this app (tables created) and read its home page in a language."""
    Base.metadata.create_all(get_engine(app))
    app.extensions["petition.mail"] = FakeMailBackend(app)
    load_campaigns(app)
    url, server = serve(app)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{url}/?lang={lang}")
        assert page.evaluate("document.documentElement.lang") == lang
        return texts_of(page)
    finally:
        context.close()
        server.shutdown()


def test_the_check_finds_what_a_catalogue_misses(browser, make_app, tmp_path, monkeypatch):
    """A French catalogue with half the home page's strings: the other half is reported."""
    from tests.test_i18n import extracted_messages

    english = home_page_texts(browser, make_app(DATABASE_URL=f"sqlite:///{tmp_path}/en.db"), "en")
    marked = {m for m, context in extracted_messages() if context is None}
    on_page = sorted(m for m in marked if m in english and " " in m)
    assert len(on_page) >= 2, "the home page shows too few marked strings to split"
    translated_half, missed_half = on_page[::2], on_page[1::2]

    catalog = Catalog(locale="fr")
    for message in translated_half:
        catalog.add(message, f"«{message}»")  # a pseudo-translation: not the English text
    folder = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (folder / "messages.mo").write_bytes(buffer.getvalue())
    monkeypatch.setattr(petition.i18n, "TRANSLATIONS", str(tmp_path / "translations"))
    french_app = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/fr.db")
    french = home_page_texts(browser, french_app, "fr")

    left = english_left(english, french, allowed_in("fr", french_app, None))
    assert set(missed_half) <= set(left)
    assert not set(translated_half) & set(left)


def test_names_and_numbers_may_stay_but_no_english_word(ref_app) -> None:
    allowed = allowed_in("fr", ref_app, None)
    assert allowed("Lori Idlout") and allowed("MP Lori Idlout") and allowed("(NDP)")
    assert allowed("lori.idlout@parl.gc.ca") and allowed("1 204") and allowed("2026-06-15")
    assert allowed("Artsakh") and allowed("Nunavut") and allowed("Canada")  # Canada in French
    assert allowed("English") and allowed("հայերեն")  # languages named in themselves
    assert not allowed("Germany")  # "Allemagne" in French
    assert not allowed("Write to MP Lori Idlout") and not allowed("Phone:")
    assert not allowed("15 June 2026")  # a date is written the French way
