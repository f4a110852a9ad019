"""`flask packs build`: a body's delivery packs written to a folder, and audited."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from pypdf import PdfReader
from sqlalchemy import select

from petition.db import get_session
from petition.models import AuditEntry
from tests.seats import add_seats, add_signatures


def _seed(app: Flask) -> None:
    with app.app_context():
        add_seats(get_session())
        add_signatures(get_session())
        get_session().commit()


def test_build_writes_one_pdf_per_seat(app: Flask, tmp_path: Path) -> None:
    _seed(app)
    out = tmp_path / "packs"
    result = app.test_cli_runner().invoke(
        args=["packs", "build", "--body", "ca-commons", "--output", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["ourcommons-1.pdf", "ourcommons-2.pdf"]
    text = " ".join(PdfReader(out / "ourcommons-1.pdf").pages[0].extract_text().split())
    assert "12 of your constituents" in text
    assert "Wrote 2 packs" in result.output
    with app.app_context():
        entry = get_session().scalars(select(AuditEntry)).one()
    assert (entry.action, entry.rows) == ("export.packs", 2)
    assert entry.organizer_email.startswith("cli:")


def test_build_html_brings_its_stylesheet(app: Flask, tmp_path: Path) -> None:
    _seed(app)
    result = app.test_cli_runner().invoke(
        args=[
            "packs",
            "build",
            "--body",
            "eu-parliament",
            "--output",
            str(tmp_path),
            "--format",
            "html",
        ]  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep-1.html", "ep-2.html", "pack.css"]
    page = (tmp_path / "ep-2.html").read_text(encoding="utf-8")
    assert "9 of your constituents" in page and 'href="pack.css"' in page


def test_build_refuses_an_unknown_body(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=["packs", "build", "--body", "moon", "--output", str(tmp_path)]
    )
    assert result.exit_code == 2
