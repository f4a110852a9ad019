"""The organizer's representatives pages: counts, exports, delivery packs and responses."""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from petition.db import get_session
from petition.models import AuditEntry, PostalArea, RepresentativeResponse
from tests.conftest import csrf_token
from tests.seats import DAY, add_letters, add_seats, add_signatures

PROTECTED = [
    "/organizer/representatives",
    "/organizer/representatives/ourcommons:1/response",
    "/organizer/exports/representatives.csv",
    "/organizer/exports/representatives.json",
    "/organizer/packs/ourcommons:1.pdf",
    "/organizer/packs/ourcommons:1.html",
    "/organizer/packs/ca-commons.zip",
]


@pytest.fixture
def seeded(app: Flask) -> Flask:
    with app.app_context():
        session = get_session()
        add_seats(session)
        add_signatures(session)
        add_letters(session, "ourcommons:1", {"email": 2, "copy": 1})
        session.add(PostalArea(country="CA", kind="fsa", key="K1P", region="ON",
                               district_id="35075", share=1.0, rank=1, is_primary=True,
                               basis="area", source="test", source_date=DAY))  # fmt: skip
        session.commit()
    return app


@pytest.fixture
def organizer(seeded: Flask, client: FlaskClient, auth: Any) -> FlaskClient:
    auth.login()
    return client


def _audit(app: Flask) -> list[AuditEntry]:
    with app.app_context():
        return list(get_session().scalars(select(AuditEntry).order_by(AuditEntry.id)))


