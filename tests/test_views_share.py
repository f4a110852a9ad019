"""Sharing: preview tags on every public page, the preview image, share links, the embed."""

from __future__ import annotations

import re
from io import BytesIO
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from petition.config import DEFAULTS
from petition.db import Base, get_engine
from petition.views import CONTENT_SECURITY_POLICY
from tests.conftest import csrf_token, load_campaigns

PUBLIC_PAGES = ["/", "/learn-more", "/privacy", "/about", "/representatives"]
SHARE_HOSTS = {
    "wa.me",
    "bsky.app",
    "www.facebook.com",
    "x.com",
    "t.me",
}


def sign_and_confirm(client, sign, mailbox) -> None:
    sign()
    link = mailbox.links("confirm")[-1]
    client.post(link, data={"csrf_token": csrf_token(client, link)})


def meta(page: str, key: str) -> str:
    match = re.search(rf'<meta (?:property|name)="{re.escape(key)}" content="([^"]*)"', page)
    assert match, f"no {key}"
    return match.group(1)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_public_page_has_preview_tags(client, path: str) -> None:
    page = client.get(path).get_data(as_text=True)
    url = f"http://petition.test{path}"
    assert f'<link rel="canonical" href="{url}">' in page
    assert meta(page, "og:url") == url and meta(page, "og:locale") == "en_US"
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    assert title and meta(page, "og:title") == meta(page, "twitter:title") == title.group(1)
    assert meta(page, "og:description") == meta(page, "twitter:description") != ""
    assert meta(page, "og:image") == meta(page, "twitter:image")
    assert meta(page, "og:image") == "http://petition.test/share/artsakh.png"
    assert meta(page, "twitter:card") == "summary_large_image"
    assert meta(page, "og:image:alt")


def test_preview_image_shows_the_live_count(client, sign, mailbox) -> None:
    empty = client.get("/share/artsakh.png")
    assert empty.status_code == 200 and empty.mimetype == "image/png"
    assert Image.open(BytesIO(empty.data)).size == (1200, 630)
    assert empty.headers["Cache-Control"] == "public, max-age=0"  # this test app caches nothing
    sign_and_confirm(client, sign, mailbox)
    counted = client.get("/share/artsakh.png")
    assert counted.data != empty.data  # the count line and the bar moved
    assert client.get("/share/nope.png").status_code == 404


def test_preview_image_is_cached_for_the_count_interval(make_app) -> None:
    app = make_app(COUNTS_CACHE_SECONDS=DEFAULTS["COUNTS_CACHE_SECONDS"])  # the shipped default
    assert DEFAULTS["COUNTS_CACHE_SECONDS"] == 5
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    client = app.test_client()
    first = client.get("/share/artsakh.png")
    assert first.headers["Cache-Control"] == "public, max-age=5"
    assert "Set-Cookie" not in first.headers
    cache = app.extensions["petition.cache"]
    assert cache.get("share-png:artsakh:en:0") is not None  # drawn once, kept in the cache
    assert client.get("/share/artsakh.png").data == first.data


def test_home_offers_share_links_and_embed_code(client) -> None:
    page = client.get("/").get_data(as_text=True)
    hrefs = re.findall(
        r'<a href="([^"]+)"[^>]*>(Email|WhatsApp|Bluesky|Facebook|X|Telegram)</a>', page
    )
    assert [name for _href, name in hrefs] == [
        "Email", "WhatsApp", "Bluesky", "Facebook", "X", "Telegram"
    ]  # fmt: skip
    assert {urlsplit(h.replace("&amp;", "&")).hostname for h, _ in hrefs[1:]} == SHARE_HOSTS
    mail = urlsplit(hrefs[0][0].replace("&amp;", "&"))
    body = parse_qs(mail.query)["body"][0]
    assert mail.scheme == "mailto" and body.startswith("I signed:")  # the campaign's share text
    assert body.endswith("http://petition.test/")
    assert 'value="http://petition.test/"' in page  # the link to copy, without JavaScript
    assert '&lt;iframe src="http://petition.test/embed/artsakh"' in page  # the code to copy
    assert '<script src="https://' not in page  # no third-party script


