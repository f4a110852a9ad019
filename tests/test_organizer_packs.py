"""Delivery packs: postal areas, small-count rules, the ZIP stream and the PDF."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import date

from pypdf import PdfReader

from petition.organizer.constituents import Constituency, RepCount
from petition.organizer.packs import (
    MAX_AREAS,
    area_length,
    areas_within,
    build_pack,
    iter_zip,
    render_pdf,
    responses_url,
)
from petition.refindex import Rep

TODAY = date(2026, 12, 1)
REP = Rep(id="ourcommons:1", country="CA", body="ca-commons", region="ON", district_id="35075",
          district_name="Ottawa Centre", name="Olivia", address_as="MP", party="", group="",
          email="", contact_url="", website="", phone="", address="", photo_url="", vacant=False,
          note="", source="test", source_date=TODAY)  # fmt: skip


def _count(signatures: int) -> RepCount:
    area = Constituency("CA", "ON", "35075")
    return RepCount(REP, area, signatures, unplaced=0, letters={}, quorum=None)


def test_area_lengths() -> None:
    assert (area_length("CA"), area_length("US"), area_length("IE"), area_length("FR")) == (
        3,
        5,
        3,
        2,
    )


def test_areas_within_a_constituency() -> None:
    rows = {("ON", "35075", "K1P"): 4, ("ON", "35001", "L1S"): 3, ("ON", "", "K2P"): 2,
            ("QC", "24001", "H2X"): 9}  # fmt: skip
    assert areas_within(rows, Constituency("CA", "ON", "35075")) == Counter({"K1P": 4})
    assert areas_within(rows, Constituency("CA", "ON")) == Counter({"K1P": 4, "L1S": 3, "K2P": 2})
    assert sum(areas_within(rows, Constituency("CA")).values()) == 18


def test_build_pack_publishes_only_large_enough_counts() -> None:
    pack = build_pack(_count(4), Counter({"K1P": 3, "K1A": 1}), 5, TODAY)
    assert pack.signatures is None
    assert pack.areas == [] and pack.areas_hidden == 4
    pack = build_pack(_count(17), Counter({"K1P": 9, "K1A": 5, "K1B": 3}), 5, TODAY)
    assert pack.signatures == 17
    assert pack.areas == [("K1P", 9), ("K1A", 5)] and pack.areas_hidden == 3
    assert pack.file_stem == "ourcommons-1"


def test_build_pack_sums_the_smallest_areas_past_the_list() -> None:
    areas = Counter({f"A{n:02}": 100 - n for n in range(MAX_AREAS + 3)})
    pack = build_pack(_count(5000), areas, 5, TODAY)
    assert len(pack.areas) == MAX_AREAS and pack.areas[0] == ("A00", 100)
    assert pack.areas_other == (100 - MAX_AREAS) + (99 - MAX_AREAS) + (98 - MAX_AREAS)


def test_iter_zip_streams_a_valid_archive() -> None:
    chunks = list(iter_zip([("a.pdf", b"%PDF-a"), ("b.pdf", b"%PDF-b" * 1000)]))
    assert len(chunks) == 3  # one per file, then the central directory
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == ["a.pdf", "b.pdf"]
    assert archive.read("b.pdf") == b"%PDF-b" * 1000
    assert archive.testzip() is None


def test_render_pdf_fetches_nothing() -> None:
    html = (
        '<p>412 signed</p><img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="/x.css">'
    )
    pdf = render_pdf(html, "p { color: #123456; }")
    assert "412 signed" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_responses_url() -> None:
    assert responses_url("https://p.example/", "artsakh") == (
        "https://p.example/campaigns/artsakh/representatives"
    )
