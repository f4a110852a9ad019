"""The interface's language: gettext catalogues under petition/translations/ (Flask-Babel).

A page is in the first of: the `?lang=` of its URL (then remembered in a cookie), the
`lang` cookie, the browser's Accept-Language, English. Only languages whose catalogue
ships are offered, so a page never claims a language it is not written in.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, get_locale, get_translations
from werkzeug.wrappers import Response

EXTENSION_KEY = "petition.languages"
SOURCE_LANGUAGE = "en"
TRANSLATIONS = "translations"  # beside this file: translations/<lang>/LC_MESSAGES/messages.po
LANG_COOKIE = "lang"
LANG_COOKIE_DAYS = 365
API_PREFIX = "/api/"
# Pages whose `?lang=` names the language of a letter, not of the page.
LETTER_LANG_ENDPOINTS = frozenset({"letters.print_letter"})


def catalogue_languages(folder: Path) -> list[str]:
    """English, then every language with a compiled catalogue in the folder."""
    found = sorted(p.parts[-3] for p in folder.glob("*/LC_MESSAGES/messages.mo"))
    return [SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE)]


def site_languages() -> list[str]:
    """The languages this site's pages are offered in, English first."""
    languages: list[str] = current_app.extensions[EXTENSION_KEY]
    return languages


def language_from_query() -> str | None:
    """The `?lang=` of this request, when it names one of the site's languages (on the
    letter API and the letter's print page it names the letter's language instead)."""
    if request.path.startswith(API_PREFIX) or request.endpoint in LETTER_LANG_ENDPOINTS:
        return None
    wanted = request.args.get("lang", "")[:8].lower()
    return wanted if wanted in site_languages() else None


def select_locale() -> str:
    """The language of this request's page (Flask-Babel's locale selector); outside a
    request (commands, the mail worker), the original language."""
    if not has_request_context():
        return SOURCE_LANGUAGE
    available = site_languages()
    if request.path.startswith(API_PREFIX):  # programs: the Accept-Language header only
        return request.accept_languages.best_match(available) or SOURCE_LANGUAGE
    cookie = request.cookies.get(LANG_COOKIE, "")
    return (
        language_from_query()
        or (cookie if cookie in available else None)
        or request.accept_languages.best_match(available)
        or SOURCE_LANGUAGE
    )


def page_language() -> str:
    """The language code of the page being rendered ("en", "fr", "hy")."""
    locale = get_locale()
    return locale.language if locale else SOURCE_LANGUAGE


def url_in(lang: str) -> str:
    """This page's address in another language (the same path and query, `lang` set)."""
    args = {k: v for k, v in request.args.items(multi=True) if k != "lang"}
    return f"{request.path}?{urlencode([*args.items(), ('lang', lang)])}"


def language_links() -> list[dict[str, Any]]:
    """The language switcher's links: each language named in itself."""
    current = page_language()
    return [
        {
            "lang": lang,
            "name": Locale.parse(lang).get_display_name(lang),
            "url": url_in(lang),
            "current": lang == current,
        }
        for lang in site_languages()
    ]


def format_count(number: int) -> str:
    """A whole number written the page's way: 1,204 in English, 1 204 in French."""
    return str(format_decimal(number, locale=get_locale() or SOURCE_LANGUAGE))


def format_share(share: float) -> str:
    """A share written as a percentage the page's way: 1% in English, 1 % in French."""
    return str(format_percent(share, locale=get_locale() or SOURCE_LANGUAGE))


class Count:
    """A number written the page's way whenever it is shown: for messages built before the
    page's language is known (form validators)."""

    def __init__(self, number: int) -> None:
        self.number = number

    def __str__(self) -> str:
        return format_count(self.number)


def sort_key(text: str) -> str:
    """A collation key that needs no system locale: case and accents set aside, so that
    "États-Unis" sorts among the E's (Armenian letters keep their alphabet's order)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=16)
def country_names(lang: str) -> Mapping[str, str]:
    """Every country's name in a language, by ISO code, from Babel's CLDR data (one
    table per language, built once)."""
    return MappingProxyType(dict(Locale.parse(lang).territories))


def country_name(code: str, lang: str | None = None) -> str:
    """A country's name in a language (the page's by default); its code when unknown."""
    return country_names(lang or page_language()).get(code, code)


def remember_language(response: Response) -> Response:
    """Keep a language chosen with `?lang=` for the next pages."""
    if "lang" not in request.environ.get("QUERY_STRING", ""):  # most requests: no query
        return response
    chosen = language_from_query() if request else None
    if chosen and request.cookies.get(LANG_COOKIE) != chosen:
        response.set_cookie(
            LANG_COOKIE,
            chosen,
            max_age=LANG_COOKIE_DAYS * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


# Parsed once per language: Flask-Babel parses the selector's choice on every request.
_LOCALES: dict[str, Locale] = {}


def parsed_locale(code: str) -> Locale:
    """The Babel locale of a language code (one of the site's)."""
    locale = _LOCALES.get(code)
    if locale is None:
        locale = _LOCALES[code] = Locale.parse(code)
    return locale


def request_locale() -> Locale:
    """Flask-Babel's locale selector: select_locale's choice as a parsed Locale.

    A request that names no language (no `lang` in its query or cookies, no
    Accept-Language header: API clients, benchmarks, crawlers) is in the source
    language without select_locale parsing anything.
    """
    if has_request_context():
        environ = request.environ
        if ("HTTP_ACCEPT_LANGUAGE" not in environ and b"lang" not in request.query_string
                and "lang" not in environ.get("HTTP_COOKIE", "")):  # fmt: skip
            return parsed_locale(SOURCE_LANGUAGE)
    return parsed_locale(select_locale())


def translations() -> Any:
    """Flask-Babel's catalogue for the current locale, looked up once per locale and app
    context: Flask-Babel looks it up again for every message a template translates."""
    if not g:  # no app context: Flask-Babel's own answer (no translation)
        return get_translations()
    locale = get_locale()
    memo = g.get("petition_translations")
    if memo is None or memo[0] is not locale:  # first message, or force_locale moved it
        memo = g.petition_translations = (locale, get_translations())
    return memo[1]


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with this module's locale selector and the shipped catalogues."""
    folder = Path(app.root_path) / TRANSLATIONS
    app.extensions[EXTENSION_KEY] = catalogue_languages(folder)
    Babel(
        app,
        locale_selector=request_locale,
        default_locale=SOURCE_LANGUAGE,
        default_translation_directories=str(folder),
    )
    # Templates translate as Flask-Babel installs it, through the catalogue kept above.
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
    )
    # {% trans %} blocks are extracted and looked up with their whitespace collapsed, as
    # babel.cfg extracts them (trimmed = true).
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.after_request(remember_language)

    @app.context_processor
    def language_context() -> dict[str, Any]:
        g.setdefault("page_lang", page_language())
        return {
            "page_lang": g.page_lang,
            "language_links": language_links,
            "country_name": country_name,
        }
