"""Alembic environment: the app's own engine and models."""

from __future__ import annotations

from alembic import context
from flask import current_app, has_app_context

from petition import (
    create_app,
    models,  # noqa: F401  (registers the tables on Base.metadata)
)
from petition.db import Base, get_engine


def run_migrations() -> None:
    app = current_app._get_current_object() if has_app_context() else create_app()
    connectable = context.config.attributes.get("connection")
    if connectable is None:
        with get_engine(app).connect() as connection:
            _run(connection)
    else:
        _run(connectable)


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copy
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run against a database.")
run_migrations()
