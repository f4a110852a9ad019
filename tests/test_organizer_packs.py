"""Delivery packs: postal areas, small-count rules, the ZIP stream and the PDF."""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from datetime import date

import pytest
from flask import Flask
from pypdf import PdfReader

from petition.organizer import packs
from petition.organizer.constituents import Constituency, RepCount
from petition.organizer.packs import (
    MAX_AREAS,
    NAMES_PER_PARAGRAPH,
    PackCounter,
    area_length,
    areas_within,
    build_pack,
    iter_zip,
    names_within,
    render_pack_html,
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


NAME_ROWS = {("ON", "35075"): [("zoë Z", 1), ("Ani B", 2)], ("ON", "35001"): [("Aram A", 3)],
             ("ON", ""): [("Split S", 4)], ("QC", "24001"): [("Nairi N", 5)]}  # fmt: skip


def test_names_within_follow_the_placement_rules_in_alphabetical_order() -> None:
    assert names_within(NAME_ROWS, Constituency("CA", "ON", "35075")) == [
        ("Ani B", 2),
        ("zoë Z", 1),
    ]
    province = names_within(NAME_ROWS, Constituency("CA", "ON"))
    assert [name for name, _id in province] == ["Ani B", "Aram A", "Split S", "zoë Z"]
    assert len(names_within(NAME_ROWS, Constituency("CA"))) == 5


def test_build_pack_without_names_allowed_names_nobody() -> None:
    pack = build_pack(_count(17), Counter({"K1P": 17}), 5, TODAY)
    assert pack.names is None and pack.names_total == 0 and pack.name_paragraphs() == []


def test_build_pack_caps_the_names_and_says_so(monkeypatch: pytest.MonkeyPatch, app: Flask) -> None:
    monkeypatch.setattr(packs, "MAX_NAMES", 3)
    named = [(f"Name {n}", n) for n in range(5)]
    pack = build_pack(_count(17), Counter({"K1P": 17}), 5, TODAY, named)
    assert pack.names == ("Name 0", "Name 1", "Name 2") and pack.names_left_out == 2
    assert pack.named_ids == {0, 1, 2} and pack.names_total == 5
    with app.app_context():
        content = app.extensions["petition.campaigns"]["artsakh"]
        html = render_pack_html(pack, content, responses_url="x", stylesheet_url=None)
    html = html.replace("\xa0", " ")
    assert "5 of them asked us to give you their names" in html
    assert "Name 0 · Name 1 · Name 2</p>" in html
    assert "it lists the first 3 names in alphabetical order: 2 more constituents" in html


def test_name_paragraphs_keep_each_name_whole() -> None:
    named = [(f"First Last{n}", n) for n in range(NAMES_PER_PARAGRAPH + 1)]
    pack = build_pack(_count(500), Counter(), 5, TODAY, named)
    first, last = pack.name_paragraphs()
    assert first.startswith("First\xa0Last0\xa0· First\xa0Last1") and first.endswith("\xa0·")
    assert last == f"First\xa0Last{NAMES_PER_PARAGRAPH}"


def test_pack_counter_counts_distinct_signers_for_the_audit() -> None:
    named = [("A", 1), ("B", 2)]
    counter = PackCounter([build_pack(_count(9), Counter(), 5, TODAY, named),
                           build_pack(_count(9), Counter(), 5, TODAY, named[:1])])  # fmt: skip
    assert len(list(counter)) == 2 and counter.rows == 2
    assert counter.names_note() == "; names of 2 consenting signers included, 3 listings in all"
    plain = PackCounter([build_pack(_count(9), Counter(), 5, TODAY)])
    assert len(list(plain)) == 1 and plain.names_note() == ""
