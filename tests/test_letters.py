"""Composing letters and building their links (pure functions)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from petition.content import load_campaigns, load_letter_templates
from petition.letters import (
    MAILTO_LIMIT,
    Writer,
    compose_letter,
    default_letter_language,
    last_name,
    mailto_url,
    single_line,
    webmail_urls,
)
from petition.refindex import Rep

DATA = Path(__file__).resolve().parent.parent / "data"
ALL_TEMPLATES = load_letter_templates(DATA)
TEMPLATES = {body: langs["en"] for body, langs in ALL_TEMPLATES.items()}
DEMANDS = load_campaigns(DATA)["artsakh"].demands
WRITER = Writer(
    name="Ani Hakobyan",
    email="ani@example.org",
    address="12 Main St\nApt 3",
    city="Springfield",
    postal_code="62701",
)


def rep(body: str, name: str, address_as: str, **extra: str) -> Rep:
    values = dict(
        id="x:1",
        country="US",
        body=body,
        region="IL",
        district_id="IL-13",
        district_name="Illinois's 13th congressional district",
        name=name,
        address_as=address_as,
        party="",
        group="",
        email="rep@example.gov",
        contact_url="",
        website="",
        phone="",
        address="",
        photo_url="",
        vacant=False,
        note="",
        source="fixture",
        source_date=date(2026, 6, 15),
    )
    values.update(extra)
    return Rep(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("body", "name", "address_as", "salutation"),
    [
        ("us-house", "Nikki Budzinski", "Representative", "Dear Representative Budzinski,"),
        ("us-house", "Eleanor Holmes Norton", "Delegate", "Dear Delegate Norton,"),
        (
            "us-house",
            "Pablo José Hernández",
            "Resident Commissioner",
            "Dear Resident Commissioner Hernández,",
        ),
        ("us-senate", "Tammy Duckworth", "Senator", "Dear Senator Duckworth,"),
        ("us-senate", "Nicholas J. Begich III", "Senator", "Dear Senator Begich,"),
        ("ca-commons", "Lori Idlout", "MP", "Dear Lori Idlout,"),
        ("eu-parliament", "Alexander Bernhuber", "MEP", "Dear Alexander Bernhuber,"),
    ],
)
def test_each_body_salutation_and_template(body, name, address_as, salutation) -> None:
    letter = compose_letter(TEMPLATES[body], rep(body, name, address_as), WRITER, DEMANDS)
    lines = letter.body.splitlines()
    assert lines[0] == salutation
    assert "Springfield" in letter.body  # the writer says where they live
    assert "{" not in letter.body and "{" not in letter.subject
    for demand in DEMANDS:  # one paragraph per demand, in the body's own words
        assert f"\n\n{TEMPLATES[body].demands[demand.id]}\n\n" in letter.body
    assert letter.body.rstrip().endswith(
        "Ani Hakobyan\n12 Main St\nApt 3\nSpringfield 62701\nani@example.org"
    )
    assert letter.to == "rep@example.gov" and "\n" not in letter.subject


def test_every_body_has_a_template_for_every_demand() -> None:
    assert set(TEMPLATES) == {"us-house", "us-senate", "ca-commons", "eu-parliament"}
    for template in TEMPLATES.values():
        assert set(template.demands) == {d.id for d in DEMANDS}


def test_demand_selection_and_personal_sentence() -> None:
    chosen = [d for d in DEMANDS if d.id in (2, 5)]
    letter = compose_letter(
        TEMPLATES["ca-commons"],
        rep("ca-commons", "Lori Idlout", "MP"),
        WRITER,
        chosen,
        personal="My grandmother was born in Shushi.",
    )
    texts = TEMPLATES["ca-commons"].demands
    kept = [i for i in texts if f"\n\n{texts[i]}\n\n" in letter.body]
    assert kept == [2, 5]
    assert "\n\nMy grandmother was born in Shushi.\n\n" in letter.body
    none = compose_letter(
        TEMPLATES["ca-commons"], rep("ca-commons", "Lori Idlout", "MP"), WRITER, []
    )
    assert TEMPLATES["ca-commons"].demands_intro not in none.body


def test_every_language_composes_a_complete_letter() -> None:
    writer = Writer(name="Ani Hakobyan", city="Lyon")
    for body, langs in ALL_TEMPLATES.items():
        person = rep(body, "Nathalie Loiseau", "MEP", district_name="France")
        for lang, template in langs.items():
            letter = compose_letter(template, person, writer, DEMANDS, personal="Mon grand-père.")
            assert "{" not in letter.body and "Lyon" in letter.body, (body, lang)
            assert "Loiseau" in letter.body and "Mon grand-père." in letter.body
            assert letter.body.rstrip().endswith("Ani Hakobyan\nLyon")
            for demand in DEMANDS:
                assert template.demands[demand.id] in letter.body


@pytest.mark.parametrize(
    ("body", "country", "region", "district", "preferred", "expected"),
    [
        ("ca-commons", "CA", "QC", "24018", [], "fr"),  # a Québec riding
        ("ca-commons", "CA", "ON", "35075", ["fr", "en"], "fr"),  # a French-speaking writer
        ("ca-commons", "CA", "ON", "35075", ["en"], "en"),
        ("ca-commons", "CA", "ON", "35075", ["de"], "en"),  # no German letter for MPs
        ("eu-parliament", "AT", "AT", "", ["en"], "de"),  # the member state's language
        ("eu-parliament", "GR", "GR", "", [], "el"),
        ("eu-parliament", "BE", "BE", "BE-FR", ["nl"], "fr"),  # Belgium: the MEP's college
        ("eu-parliament", "BE", "BE", "BE-NL", [], "nl"),
        ("eu-parliament", "LU", "LU", "", ["de", "fr"], "de"),  # the writer's, among the state's
        ("eu-parliament", "SE", "SE", "", ["sv", "fr"], "fr"),  # no Swedish letter
        ("eu-parliament", "SE", "SE", "", [], "en"),
        ("us-senate", "US", "GA", "", ["es"], "en"),
    ],
)
def test_default_letter_language(body, country, region, district, preferred, expected) -> None:
    person = rep(body, "A B", "X", country=country, region=region, district_id=district)
    assert default_letter_language(person, sorted(ALL_TEMPLATES[body]), preferred) == expected


def test_place_falls_back_to_postal_code() -> None:
    writer = Writer(name="A", postal_code="K1A 0B1")
    letter = compose_letter(TEMPLATES["ca-commons"], rep("ca-commons", "X Y", "MP"), writer, [])
    assert "K1A 0B1" in letter.body.split("\n\n")[1]


@pytest.mark.parametrize(
    ("name", "expected"),
    [('Robert C. "Bobby" Scott', "Scott"), ("Atty Large, Jr.", "Large"), ("Cher", "Cher")],
)
def test_last_name(name: str, expected: str) -> None:
    assert last_name(name) == expected


NASTY = "Hi\r\nBcc: victim@example.org\n%0A & ? # = cc=evil@example.org"


def decode_mailto(url: str) -> tuple[str, dict[str, list[str]]]:
    parts = urlsplit(url)
    assert parts.scheme == "mailto"
    return unquote(parts.path), parse_qs(parts.query, keep_blank_values=True)


def test_mailto_round_trips_exactly_and_injects_nothing() -> None:
    body = f"Line one\n{NASTY}\nLast line é 🇦🇲"
    url = mailto_url("rep@example.gov", f"Subject {NASTY}", body)
    to, query = decode_mailto(url)
    assert to == "rep@example.gov"
    assert set(query) == {"subject", "body"}  # no cc, bcc or other header slipped in
    assert query["subject"] == [single_line(f"Subject {NASTY}")]
    assert query["body"] == [body.replace("\r\n", "\n").replace("\n", "\r\n")]
    assert "\n" not in url and "\r" not in url and " " not in url
    assert "&cc=" not in url and "%0A & ?" not in url


def test_webmail_links_round_trip() -> None:
    body = f"Dear MEP,\n\n{NASTY}"
    links = webmail_urls("mep@europarl.europa.eu", NASTY, body)
    gmail = parse_qs(urlsplit(links["gmail"]).query)
    assert links["gmail"].startswith("https://mail.google.com/mail/?")
    assert gmail == {
        "view": ["cm"],
        "fs": ["1"],
        "to": ["mep@europarl.europa.eu"],
        "su": [single_line(NASTY)],
        "body": [body],
    }
    outlook = parse_qs(urlsplit(links["outlook"]).query)
    assert links["outlook"].startswith("https://outlook.live.com/mail/0/deeplink/compose?")
    assert outlook == {
        "to": ["mep@europarl.europa.eu"],
        "subject": [single_line(NASTY)],
        "body": [body],
    }


# A writer whose details are long: the default letter must still fit a mailto link.
LONG_WRITER = Writer(
    name="Alexandra Papadopoulou-Hakobyan",
    email="alexandra.papadopoulou-hakobyan@example.org",
    city="Saint-Jean-sur-Richelieu",
    postal_code="J3B 1A1",
)


# Greek letters percent-encode every letter to six characters: no real letter fits a mailto
# link, so for them the composer offers webmail and copying (README, "Letters").
NO_MAILTO_LANGUAGES = {"el"}


def test_default_letter_fits_a_mailto_link_for_every_representative() -> None:
    """With every demand kept, each body's letter opens in a mail program unedited, in
    every language we write it in (English with room for a P.S.)."""
    longest: dict[tuple[str, str], int] = {}
    with (DATA / "representatives.csv").open(encoding="utf-8", newline="") as table:
        rows = [row for row in csv.DictReader(table) if row["vacant"] == "0"]
    for row in rows:
        # US members publish web forms, not addresses: measure with an address as long
        # as the longest real ones, in case a campaign or a later source adds one.
        email = row["email"] or "firstname.longlastname.office@mail.house.gov"
        person = rep(row["body"], row["name"], row["address_as"], email=email,
                     district_name=row["district_name"], region=row["region"])  # fmt: skip
        for lang, template in ALL_TEMPLATES[person.body].items():
            letter = compose_letter(template, person, LONG_WRITER, DEMANDS)
            size = len(mailto_url(person.email, letter.subject, letter.body))
            longest[person.body, lang] = max(size, longest.get((person.body, lang), 0))
    assert {body for body, _lang in longest} == set(ALL_TEMPLATES)
    english = {key: size for key, size in longest.items() if key[1] == "en"}
    assert max(english.values()) <= MAILTO_LIMIT - 200, english
    others = {k: n for k, n in longest.items() if k[1] not in NO_MAILTO_LANGUAGES | {"en"}}
    assert max(others.values()) <= MAILTO_LIMIT, others


def test_long_letter_is_over_the_mailto_limit_and_short_one_is_not() -> None:
    letter = compose_letter(
        TEMPLATES["eu-parliament"], rep("eu-parliament", "A B", "MEP"), WRITER, DEMANDS,
        personal="My family is from Stepanakert. " * 30,
    )  # fmt: skip
    assert len(mailto_url("a@b.eu", letter.subject, letter.body)) > MAILTO_LIMIT
    assert len(mailto_url("a@b.eu", "Hi", "Short letter.")) < MAILTO_LIMIT


def test_writer_text_is_never_a_template() -> None:
    writer = Writer(name="{name} {__class__}", city='=HYPERLINK("http://x")')
    letter = compose_letter(
        TEMPLATES["us-senate"],
        rep("us-senate", "Tammy Duckworth", "Senator"),
        writer,
        [],
        personal="{last_name} <script>",
    )
    assert "{name} {__class__}" in letter.body and "{last_name} <script>" in letter.body
    assert '=HYPERLINK("http://x")' in letter.body
