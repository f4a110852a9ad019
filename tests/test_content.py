"""Campaign files: the shipped campaign loads; malformed files stop start-up clearly."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from petition import create_app
from petition.content import CampaignFileError, load_campaigns, split_paragraphs

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
    assert app.extensions["petition.letters"]["us-senate"].signoff.startswith("With respect, ")