@pytest.mark.parametrize("path", PROTECTED)
def test_organizer_routes_need_a_login(seeded: Flask, client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 302
    assert "/organizer/login" in response.headers["Location"]


def test_response_form_post_needs_a_login(seeded: Flask, client: FlaskClient) -> None:
    response = client.post("/organizer/representatives/ourcommons:1/response", data={})
    assert response.status_code == 302
    assert "/organizer/login" in response.headers["Location"]


def test_representatives_page_filters_and_sorts(organizer: FlaskClient) -> None:
    page = organizer.get("/organizer/representatives?body=ca-commons").get_data(as_text=True)
    assert "Olivia &lt;b&gt;Ottawa&lt;/b&gt;" in page
    assert "Tess Twelve" not in page
    assert page.index("Olivia") < page.index("Aaron Ajax")  # 12 before 0
    page = organizer.get("/organizer/representatives?body=ca-commons&sort=name&order=asc")
    text = page.get_data(as_text=True)
    assert text.index("Aaron Ajax") < text.index("Olivia")
    page = organizer.get("/organizer/representatives?country=IE").get_data(as_text=True)
    assert "Deirdre Dublin" in page and "François France" not in page


def test_ready_list_follows_the_campaign_quorum(organizer: FlaskClient) -> None:
    # The shipped campaign file asks 100 constituents of an MP: nobody here is ready.
    page = organizer.get("/organizer/representatives?ready=1").get_data(as_text=True)
    assert "<strong>0</strong> representatives reached the quorum" in page
    assert "No representative matches." in page


def test_export_csv_hides_small_counts_and_is_audited(
    seeded: Flask, organizer: FlaskClient
) -> None:
    response = organizer.get("/organizer/exports/representatives.csv?body=ca-commons")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["representative_id", "name", "body"]
    rows = {
        line.split(",")[0]: dict(zip(header, line.split(","), strict=True)) for line in lines[1:]
    }
    assert rows["ourcommons:1"]["signatures"] == "12"
    assert rows["ourcommons:1"]["letters"] == "3"
    assert rows["ourcommons:1"]["letters_email"] == "2"
    assert rows["ourcommons:2"]["signatures"] == "<5"
    assert rows["ourcommons:2"]["unplaced_in_area"] == "5"
    assert _audit(seeded)[-1].action == "export.representatives"
    assert _audit(seeded)[-1].rows == 2


def test_export_json(organizer: FlaskClient) -> None:
    rows = json.loads(organizer.get("/organizer/exports/representatives.json?country=US").data)
    by_id = {row["representative_id"]: row for row in rows}
    assert by_id["bioguide:S000001"]["signatures"] == 16
    assert by_id["bioguide:T000010"]["signatures"] is None
    assert by_id["bioguide:A000001"]["signatures"] == 7
    assert {row["country"] for row in rows} == {"US"}


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pack_pdf_parses_and_gives_the_count(seeded: Flask, organizer: FlaskClient) -> None:
    response = organizer.get("/organizer/packs/ourcommons:1.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = " ".join(_pdf_text(response.data).split())
    assert "12 of your constituents" in text
    assert "Ottawa Centre" in text
    assert "K1P 12" in text  # the postal area breakdown
    assert "Hidden Person" not in text  # never a signer's name
    entry = _audit(seeded)[-1]
    assert (entry.action, entry.rows) == ("export.pack", 1)
    assert "ourcommons:1" in entry.detail


def test_pack_html_hides_small_counts(organizer: FlaskClient) -> None:
    page = organizer.get("/organizer/packs/bioguide:T000010.html").get_data(as_text=True)
    assert "Fewer than 5 of your constituents" in page
    assert "Postal areas with fewer than 5 signatures are not listed" in page
    assert "/static/pack.css" in page
    assert "http://petition.test/campaigns/artsakh/representatives" in page


def test_unknown_pack_is_404(organizer: FlaskClient) -> None:
    assert organizer.get("/organizer/packs/nobody:1.pdf").status_code == 404
    assert organizer.get("/organizer/packs/ourcommons:1.doc").status_code == 404
    assert organizer.get("/organizer/packs/moon-senate.zip").status_code == 404


def test_body_zip_holds_a_pdf_per_filled_seat(seeded: Flask, organizer: FlaskClient) -> None:
    response = organizer.get("/organizer/packs/us-house.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = sorted(archive.namelist())
    assert names == ["bioguide-A000001.pdf", "bioguide-T000010.pdf", "bioguide-T000012.pdf"]
    text = " ".join(_pdf_text(archive.read("bioguide-T000012.pdf")).split())
    assert "9 of your constituents" in text
    at_large = " ".join(_pdf_text(archive.read("bioguide-A000001.pdf")).split())
    assert "7 of your constituents" in at_large and "Alaska" in at_large
    entry = _audit(seeded)[-1]
    assert (entry.action, entry.rows) == ("export.packs", 3)


def _post_response(client: FlaskClient, rep_id: str, **fields: str) -> Any:
    path = f"/organizer/representatives/{rep_id}/response"
    data = {"csrf_token": csrf_token(client, path), "position": "supports", **fields}
    return client.post(path, data=data)


def test_response_needs_csrf(organizer: FlaskClient) -> None:
    response = organizer.post("/organizer/representatives/ourcommons:1/response",
                              data={"position": "supports"})  # fmt: skip
    assert response.status_code == 400


def test_response_refuses_a_javascript_link(organizer: FlaskClient) -> None:
    response = _post_response(organizer, "ourcommons:1", source_url="javascript:alert(1)")
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)


def test_record_and_change_a_response_is_audited(seeded: Flask, organizer: FlaskClient) -> None:
    first = _post_response(organizer, "ourcommons:1", responded_on="2026-11-21",
                           quote="I support it.", source_url="https://example.org/a")  # fmt: skip
    assert first.status_code == 303
    _post_response(
        organizer, "ourcommons:1", position="partly", quote="Some of it.", responded_on=""
    )
    with seeded.app_context():
        rows = list(get_session().scalars(select(RepresentativeResponse)))
    assert [(r.representative_id, r.position.value, r.quote) for r in rows] == [
        ("ourcommons:1", "partly", "Some of it.")
    ]
    details = [e.detail for e in _audit(seeded) if e.action == "response.record"]
    assert details == [
        "ourcommons:1: none → supports (2026-11-21)",
        "ourcommons:1: supports → partly",
    ]
    page = organizer.get("/organizer/representatives?body=ca-commons").get_data(as_text=True)
    assert "Supports some of the demands" in page


def test_public_page_escapes_everything(seeded: Flask, organizer: FlaskClient) -> None:
    _post_response(organizer, "ourcommons:1", quote='<script>alert("q")</script>',
                   source_url='https://example.org/"><script>x</script>')  # fmt: skip
    page = organizer.get("/campaigns/artsakh/representatives").get_data(as_text=True)
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;q&#34;)&lt;/script&gt;" in page
    assert "Olivia &lt;b&gt;Ottawa&lt;/b&gt;" in page
    assert re.search(r'<a href="https://example.org/&#34;&gt;&lt;script&gt;x&lt;/script&gt;" '
                     r'rel="nofollow noopener">Source</a>', page)  # fmt: skip
    assert "1 asked, 1 answered." in page


def test_public_page_lists_asked_but_not_answered(organizer: FlaskClient) -> None:
    _post_response(organizer, "ep:1", position="no_reply")
    page = organizer.get("/campaigns/artsakh/representatives").get_data(as_text=True)
    assert "European Parliament: Ireland" in page
    assert "Asked, no reply yet" in page
    assert "1 asked, 0 answered." in page
    assert organizer.get("/campaigns/nope/representatives").status_code == 404


def test_public_page_without_responses(seeded: Flask, client: FlaskClient) -> None:
    page = client.get("/campaigns/artsakh/representatives").get_data(as_text=True)
    assert "We have not recorded any representative's answer yet." in page


def test_lookup_shows_the_recorded_position(organizer: FlaskClient) -> None:
    _post_response(organizer, "ourcommons:1", position="opposes")
    page = organizer.get("/representatives?country=CA&postal_code=K1P+1J1").get_data(as_text=True)
    assert "Position on this campaign: <strong>Opposes the demands</strong>" in page


def test_a_recorded_response_shows_on_the_lookup_page_at_once(
    seeded: Flask, organizer: FlaskClient
) -> None:
    """With the shipped count interval, the lookup page and its positions are kept in
    memory; recording a response shows at once, and the positions are read once."""
    from sqlalchemy import event

    from petition.config import DEFAULTS
    from petition.db import get_engine

    seeded.config["COUNTS_CACHE_SECONDS"] = DEFAULTS["COUNTS_CACHE_SECONDS"]
    page = "/representatives?country=CA&postal_code=K1P+1J1"
    reads: list[str] = []
    event.listen(get_engine(seeded), "before_cursor_execute",
                 lambda *args: reads.append(args[2]) if "representative_responses" in args[2]
                 else None)  # fmt: skip
    visitor = seeded.test_client()
    for _ in range(2):
        shown = visitor.get(page).get_data(as_text=True)
        assert "Ottawa Centre" in shown and "Supports the demands" not in shown
    assert len(reads) == 1  # the campaign's positions, once for the count interval
    assert _post_response(organizer, "ourcommons:1").status_code == 303
    assert "Supports the demands" in visitor.get(page).get_data(as_text=True)
