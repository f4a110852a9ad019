"""Time `flask data load` of the committed reference tables into a fresh database.

Usage: .venv/bin/python bench/load_refdata.py [DATABASE_URL ...]
Default: a temporary SQLite file. Prints seconds per run (first load, then a re-load
of unchanged tables), and the row counts. Target (issue 3): under 10 s.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from petition import create_app
from petition.db import Base, get_engine, get_session
from petition.refdata.store import load_reference_data

DATA = Path(__file__).resolve().parent.parent / "data"


def run(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    engine = get_engine(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    with app.app_context():
        for label in ("first load", "re-load"):
            start = time.perf_counter()
            report = load_reference_data(get_session(), DATA)
            get_session().commit()
            seconds = time.perf_counter() - start
            print(f"{engine.dialect.name:10} {label:10} {seconds:6.2f} s  {report}")
        get_session().execute(text("SELECT 1"))
    Base.metadata.drop_all(engine)
    engine.dispose()


def main() -> None:
    urls = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        for url in urls or [f"sqlite:///{tmp}/bench.db"]:
            run(url)


if __name__ == "__main__":
    main()
