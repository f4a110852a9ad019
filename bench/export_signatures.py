"""Time the full signer export (CSV, every confirmed signer) over many signatures.

Usage: .venv/bin/python bench/export_signatures.py [-n N] [DATABASE_URL ...]
Default: 1,000,000 signatures in a fresh temporary SQLite file; each PostgreSQL URL
given is emptied (drop_all/create_all) and seeded too. Then, in a fresh process, streams
the export through csv_lines to /dev/null and prints the wall time and the peak
resident-memory growth (VmRSS sampled every 10,000 rows).
Targets: under 15 s and under 50 MB growth.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy.orm import Session

from bench.seed import ensure_campaign, seed_signatures
from petition.db import Base, make_engine
from petition.organizer.exports import SIGNATURE_COLUMNS, RowCounter, csv_lines, iter_signature_rows

TARGET_SECONDS = 15.0
TARGET_MB = 50.0


def rss_mb() -> float:
    """Return this process's resident memory in MB, from /proc/self/status."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def export_to_devnull(session: Session, campaign_id: int) -> tuple[int, float, float]:
    """Stream the export to /dev/null; return rows, seconds and peak RSS growth in MB."""
    before = rss_mb()
    peak = before
    start = time.perf_counter()
    counter = RowCounter(iter_signature_rows(session, campaign_id, include_all=True))
    with open("/dev/null", "wb") as out:
        for i, chunk in enumerate(csv_lines(SIGNATURE_COLUMNS, counter)):
            out.write(chunk.encode("utf-8"))
            if i % 20 == 0:  # sample every 10,000 rows
                peak = max(peak, rss_mb())
    seconds = time.perf_counter() - start
    return counter.rows, seconds, max(peak, rss_mb()) - before


def seed(url: str, n: int) -> None:
    """Empty the database at url and seed n signatures into it."""
    engine = make_engine(url)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    start = time.perf_counter()
    seed_signatures(engine, ensure_campaign(engine), n)
    print(f"{engine.dialect.name:10} seeded {n:,} in {time.perf_counter() - start:.1f} s")
    engine.dispose()


def measure(url: str) -> None:
    """Time the export of the seeded campaign at url and print it against the targets."""
    engine = make_engine(url)
    with Session(engine) as session:
        rows, seconds, growth = export_to_devnull(session, ensure_campaign(engine))
    ok = "OK" if seconds < TARGET_SECONDS and growth < TARGET_MB else "MISSED"
    print(
        f"{engine.dialect.name:10} exported {rows:,} rows in {seconds:.2f} s "
        f"(target < {TARGET_SECONDS:.0f} s), RSS growth {growth:.1f} MB "
        f"(target < {TARGET_MB:.0f} MB): {ok}"
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=1_000_000, help="signatures to seed")
    parser.add_argument("--measure", metavar="URL", help="only time the export (internal)")
    parser.add_argument("urls", nargs="*", help="PostgreSQL URLs to bench besides SQLite")
    args = parser.parse_args()
    if args.measure:
        measure(args.measure)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for url in [f"sqlite:///{tmp}/bench.db", *args.urls]:
            seed(url, args.n)
            # A fresh process, so the memory freed after seeding cannot hide the export's.
            command = [sys.executable, "-m", "bench.export_signatures", "--measure", url]
            subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
