"""Mistake reports reach the organizers: listed, marked as handled, exported."""

from __future__ import annotations

from sqlalchemy import select

from petition.db import get_session
from petition.models import AuditEntry, DataReport
from tests.conftest import csrf_token


def report(client, **fields) -> None:
    data = {"csrf_token": csrf_token(client, "/representatives/report"), **fields}
    assert client.post("/representatives/report", data=data).status_code == 303


def test_reports_listed_newest_first_handled_and_exported(app, client, auth) -> None:
    report(client, message="This MP retired.", country="CA", postal_code="K1A 0B1",
           representative="ourcommons:111116")  # fmt: skip
    report(client, message="=HYPERLINK(\"http://evil.test\")", country="US",
           postal_code="10001", email="me@example.org")  # fmt: skip
    assert client.get("/organizer/").status_code == 302  # organizers only
    auth.login()
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Mistake reports (2 open)" in page
    assert page.index("10001") < page.index("This MP retired.")  # newest first
    assert "ourcommons:111116" in page and "K1A 0B1" in page and "me@example.org" in page

    token = csrf_token(client, "/organizer/")
    with app.app_context():
        first = get_session().scalars(select(DataReport).order_by(DataReport.id)).first()
        first_id = first.id
    done = client.post(f"/organizer/reports/{first_id}/handled", data={"csrf_token": token})
    assert done.status_code == 303
    page = client.get("/organizer/").get_data(as_text=True)
    assert "Mistake reports (1 open)" in page and "Recently handled (1)" in page
    again = client.post(f"/organizer/reports/{first_id}/handled", data={"csrf_token": token})
    assert again.status_code == 303  # harmless
    with app.app_context():
        audit = get_session().scalars(select(AuditEntry.action)).all()
    assert audit.count("report.handled") == 1

    export = client.get("/organizer/exports/reports.csv")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("id,received,country,postal_code,representative_id,message")
    assert len(lines) == 3 and "10001" in lines[1] and "K1A 0B1" in lines[2]
    assert "'=HYPERLINK" in lines[1]  # a formula is never run by a spreadsheet
    with app.app_context():
        assert "export.reports" in get_session().scalars(select(AuditEntry.action)).all()


def test_marking_needs_the_form_and_a_real_report(client, auth) -> None:
    auth.login()
    token = csrf_token(client, "/organizer/")
    assert client.post("/organizer/reports/1/handled", data={}).status_code == 400
    assert (
        client.post("/organizer/reports/1/handled", data={"csrf_token": token}).status_code == 404
    )
    huge = client.post(
        "/organizer/reports/99999999999999999999/handled", data={"csrf_token": token}
    )
    assert huge.status_code == 404
