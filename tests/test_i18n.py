"""The interface's language: choosing it, remembering it, and checking the catalogues."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

import petition.i18n

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "petition" / "translations"
# Flask-Babel's lazy marks, beyond pybabel's own; the Makefile's `messages` passes the same.
EXTRA_KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]

Wanted = set[tuple[str, str | None]]  # (msgid, context)


def extracted_messages() -> Wanted:
    """Every string the code and templates mark for translation (what `make messages` finds,
    with babel.cfg's mapping and options)."""
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh, "babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(EXTRA_KEYWORDS)}
    found: Wanted = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found.add((message if isinstance(message, str) else message[0], context))
    return found


def catalogue_problems(po_path: Path, wanted: Wanted) -> list[str]:
    """What keeps a catalogue from being complete: missing, untranslated or fuzzy entries."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    problems = [
        f"missing: {m!r}" + (f" ({context})" if context else "")
        for m, context in sorted(wanted, key=lambda w: (w[0], w[1] or ""))
        if catalog.get(m, context=context) is None
    ]
    for message in catalog:
        if not message.id:
            continue
        translated = message.string if isinstance(message.string, str) else all(message.string)
        if not translated:
            problems.append(f"untranslated: {message.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    return problems


def test_the_makefile_extracts_with_the_same_keywords() -> None:
    makefile = (ROOT / "Makefile").read_text()
    [line] = re.findall(r"^EXTRA_KEYWORDS := (.*)$", makefile, re.MULTILINE)
    assert line.split() == EXTRA_KEYWORDS


def test_shipped_catalogues_are_complete() -> None:
    wanted = extracted_messages()
    assert ("Language", None) in wanted  # the extraction sees the templates,
    assert ("<strong>%(total)s</strong> person has signed", None) in wanted  # trimmed blocks,
    assert ("Enter your postal code.", None) in wanted  # the code's gettext and lazy marks,
    assert ("MP", "title before a name") in wanted  # contexts,
    assert ("The address service is busy right now.", None) in wanted  # and N_ marks
    for po_path in sorted(SHIPPED.glob("*/LC_MESSAGES/messages.po")):
        assert catalogue_problems(po_path, wanted) == [], po_path


def test_the_checks_catch_missing_untranslated_and_fuzzy(tmp_path: Path) -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Language", "Langue")
    catalog.add("Sign", "")
    catalog.add("Privacy", "Confidentialité", flags=["fuzzy"])
    catalog.add("pending", "en attente", context="signature state")
    po_path = tmp_path / "messages.po"
    with po_path.open("wb") as fh:
        write_po(fh, catalog)
    wanted = {(m, None) for m in ("Language", "Sign", "Privacy", "Learn more", "pending")}
    wanted |= {("pending", "signature state"), ("sent", "email status")}
    assert catalogue_problems(po_path, wanted) == [
        "missing: 'Learn more'",
        "missing: 'pending'",
        "missing: 'sent' (email status)",
        "untranslated: 'Sign'",
        "fuzzy: 'Privacy'",
    ]


def with_tables(app):
    from petition.db import Base, get_engine
    from tests.conftest import load_campaigns

    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    return app


def test_without_catalogues_the_site_is_english_only(make_app) -> None:
    app = with_tables(make_app())
    page = app.test_client().get("/?lang=fr", headers={"Accept-Language": "fr"})
    html = page.get_data(as_text=True)
    assert '<html lang="en">' in html and "hreflang" not in html
    assert 'class="languages"' not in html and "lang=" not in page.headers.get("Set-Cookie", "")


# A few entries of each kind: template text, a {% trans %} block with a plural, a lazy
# form label, a validator message, an error page, an API error.
FRENCH = {
    "Language": "Langue",
    "Sign the petition": "Signer la pétition",
    (
        "<strong>%(total)s</strong> person has signed",
        "<strong>%(total)s</strong> people have signed",
    ): (
        "<strong>%(total)s</strong> personne a signé",
        "<strong>%(total)s</strong> personnes ont signé",
        "<strong>%(total)s</strong> personnes ont signé",
    ),
    "Goal: %(goal)s signatures": "Objectif : %(goal)s signatures",
    "Your name": "Votre nom",
    "Country": "Pays",
    "Enter your postal code.": "Saisissez votre code postal.",
    "Page not found": "Page introuvable",
}


@pytest.fixture
def french_app(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An app with a small French catalogue of its own (the shipped ones come later)."""
    folder = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="fr")
    for msgid, french in FRENCH.items():
        catalog.add(msgid, french)
    catalog.add("MP", "Député", context="title before a name")
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    (folder / "messages.mo").write_bytes(buffer.getvalue())
    monkeypatch.setattr(petition.i18n, "TRANSLATIONS", str(tmp_path / "translations"))
    return with_tables(make_app())


