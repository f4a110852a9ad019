"""Time the delivery packs of all 343 MPs with 1,000,000 signatures.

Usage: .venv/bin/python -m bench.packs [-n N] [--pdfs K] [PG_URL ...]
Loads the reference tables, bulk-inserts N confirmed Canadian signatures spread over
every riding (FSAs from data/postal_ca.csv, placed in the FSA's primary riding; FSAs
split between ridings stay unplaced, as signing leaves them), with matching tallies,
into a fresh SQLite file (and each PostgreSQL URL given). Then it times, for the 343
MPs: the counts by representative, the postal-area breakdowns (all at once, and one
pack's alone), the HTML of every pack and the PDF of K packs (default all 343). Prints
figures; asserts nothing about speed.
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from bench.seed import ensure_campaign
from petition import create_app
from petition.db import Base, get_engine, get_session
from petition.models import Signature, SignatureCount, SignatureState
from petition.organizer.constituents import count_by_representative
from petition.organizer.packs import (
    iter_packs,
    pack_for,
    pack_stylesheet,
    render_pack_html,
    render_pdf,
)
from petition.refindex import build_index

BATCH = 20_000
DATA = Path(__file__).resolve().parent.parent / "data"
WHEN = datetime(2026, 11, 1, 12, 0)


def fsas() -> list[tuple[str, str, str]]:
    """Return (FSA, province, riding or "" when the FSA spans several) for every FSA."""
    ridings: dict[tuple[str, str], set[str]] = defaultdict(set)
    with (DATA / "postal_ca.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            ridings[(row["fsa"], row["province"])].add(row["fed_code"])
    return [(fsa, prov, next(iter(ids)) if len(ids) == 1 else "")
            for (fsa, prov), ids in sorted(ridings.items())]  # fmt: skip


def seed(engine: Engine, campaign_id: int, n: int) -> None:
    """Insert n confirmed signatures with matching place tallies, in bulk."""
    rng = random.Random(1)
    areas = fsas()
    places: Counter[tuple[str, str, str]] = Counter()
    for start in range(0, n, BATCH):
        rows = []
        for i in range(start, min(n, start + BATCH)):
            fsa, province, riding = rng.choice(areas)
            places[("CA", province, riding)] += 1
            rows.append({
                "campaign_id": campaign_id, "name": f"Signer {i}", "email": f"s{i}@example.org",
                "email_canonical": f"s{i}@example.org", "country": "CA",
                "postal_code": f"{fsa} 1A1", "region": province, "district_id": riding,
                "updates": False, "state": SignatureState.CONFIRMED,
                "token_expires_at": WHEN + timedelta(days=7), "delete_nonce": f"{i:032x}",
                "ip_hash": "", "duplicate_attempts": 0, "created_at": WHEN, "confirmed_at": WHEN,
            })  # fmt: skip
        with engine.begin() as conn:
            conn.execute(insert(Signature.__table__), rows)
    tallies = [{"campaign_id": campaign_id, "country": c, "region": r, "district_id": d,
                "state": SignatureState.CONFIRMED, "count": k, "updated_at": WHEN}
               for (c, r, d), k in places.items()]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(SignatureCount), tallies)


def run(url: str, n: int, pdfs: int) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "LOG_LEVEL": "WARNING"})
    engine = get_engine(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    result = app.test_cli_runner().invoke(args=["data", "load"])
    assert result.exit_code == 0, result.output
    start = time.perf_counter()
    seed(engine, ensure_campaign(engine, slug="artsakh"), n)
    name = engine.dialect.name
    print(f"{name:10} seeded {n:,} signatures in {time.perf_counter() - start:.1f} s")
    with app.app_context(), app.test_request_context():
        session = get_session()
        campaign_id = ensure_campaign(engine, slug="artsakh")
        content = app.extensions["petition.campaigns"]["artsakh"]
        seats = [r for r in build_index(session).reps.values() if r.body == "ca-commons"]
        start = time.perf_counter()
        counts = count_by_representative(session, campaign_id, seats, content.quorum)
        counted = time.perf_counter() - start
        start = time.perf_counter()
        packs = list(iter_packs(session, campaign_id, counts, 5, WHEN.date()))
        breakdown = time.perf_counter() - start
        start = time.perf_counter()
        one = pack_for(session, campaign_id, counts[0], 5, WHEN.date())
        single = time.perf_counter() - start
        start = time.perf_counter()
        pages = [render_pack_html(p, content, responses_url="https://example.org/r",
                                  stylesheet_url=None) for p in packs]  # fmt: skip
        html = time.perf_counter() - start
        stylesheet = pack_stylesheet(app.static_folder or "static")
        start = time.perf_counter()
        size = sum(len(render_pdf(page, stylesheet)) for page in pages[:pdfs])
        pdf = time.perf_counter() - start
    shown = min(pdfs, len(pages))
    print(f"{name:10} {len(counts)} MPs, {sum(c.signatures for c in counts):,} placed, "
          f"{max(c.unplaced for c in counts):,} most unplaced around one riding")  # fmt: skip
    print(f"{name:10} counts by representative {counted:.3f} s; postal-area breakdowns "
          f"{breakdown:.3f} s (one pack alone {single:.3f} s, {len(one.areas)} areas); "
          f"HTML of {len(pages)} packs {html:.2f} s; "
          f"PDF of {shown} packs {pdf:.1f} s ({pdf / max(shown, 1):.2f} s each, "
          f"{size / max(shown, 1) / 1024:.0f} KiB each)")  # fmt: skip
    Base.metadata.drop_all(engine)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="signatures to seed")
    parser.add_argument("--pdfs", type=int, default=343, help="packs to render as PDF")
    parser.add_argument("urls", nargs="*", help="PostgreSQL URLs besides SQLite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for url in [f"sqlite:///{tmp}/packs.db", *args.urls]:
            run(url, args.n, args.pdfs)


if __name__ == "__main__":
    main()
