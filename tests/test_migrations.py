"""Migrations build the same schema as the models, up and down, on every database."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from petition.cli import alembic_config
from petition.db import Base, get_engine


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
