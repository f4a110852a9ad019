"""Settings: defaults, PETITION_* overrides, development key, production refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from petition import create_app
from petition.config import DERIVED, SETTINGS, ConfigError, markdown_table

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


# config["X"], config.get("X"), config.setdefault("X") on any config object; and any
# PETITION_X named in the source (an environment read, or a message naming the variable).
CONFIG_READ = re.compile(r"""config(?:\[|\.get\(|\.setdefault\()\s*["']([A-Z][A-Z0-9_]*)["']""")
# (A name ending in "_" is a prefix, such as the test suite's PETITION_TEST_.)
ENV_NAME = re.compile(r"PETITION_([A-Z][A-Z0-9_]*[A-Z0-9])\b")


def settings_read(source: str) -> set[str]:
    """Return the settings a piece of source code reads."""
    return set(CONFIG_READ.findall(source)) | set(ENV_NAME.findall(source))


def test_the_scan_sees_every_way_of_reading_a_setting() -> None:
    source = """
        current_app.config["SIGN_RATE_LIMIT"]; app.config.get('LOOKUP_RATE_LIMIT', 1)
        config.setdefault("HSTS_SECONDS", 0); os.environ["PETITION_MADE_UP"]
    """
    assert settings_read(source) == {
        "SIGN_RATE_LIMIT", "LOOKUP_RATE_LIMIT", "HSTS_SECONDS", "MADE_UP"}  # fmt: skip


def test_code_reads_only_declared_settings() -> None:
    declared = {s.name for s in SETTINGS} | set(DERIVED)
    undeclared: dict[str, set[str]] = {}
    for path in sorted((ROOT / "petition").rglob("*.py")):
        missing = settings_read(path.read_text(encoding="utf-8")) - declared
        if missing:
            undeclared[str(path.relative_to(ROOT))] = missing
    assert undeclared == {}, "declare these in petition/config.py SETTINGS"


def test_shipped_defaults_set_every_key_the_app_relies_on(make_app) -> None:
    app = create_app({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://"})
    for name in [s.name for s in SETTINGS] + list(DERIVED):
        assert name in app.config, name
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is False  # http://127.0.0.1:5000


def test_environment_cannot_weaken_the_cookie(monkeypatch) -> None:
    monkeypatch.setenv("PETITION_SESSION_COOKIE_SAMESITE", "None")
    monkeypatch.setenv("PETITION_SESSION_COOKIE_SECURE", "false")
    app = create_app({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://",
                      "BASE_URL": "https://sign.example.org"})  # fmt: skip
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is True


PRODUCTION = {"ENV": "production", "DATABASE_URL": "sqlite://", "SECRET_KEY": "k"}


def test_production_refuses_http_base_url() -> None:
    with pytest.raises(ConfigError, match="must start with https://"):
        create_app({**PRODUCTION, "BASE_URL": "http://sign.example.org"})


def _login_page_cookie_and_headers(app) -> tuple[str, dict[str, str]]:
    response = app.test_client().get("/organizer/login")
    return response.headers.get("Set-Cookie", ""), dict(response.headers)


def test_production_over_https_sends_secure_cookie_and_hsts(make_app) -> None:
    app = make_app(**PRODUCTION, BASE_URL="https://sign.example.org")
    from petition.db import Base, get_engine

    Base.metadata.create_all(get_engine(app))
    cookie, headers = _login_page_cookie_and_headers(app)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_over_http_only_when_allowed(make_app) -> None:
    app = make_app(**PRODUCTION, BASE_URL="http://127.0.0.1:5011", ALLOW_HTTP=True)
    from petition.db import Base, get_engine

    Base.metadata.create_all(get_engine(app))
    cookie, headers = _login_page_cookie_and_headers(app)
    assert "SameSite=Lax" in cookie and "HttpOnly" in cookie and "Secure" not in cookie
    assert "Strict-Transport-Security" not in headers


def test_development_sends_no_hsts(make_app) -> None:
    app = make_app()
    from petition.db import Base, get_engine

    Base.metadata.create_all(get_engine(app))
    _cookie, headers = _login_page_cookie_and_headers(app)
    assert "Strict-Transport-Security" not in headers


def test_unknown_petition_variables_are_reported(monkeypatch, caplog) -> None:
    monkeypatch.setenv("PETITION_SIGN_RATE_LIMT", "1 per day")  # a typo
    create_app({"SECRET_KEY": "k", "DATABASE_URL": "sqlite://"})
    assert "PETITION_SIGN_RATE_LIMT is not a setting" in caplog.text
    assert "PETITION_TEST_" not in caplog.text
