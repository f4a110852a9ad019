"""Campaign files: the shipped campaign loads; malformed files stop start-up clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from petition import create_app
from petition.content import (
    CampaignContent,
    CampaignFileError,
    check_translation,
    load_campaign_translations,
    load_campaigns,
    load_letter_templates,
    split_paragraphs,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def test_shipped_campaign_loads() -> None:
    content = load_campaigns(DATA)["artsakh"]
    assert [d.id for d in content.demands] == [1, 2, 3, 4, 5, 6]
    assert len(content.faq) == 10 and content.goal > 0
    assert content.situation and content.privacy and content.petition_text
    assert content.short_title == "Stand with Artsakh" and content.share_text.startswith("I signed")
    assert content.emblem == "emblem.svg" and content.emblem_alt and content.about
    # The emblem the file names ships in static/.
    assert (DATA.parent / "static" / content.emblem).is_file()
    assert content.quorum == {"us-house": 100, "us-senate": 500, "ca-commons": 100,
                              "eu-parliament": 500}  # fmt: skip
    assert content.pack_names is True  # a campaign that delivers to parliamentarians


def test_packs_name_nobody_unless_the_file_says_so(tmp_path: Path) -> None:
    shipped, _warnings = load_campaign_translations(DATA, load_campaigns(DATA))
    assert shipped["artsakh"]["hy"].pack_names is True  # the setting is not a text
    path = copy_data(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("[packs]\nnames = true\n", ""),
                    encoding="utf-8")  # fmt: skip
    assert load_campaigns(tmp_path)["artsakh"].pack_names is False
    translations, _warnings = load_campaign_translations(tmp_path, load_campaigns(tmp_path))
    assert translations["artsakh"]["fr"].pack_names is False


def test_split_paragraphs() -> None:
    assert split_paragraphs("one\nline\n\n\n two ") == ("one line", "two")


def copy_data(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "campaigns", tmp_path / "campaigns")
    return tmp_path / "campaigns" / "artsakh.toml"


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.replace('slug = "artsakh"', 'slug = "artsakh'), "line 4"),
        (lambda s: s.replace("goal = 100000", 'goal = "many"'), "'goal' must be a int"),
        (lambda s: s.replace("goal = 100000", "goal = 0"), "'goal' must be a positive"),
        (lambda s: s.replace("[situation]", "[elsewhere]"), "missing key 'situation'"),
        (lambda s: s.replace("id = 2\n", "id = 1\n", 1), "different id"),
        (lambda s: s.replace('title = "', 'title = "" #', 1), "'title' must not be empty"),
        (lambda s: s.replace('short_title = "', 'short_title = "' + "x" * 40), "at most 40"),
        (lambda s: s.replace('share_text = "', 'share_text = "' + "x" * 200), "at most 200"),
        (lambda s: s.replace('image = "emblem.svg"', 'image = "../x.svg"'), "under static/"),
        (lambda s: s.replace("[about]", "[aboot]"), "missing key 'about'"),
        (lambda s: s.replace('alt = "Emblem', 'alt = "" #'), "'alt' must not be empty"),
        (lambda s: s.replace("us-house = 100", "us-house = 0"), "'us-house' must be a positive"),
        (lambda s: s.replace("us-senate = 500", "moon = 5"), "[quorum]: 'moon' is not one of"),
        (lambda s: "quorum = 5\n" + s.replace("[quorum]", "[x]"), "[quorum]: must be a table"),
        (lambda s: s.replace("names = true", 'names = "yes"'), "'names' must be true or false"),
        (lambda s: s.replace("names = true", "name = true"), "[packs]: unknown key 'name'"),
    ],
)
def test_malformed_file_names_file_and_problem(tmp_path: Path, edit, problem: str) -> None:
    path = copy_data(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(CampaignFileError) as info:
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    assert str(path) in str(info.value) and problem in str(info.value)


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    with pytest.raises(CampaignFileError, match="No campaign file"):
        load_campaigns(tmp_path)


def test_editing_the_file_changes_the_page(tmp_path: Path) -> None:
    path = copy_data(tmp_path)
    path.write_text(path.read_text().replace("goal = 100000", "goal = 2500"))
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    from petition.db import Base, get_engine

    Base.metadata.create_all(get_engine(app))
    assert "towards 2,500 signatures" in app.test_client().get("/").get_data(as_text=True)


def copy_letters(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "campaigns", tmp_path / "campaigns")
    shutil.copytree(DATA / "letters", tmp_path / "letters")
    return tmp_path / "letters" / "us-senate.toml"


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.replace("{last_name}", "{lastname}", 1), "unknown placeholder {lastname}"),
        (lambda s: s.replace("{last_name}", "{last_name", 1), "expected '}'"),
        (lambda s: s.replace('body = "us-senate"', 'body = "senate"'), "'body' must be one of"),
        (lambda s: s.replace("[demands]", "[demandz]"), "missing key 'demands'"),
    ],
)
def test_malformed_letter_file_names_file_and_problem(tmp_path: Path, edit, problem) -> None:
    path = copy_letters(tmp_path)
    path.write_text(edit(path.read_text()))
    with pytest.raises(CampaignFileError) as info:
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    assert str(path) in str(info.value) and problem in str(info.value)


def test_editing_a_letter_file_changes_the_letter(tmp_path: Path) -> None:
    path = copy_letters(tmp_path)
    path.write_text(path.read_text().replace('signoff = "', 'signoff = "With respect, ', 1))
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    senate = app.extensions["petition.letters"]["us-senate"]["en"]
    assert senate.signoff.startswith("With respect, ")


def test_every_translation_keeps_the_english_demands_and_placeholders() -> None:
    """Start-up checks it too; this test names every shipped letter and language."""
    templates = load_letter_templates(DATA)
    assert {body: sorted(langs) for body, langs in templates.items()} == {
        "ca-commons": ["en", "fr"],
        "eu-parliament": ["de", "el", "en", "es", "fr", "it", "nl", "pl"],
        "us-house": ["en"],
        "us-senate": ["en"],
    }
    for langs in templates.values():
        for template in langs.values():
            check_translation(langs["en"], template)
            assert template.locale.startswith(template.lang)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.replace("{place}", "ici", 1), "the English letter uses {place}; keep it"),
        (lambda s: s.replace('"6" = ', '"7" = ', 1), "must have the ids of the English letter"),
        (lambda s: s.replace('"fr"', '"de"').replace("fr_CA", "de_CA"), "the file name says 'fr'"),
        (lambda s: s.replace('locale = "fr_CA"', 'locale = "en_CA"'), "'locale' must be a"),
    ],
)
def test_malformed_translation_names_file_and_problem(tmp_path: Path, edit, problem) -> None:
    copy_letters(tmp_path)
    path = tmp_path / "letters" / "ca-commons.fr.toml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(CampaignFileError) as info:
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    assert str(path) in str(info.value) and problem in str(info.value)


def test_translation_without_its_english_letter_is_refused(tmp_path: Path) -> None:
    copy_letters(tmp_path)
    (tmp_path / "letters" / "ca-commons.toml").unlink()
    with pytest.raises(CampaignFileError, match="no English letter ca-commons.toml"):
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})


def test_campaign_translations_fall_back_field_by_field(tmp_path: Path, caplog) -> None:
    copy_letters(tmp_path)
    french = tmp_path / "campaigns" / "artsakh.fr.toml"
    text = french.read_text()
    start = text.index('[[faq]]\nid = "if-nobody-acts"')
    french.write_text(text[:start])  # the last question is not translated
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    content = app.extensions["petition.campaign_translations"]["artsakh"]["fr"]
    english = app.extensions["petition.campaigns"]["artsakh"]
    assert content.language == "fr" and content.title.startswith("Solidarité avec l'Artsakh")
    assert content.demands[0].title == "Un statut durable fondé sur l'autodétermination"
    assert content.faq[-1] == english.faq[-1]  # English, until someone translates it
    assert content.goal == english.goal and content.slug == "artsakh"
    assert "artsakh.fr.toml: no 'fr' text for faq[if-nobody-acts].question, " in caplog.text


def campaign_texts(content: CampaignContent) -> dict[str, str]:
    """Every text of a campaign a translation gives, by field (names and addresses aside)."""
    texts = {f"demand {d.id}": " ".join((d.title, *d.paragraphs)) for d in content.demands}
    texts |= {f"faq {q.id}": " ".join((q.question, *q.paragraphs)) for q in content.faq}
    for name, value in vars(content).items():
        if name in {"slug", "language", "contact_email", "report_mistake_url", "emblem"}:
            continue
        if isinstance(value, str):
            texts[name] = value
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            texts[name] = " ".join(value)
    return texts


def test_shipped_translations_cover_every_field() -> None:
    """`make test` fails when the French or Armenian campaign text misses a field."""
    campaigns = load_campaigns(DATA)
    translations, gaps = load_campaign_translations(DATA, campaigns)
    assert sorted(translations["artsakh"]) == ["fr", "hy"]
    assert gaps == []  # the start-up warning names no field
    english = campaign_texts(campaigns["artsakh"])
    assert {"privacy", "privacy_heading", "share_text", "demand 6", "faq if-nobody-acts"} <= set(
        english
    )
    for lang, content in translations["artsakh"].items():
        texts = campaign_texts(content)
        assert texts.keys() == english.keys()
        # Written in the language, not the English pasted in.
        assert [f for f in texts if texts[f] == english[f]] == [], lang
    armenian = translations["artsakh"]["hy"]
    assert armenian.faq[0].question == "Ի՞նչ է կատարվում այսօր"
    assert [d.id for d in armenian.demands] == [d.id for d in campaigns["artsakh"].demands]
    in_armenian_script = [any("\u0531" <= ch <= "\u058f" for ch in text)
                          for text in campaign_texts(armenian).values()]  # fmt: skip
    assert all(in_armenian_script)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda s: s.replace('slug = "artsakh"', 'slug = "other"'), "'slug' and 'language'"),
        (lambda s: s.replace("id = 6", "id = 7"), "id '7' is not in the English file"),
        (lambda s: s + '\nslogan = "Vive"\n', "'slogan' is not in the English file"),
    ],
)
def test_malformed_campaign_translation_names_file_and_problem(tmp_path, edit, problem) -> None:
    copy_letters(tmp_path)
    path = tmp_path / "campaigns" / "artsakh.hy.toml"
    path.write_text(edit(path.read_text()))
    with pytest.raises(CampaignFileError) as info:
        create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "k", "DATA_DIR": str(tmp_path)})
    assert str(path) in str(info.value) and problem in str(info.value)
