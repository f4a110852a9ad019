"""Settings: defaults, PETITION_* overrides, development key, production refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from petition import create_app
from petition.config import SETTINGS, ConfigError, markdown_table

ROOT = Path(__file__).resolve().parent.parent


def test_environment_overrides_defaults(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("PETITION_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("PETITION_COUNT_PENDING", "true")
    monkeypatch.setenv("PETITION_TOKEN_TTL_DAYS", "3")
    monkeypatch.setenv("PETITION_BASE_URL", "https://sign.example.org/")
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"].endswith("x.db")
    assert app.config["COUNT_PENDING"] is True and app.config["TOKEN_TTL_DAYS"] == 3
    assert app.config["BASE_URL"] == "https://sign.example.org"


def test_default_database_is_sqlite_in_instance(monkeypatch) -> None:
    monkeypatch.delenv("PETITION_DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "k"})
    assert app.config["DATABASE_URL"] == f"sqlite:///{Path(app.instance_path) / 'petition.db'}"


def test_development_secret_key_is_kept(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("PETITION_SECRET_KEY", raising=False)
    monkeypatch.setattr("flask.Flask.auto_find_instance_path", lambda self: str(tmp_path))
    first = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"DATABASE_URL": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (tmp_path / "secret_key").read_text() == first


@pytest.mark.parametrize(
    ("settings", "missing"),
    [
        ({}, "PETITION_SECRET_KEY and PETITION_BASE_URL"),
        ({"SECRET_KEY": "k"}, "PETITION_BASE_URL"),
        ({"BASE_URL": "https://sign.example.org"}, "PETITION_SECRET_KEY"),
    ],
)
def test_production_refuses_missing_settings(monkeypatch, settings, missing) -> None:
    monkeypatch.delenv("PETITION_SECRET_KEY", raising=False)
    monkeypatch.delenv("PETITION_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match=f"needs {missing} to be set"):
        create_app({"ENV": "production", "DATABASE_URL": "sqlite://", **settings})


def test_production_starts_with_settings() -> None:
    app = create_app(
        {
            "ENV": "production",
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "k",
            "BASE_URL": "https://sign.example.org",
        }
    )
    assert app.config["BASE_URL"] == "https://sign.example.org"


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `PETITION_([A-Z_]+)` \|", readme, re.MULTILINE))
    assert documented == {s.name for s in SETTINGS}
    assert markdown_table() in readme