def test_lang_in_the_url_chooses_and_is_remembered(french_app) -> None:
    client = french_app.test_client()
    first = client.get("/learn-more?lang=fr")
    html = first.get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert '<nav aria-label="Langue" class="languages">' in html  # translated
    assert '<link rel="alternate" hreflang="en" href="/learn-more?lang=en">' in html
    assert '<a href="/learn-more?lang=en" hreflang="en" lang="en">English</a>' in html
    assert '<span aria-current="true" lang="fr">français</span>' in html
    cookie = first.headers["Set-Cookie"]
    assert cookie.startswith("lang=fr;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    again = client.get("/learn-more").get_data(as_text=True)  # the cookie remembers
    assert '<html lang="fr">' in again
    assert "Que se passe-t-il aujourd&#39;hui ?" in again  # the campaign's French text too
    back = client.get("/learn-more?lang=en")
    assert '<html lang="en">' in back.get_data(as_text=True)
    assert back.headers["Set-Cookie"].startswith("lang=en;")


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.8", None, "fr"),
        ("de-DE,de;q=0.9", None, "en"),  # no German interface: English
        ("fr", "en", "en"),  # a choice made on the site wins over the browser
        ("en", "xx", "en"),  # an unknown cookie is ignored
    ],
)
def test_browser_language_and_cookie(french_app, accept, cookie, expected) -> None:
    client = french_app.test_client()
    if cookie:
        client.set_cookie("lang", cookie)
    page = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in page


def test_pages_forms_and_numbers_go_through_the_catalogue(french_app) -> None:
    client = french_app.test_client()
    html = client.get("/?lang=fr").get_data(as_text=True)
    assert '<a class="button" href="#sign">Signer la pétition</a>' in html  # template text
    assert '<label for="name">Votre nom</label>' in html  # a lazy form label
    # Country names from Babel's French data, sorted with É among the E's.
    names = re.findall(r'<option value="[A-Z]{2}">([^<]*)</option>', html)
    assert names[:2] == ["Canada", "États-Unis"] and "Tchéquie" in names
    assert names.index("Égypte") < names.index("Eswatini") < names.index("Éthiopie")
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<a class="button" href="#sign">Sign the petition</a>' in english
    assert '<label for="name">Your name</label>' in english and ">United States<" in english
    assert "Page introuvable" in client.get("/nope?lang=fr").get_data(as_text=True)


def test_counter_counts_the_french_way(french_app) -> None:
    from flask import render_template

    counts = {"total": 1204, "goal": 10000, "letters_sent": 0}
    with french_app.test_request_context("/?lang=fr"):
        html = render_template("_counter.html", counts=counts)
        one = render_template("_counter.html", counts={**counts, "total": 1})
    assert "<strong>1\u202f204</strong> personnes ont signé" in html  # narrow no-break space
    assert "Objectif : 10\u202f000 signatures" in html
    assert "<strong>1</strong> personne a signé" in one
    with french_app.test_request_context("/?lang=en"):
        assert "<strong>1,204</strong> people have signed" in render_template(
            "_counter.html", counts=counts
        )


def test_lookup_errors_and_titles_in_french(french_app) -> None:
    from petition.lookup_results import rep_title

    page = french_app.test_client().get("/representatives?country=US&lang=fr")
    assert page.status_code == 400
    assert '<p class="error" id="postal_code-error">Saisissez votre code postal.</p>' in (
        page.get_data(as_text=True)
    )
    with french_app.test_request_context("/?lang=fr"):
        assert rep_title("MP") == "Député" and rep_title("Senator") == "Senator"


def test_api_error_message_follows_accept_language(french_app) -> None:
    client = french_app.test_client()
    api = "/api/v1/representatives?country=US"
    french = client.get(api, headers={"Accept-Language": "fr-CA,fr;q=0.9"})
    assert french.status_code == 400 and french.json == {
        "error": "Enter your postal code.",  # stable, for programs
        "message": "Saisissez votre code postal.",  # for people
        "field": "postal_code",
    }
    assert client.get(api, headers={"Accept-Language": "de"}).json["message"] == (
        "Enter your postal code."
    )
    # On the API `lang` is a letter's language and the cookie is the pages': neither chooses.
    client.set_cookie("lang", "fr")
    other = client.get(f"{api}&lang=fr", headers={"Accept-Language": "en"})
    assert other.json["message"] == "Enter your postal code."
    assert "Set-Cookie" not in other.headers
