"""The interface's language: choosing it, remembering it, and checking the catalogues."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

import petition.i18n

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "petition" / "translations"


def extracted_messages() -> set[str]:
    """Every string the code and templates mark for translation (what `make messages` finds)."""
    method_map = [("petition/**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.txt", "jinja2")]  # fmt: skip
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT),
        method_map,
        keywords={
            "_": None,
            "gettext": None,
            "ngettext": (1, 2),
            "_l": None,
            "lazy_gettext": None,
        },  # fmt: skip
    ):
        found.add(message if isinstance(message, str) else message[0])
    return found


def catalogue_problems(po_path: Path, wanted: set[str]) -> list[str]:
    """What keeps a catalogue from being complete: missing, untranslated or fuzzy entries."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh)
    problems = [f"missing: {m!r}" for m in sorted(wanted) if m not in catalog]
    for message in catalog:
        if not message.id:
            continue
        translated = message.string if isinstance(message.string, str) else all(message.string)
        if not translated:
            problems.append(f"untranslated: {message.id!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
    return problems


def test_shipped_catalogues_are_complete() -> None:
    wanted = extracted_messages()
    assert "Language" in wanted  # the extraction sees the templates
    for po_path in sorted(SHIPPED.glob("*/LC_MESSAGES/messages.po")):
        assert catalogue_problems(po_path, wanted) == [], po_path


def test_the_checks_catch_missing_untranslated_and_fuzzy(tmp_path: Path) -> None:
    catalog = Catalog(locale="fr")
    catalog.add("Language", "Langue")
    catalog.add("Sign", "")
    catalog.add("Privacy", "Confidentialité", flags=["fuzzy"])
    po_path = tmp_path / "messages.po"
    with po_path.open("wb") as fh:
        write_po(fh, catalog)
    assert catalogue_problems(po_path, {"Language", "Sign", "Privacy", "Learn more"}) == [
        "missing: 'Learn more'",
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


@pytest.fixture
def french_app(make_app, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """An app with a small French catalogue of its own (the shipped ones come later)."""
    folder = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    catalog = Catalog(locale="fr")
    catalog.add("Language", "Langue")
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