def test_share_links_after_signing(client, sign) -> None:
    sign()
    page = client.get("/thanks").get_data(as_text=True)
    for name in ("WhatsApp", "Bluesky", "Facebook", "Telegram", "Copy link"):
        assert f">{name}<" in page
    assert "t.me/share/url?url=http%3A//petition.test/" in page


def test_embed_is_frameable_and_nothing_else_is(client) -> None:
    embed = client.get("/embed/artsakh")
    assert embed.status_code == 200
    csp = embed.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "frame-ancestors 'none'" not in csp
    assert embed.headers["Cache-Control"].startswith("public") and "Set-Cookie" not in embed.headers
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp
    page = embed.get_data(as_text=True)
    assert "Be the first to sign" in page
    assert 'href="http://petition.test/#sign" target="_blank" rel="noopener"' in page
    assert 'data-counts-url="/api/v1/campaigns/artsakh/counts"' in page
    for path in [*PUBLIC_PAGES, "/thanks", "/organizer/login", "/share/artsakh.png"]:
        assert client.get(path).headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert client.get("/embed/nope").status_code == 404


def test_embed_shows_count_and_progress(client, sign, mailbox) -> None:
    sign_and_confirm(client, sign, mailbox)
    page = client.get("/embed/artsakh").get_data(as_text=True)
    assert '<strong id="embed-total">1</strong>' in page and "person has signed" in page
    assert 'max="100000" value="1"' in page


@pytest.fixture
def french_app(make_app, tmp_path, monkeypatch):
    """A site in English and French: a small French catalogue of its own."""
    import io

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    import petition.i18n

    folder = tmp_path / "translations" / "fr" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    buffer = io.BytesIO()
    write_mo(buffer, Catalog(locale="fr"))
    (folder / "messages.mo").write_bytes(buffer.getvalue())
    monkeypatch.setattr(petition.i18n, "TRANSLATIONS", str(tmp_path / "translations"))
    app = make_app()
    Base.metadata.create_all(get_engine(app))
    load_campaigns(app)
    return app


def test_previews_and_embed_in_the_page_language(french_app) -> None:
    client = french_app.test_client()
    page = client.get("/about?lang=fr").get_data(as_text=True)
    assert meta(page, "og:locale") == "fr_FR"
    assert meta(page, "og:url") == "http://petition.test/about?lang=fr"
    assert meta(page, "og:image") == "http://petition.test/share/artsakh/fr.png"
    assert meta(page, "og:site_name") == "Solidarité avec l&#39;Artsakh"
    home = client.get("/?lang=fr").get_data(as_text=True)
    assert '&lt;iframe src="http://petition.test/embed/artsakh/fr"' in home
    assert "J%27ai%20sign%C3%A9" in home  # the French share text, in the links
    french = client.get("/share/artsakh/fr.png")
    assert french.status_code == 200 and "Set-Cookie" not in french.headers
    assert french.data != client.get("/share/artsakh.png").data  # the French title
    embed = client.get("/embed/artsakh/fr").get_data(as_text=True)
    assert '<html lang="fr">' in embed and "Solidarité avec l&#39;Artsakh" in embed
    assert 'href="http://petition.test/?lang=fr#sign"' in embed
    # The language is in the address only: a cookie never changes a cached embed or image.
    client.set_cookie("lang", "fr")
    assert '<html lang="en">' in client.get("/embed/artsakh").get_data(as_text=True)
    assert client.get("/share/artsakh/de.png").status_code == 404  # no German site
    assert client.get("/embed/artsakh/de").status_code == 404


def test_sitemap_has_every_page_in_every_language(french_app) -> None:
    from xml.etree import ElementTree

    root = ElementTree.fromstring(french_app.test_client().get("/sitemap.xml").data)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    locs = [u.findtext("s:loc", namespaces=ns) for u in root.findall("s:url", ns)]
    assert locs[:4] == [
        "http://petition.test/",
        "http://petition.test/?lang=fr",
        "http://petition.test/learn-more",
        "http://petition.test/learn-more?lang=fr",
    ]
    assert locs[-1] == "http://petition.test/embed/artsakh/fr" and len(locs) == 12
    for url in root.findall("s:url", ns):
        links = url.findall("x:link", ns)
        assert [link.get("hreflang") for link in links] == ["en", "fr"]
