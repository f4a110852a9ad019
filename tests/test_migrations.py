"""Migrations build the same schema as the models, up and down, on every database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from petition.cli import alembic_config
from petition.db import Base, get_engine

INSERT_CAMPAIGN = (
    "INSERT INTO campaigns (id, slug, title, goal, created_at, updated_at) "
    "VALUES (1, 'c', 'C', 10, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)


@pytest.fixture
def empty_app(make_app, database_url, tmp_path):
    url = f"sqlite:///{tmp_path / 'migrate.db'}" if database_url == "sqlite://" else database_url
    app = make_app(DATABASE_URL=url)
    Base.metadata.drop_all(get_engine(app))
    with get_engine(app).begin() as conn:
        conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    return app


def test_upgrade_matches_models_and_downgrade_empties(empty_app) -> None:
    runner = empty_app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = get_engine(empty_app)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert runner.invoke(args=["db", "downgrade", "base"]).exit_code == 0
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_every_migration_has_a_downgrade() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():
        source = Path(revision.path).read_text(encoding="utf-8")
        body = source.split("def downgrade() -> None:", 1)[1]
        assert body.strip() and body.strip() != "pass", revision.path


def test_tallies_are_rebuilt_from_existing_signatures(empty_app) -> None:
    """The migration that puts districts in the tallies keeps every existing count."""
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "23050214430e"]).exit_code == 0
    engine = get_engine(empty_app)
    with engine.begin() as conn:
        conn.execute(text(INSERT_CAMPAIGN))
        for n, (state, confirmed) in enumerate(
            [("pending", None), ("confirmed", "2026-02-03 10:00:00"), ("confirmed", None)]
        ):
            conn.execute(
                text(
                    "INSERT INTO signatures (campaign_id, name, email, email_canonical, country,"
                    " postal_code, region, updates, state, token_expires_at, delete_nonce,"
                    " ip_hash, duplicate_attempts, created_at, confirmed_at) VALUES (1, 'n',"
                    " :e, :e, 'CA', 'K1A 0B1', 'QC', false, :s, '2026-01-09 00:00:00', 'x', '',"
                    " 0, '2026-02-01 09:00:00', :c)"
                ),
                {"e": f"p{n}@example.org", "s": state, "c": confirmed},
            )
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with engine.connect() as conn:
        counts = conn.execute(
            text("SELECT district_id, state, count FROM signature_counts ORDER BY state")
        ).all()
        days = conn.execute(
            text("SELECT day, state, count FROM signature_day_counts ORDER BY day, state")
        ).all()
    assert [tuple(r) for r in counts] == [("", "confirmed", 2), ("", "pending", 1)]
    assert [(str(d), s, c) for d, s, c in days] == [
        ("2026-02-01", "confirmed", 1),
        ("2026-02-01", "pending", 1),
        ("2026-02-03", "confirmed", 1),
    ]
    assert runner.invoke(args=["db", "downgrade", "23050214430e"]).exit_code == 0


def test_downgrade_folds_the_tally_journal(empty_app) -> None:
    """Leaving the journal behind keeps every count it held."""
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    engine = get_engine(empty_app)
    with engine.begin() as conn:
        conn.execute(text(INSERT_CAMPAIGN))
        conn.execute(
            text(
                "INSERT INTO signature_counts (campaign_id, country, region, district_id, state,"
                " count, updated_at) VALUES (1, 'CA', 'QC', '', 'confirmed', 5,"
                " '2026-01-02 00:00:00')"
            )
        )
        for state, delta in [("confirmed", 1), ("confirmed", 1), ("pending", 1)]:
            conn.execute(
                text(
                    "INSERT INTO tally_journal (campaign_id, country, region, district_id, day,"
                    " state, delta, created_at) VALUES (1, 'CA', 'QC', '', '2026-01-03', :s, :d,"
                    " '2026-01-03 10:00:00')"
                ),
                {"s": state, "d": delta},
            )
    assert runner.invoke(args=["db", "downgrade", "5b1e0c2d7a90"]).exit_code == 0
    with engine.connect() as conn:
        counts = conn.execute(
            text("SELECT state, count FROM signature_counts ORDER BY state")
        ).all()
        days = conn.execute(text("SELECT state, count FROM signature_day_counts ORDER BY state"))
        assert [tuple(r) for r in counts] == [("confirmed", 7), ("pending", 1)]
        assert [tuple(r) for r in days] == [("confirmed", 2), ("pending", 1)]
    assert "tally_journal" not in inspect(engine).get_table_names()


def test_name_consent_is_added_unticked_and_removed(empty_app) -> None:
    """Signers from before the consent box were never asked: none of them is named."""
    runner = empty_app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "3a9ea493bda6"]).exit_code == 0
    engine = get_engine(empty_app)
    with engine.begin() as conn:
        conn.execute(text(INSERT_CAMPAIGN))
        conn.execute(
            text(
                "INSERT INTO signatures (campaign_id, name, email, email_canonical, country,"
                " postal_code, region, district_id, updates, state, token_expires_at,"
                " delete_nonce, ip_hash, duplicate_attempts, created_at) VALUES (1, 'n',"
                " 'e@example.org', 'e@example.org', 'CA', 'K1A 0B1', 'QC', '', false,"
                " 'confirmed', '2026-01-09 00:00:00', 'x', '', 0, '2026-02-01 09:00:00')"
            )
        )
    assert runner.invoke(args=["db", "upgrade", "6c1f0e9d2b47"]).exit_code == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name_consent FROM signatures")).scalar_one() in (
            False,
            0,
        )
    assert runner.invoke(args=["db", "downgrade", "3a9ea493bda6"]).exit_code == 0
    columns = {c["name"] for c in inspect(engine).get_columns("signatures")}
    assert "name_consent" not in columns and "anonymized_at" in columns
