"""The site's own files and pages: about and contact, robots.txt, sitemap.xml, favicon."""

from __future__ import annotations

import re
import shutil
from io import BytesIO
from pathlib import Path
from xml.etree import ElementTree

from PIL import Image

from petition import create_app
from petition.db import Base, get_engine
from petition.shareimage import emblem_png

ROOT = Path(__file__).resolve().parent.parent
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def test_about_names_organizers_and_contact(client) -> None:
    page = client.get("/about").get_data(as_text=True)
    assert "<h1>About and contact</h1>" in page and "The Artsakh petition organizers" in page
    # The shipped file has no contact address yet: the page says so rather than invent one.
    assert "have not published a contact address" in page
    assert 'href="/representatives/report"' in page
    assert 'href="/about">About</a>' in client.get("/").get_data(as_text=True)  # in the nav


def test_about_shows_the_contact_address_when_the_file_has_one(tmp_path) -> None:
    shutil.copytree(ROOT / "data" / "campaigns", tmp_path / "campaigns")
    path = tmp_path / "campaigns" / "artsakh.toml"
    path.write_text(path.read_text().replace('contact_email = ""', 'contact_email = "hi@x.org"'))
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    Base.metadata.create_all(get_engine(app))
    page = app.test_client().get("/about").get_data(as_text=True)
    assert '<a href="mailto:hi@x.org">hi@x.org</a>' in page


def test_robots_keeps_crawlers_out_of_the_organizer_area(client) -> None:
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert "User-agent: *" in lines and "Disallow: /organizer/" in lines
    assert "Disallow: /confirm/" in lines and "Disallow: /delete/" in lines
    assert "Sitemap: http://petition.test/sitemap.xml" in lines


def test_sitemap_lists_every_public_page_in_every_language(client) -> None:
    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    root = ElementTree.fromstring(response.data)
    urls = root.findall(f"{SITEMAP}url")
    locs = [u.findtext(f"{SITEMAP}loc") for u in urls]
    pages = ["/", "/learn-more", "/privacy", "/about", "/representatives"]
    expected = []
    for page in pages:  # each page in English, then in every shipped language
        expected += [f"http://petition.test{page}"]
        expected += [f"http://petition.test{page}?lang={lang}" for lang in ("fr", "hy")]
    embed = "http://petition.test/embed/artsakh"
    expected += [embed, f"{embed}/fr", f"{embed}/hy"]
    assert locs == expected
    # Every address names its other languages (hreflang alternates).
    for url in urls:
        alternates = url.findall(f"{XHTML}link")
        assert {a.get("hreflang") for a in alternates} >= {"en", "fr", "hy"}
    for loc in locs:
        assert client.get(loc.removeprefix("http://petition.test")).status_code == 200


def test_favicon_svg_and_png(client) -> None:
    page = client.get("/").get_data(as_text=True)
    icons = re.findall(r'<link rel="(?:icon|apple-touch-icon)" href="([^"]+)"', page)
    assert icons == ["/static/favicon.svg", "/static/favicon.png", "/static/favicon.png"]
    with client.get("/static/favicon.svg") as svg:
        assert svg.mimetype == "image/svg+xml"
    with client.get("/favicon.ico") as ico:
        assert ico.status_code == 200 and ico.mimetype == "image/png"
    # The committed PNG is the emblem drawn by petition.shareimage, the same shapes as the SVG.
    with Image.open(ROOT / "static" / "favicon.png") as committed:
        drawn = Image.open(BytesIO(emblem_png(180)))
        assert committed.size == (180, 180) and committed.tobytes() == drawn.tobytes()
