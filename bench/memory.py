"""Worker memory under varied traffic: every request a query the workers have not seen.

Usage (from the checkout, needs /usr/bin/wrk):

    .venv/bin/python -m bench.memory [--database sqlite|postgresql|both] [--codes 7500]
        [--workers 2] [--port 5041] [--pg-url URL]

Starts the project under gunicorn as bench/http.py does (fresh database, the same
settings), warms it with the bench's lookup mix and home page, prints each worker's RSS,
then sends five GETs for each of --codes postal codes drawn from the loaded reference
tables (US, Polish, Italian, Canadian; French and German codes made up, which the lookup
answers like any other): the lookup page and API for the code, `/?utm_source=N`,
`/learn-more?x=N` and the counts API with `?x=N`, each with a random language and
encoding, in random order from 16 threads. It prints the RSS as it goes and at the end:
what every per-process cache (pages, whole answers, lookup answers) holds at most, and
what the allocator keeps of it, must stay under the 150 MB of the performance targets.
"""

from __future__ import annotations

import argparse
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from bench.http import (
    LUA_GET,
    LUA_LOOKUP,
    PG_URL,
    Server,
    on_each_database,
    prepare_project,
    run_wrk,
)
from bench.lookup_api import QUERIES

LANGUAGES = ["en", "fr", "hy", "de", "xx"]
ENCODINGS = ["gzip", "br", "gzip, br", "identity", "deflate"]
SHARES = {"US": 0.34, "PL": 0.2, "IT": 0.13, "CA": 0.2}  # the rest: FR and DE, made up


def postal_codes(url: str, count: int, rng: random.Random) -> list[tuple[str, str]]:
    """Codes from the loaded postal table, in the shares above, and made-up FR/DE ones."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    codes: list[tuple[str, str]] = []
    with engine.connect() as conn:
        for country, share in SHARES.items():
            kind = "AND kind = 'postcode'" if country == "IT" else ""
            keys = conn.execute(text(f"SELECT DISTINCT key FROM postal_areas "
                                     f"WHERE country = :c {kind} ORDER BY key"),
                                {"c": country}).scalars().all()  # fmt: skip
            picked = rng.sample(list(keys), min(len(keys), int(count * share)))
            # Canada's table holds forward sortation areas: a full code is FSA + LDU.
            codes += [(country, f"{key} 1A1" if country == "CA" else key) for key in picked]
    engine.dispose()
    rest = max(count - len(codes), 0)
    codes += [("FR", f"{rng.randint(1000, 95999):05d}") for _ in range(rest // 2)]
    codes += [("DE", f"{rng.randint(1000, 99999):05d}") for _ in range(rest - rest // 2)]
    return codes


def get(base: str, path: str, headers: dict[str, str]) -> int:
    try:
        with urlopen(Request(base + path, headers=headers), timeout=30) as answer:
            answer.read()
            return int(answer.status)
    except HTTPError as error:
        return error.code


def measure(label: str, url: str, args: argparse.Namespace, tmp: Path) -> None:
    env = prepare_project(url, args.port)
    app = Server("petition:create_app()", args.port, args.workers, env, "/")
    rng = random.Random(1)

    def rss() -> str:
        return ", ".join(f"{mb:.0f} MB" for mb in app.worker_rss_mb())

    try:
        queries = ", ".join(f'"{q}"' for q in QUERIES)
        for path in ("/api/v1/representatives", "/representatives"):
            run_wrk(app.base, LUA_LOOKUP % {"queries": queries, "path": path}, 4, 32, tmp)
        run_wrk(app.base, LUA_GET % {"path": "/", "cookie": ""}, 3, 32, tmp)
        print(f"{label}: worker RSS after the bench's paths: {rss()}", flush=True)
        jobs = []
        for n, (country, code) in enumerate(postal_codes(url, args.codes, rng)):
            query = urlencode({"country": country, "postal_code": code})
            headers = {"Accept-Language": rng.choice(LANGUAGES),
                       "Accept-Encoding": rng.choice(ENCODINGS)}  # fmt: skip
            for path in (f"/representatives?{query}", f"/api/v1/representatives?{query}",
                         f"/?utm_source={n}", f"/learn-more?x={n}",
                         f"/api/v1/campaigns/artsakh/counts?x={n}"):  # fmt: skip
                jobs.append((path, headers))
        rng.shuffle(jobs)
        statuses: dict[int, int] = {}
        with ThreadPoolExecutor(16) as pool:
            answers = pool.map(lambda job: get(app.base, *job), jobs)
            for done, status in enumerate(answers, 1):
                statuses[status] = statuses.get(status, 0) + 1
                if done % 7500 == 0:
                    print(f"  after {done:,} requests: {rss()}", flush=True)
        print(f"{label}: {len(jobs):,} requests, answers by status {statuses}; "
              f"worker RSS at the end: {rss()}\n")  # fmt: skip
    finally:
        app.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--codes", type=int, default=7500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=5041)
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    on_each_database(args.database, args.pg_url,
                     lambda label, url, tmp: measure(label, url, args, tmp))  # fmt: skip


if __name__ == "__main__":
    main()
