"""One path of the project at two commits under gunicorn and wrk, in alternating rounds.

Usage (from the checkout, needs /usr/bin/wrk):

    .venv/bin/python -m bench.ab [--base HEAD] [--path sign|/some/GET/path]
        [--database sqlite|postgresql] [--rounds 6] [--seconds 6] [--port 5061]

A is the commit --base, checked out into a temporary git worktree; B is this checkout as
it is, uncommitted changes included. Each gets a fresh database of its own (as bench.http
makes them, with the same settings) and two sync gunicorn workers, on --port and --port+1;
both run at once, and wrk drives one then the other, in an order that alternates from
round to round, so that load from elsewhere on the machine, which comes and goes, weighs
on both alike. It prints each run's requests per second and the workers' CPU time per
request (from /proc), then the medians and each round's B/A ratio. The sign POST sends a
fresh email each time, as bench.http's does. It is how a change is weighed before it
lands (README, "Caching and speed"): the bench's ratios to a bare app move by more from
one run to the next than most changes do.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import uuid
from pathlib import Path

from bench.http import (
    HOST,
    LUA_GET,
    LUA_SIGN,
    PG_URL,
    ROOT,
    Server,
    lua_signers,
    prepare_project,
    run_wrk,
    with_schema,
)

CONNECTIONS = 32
WORKERS = 2


def lua_for(path: str, base: str) -> str:
    """The wrk script for a path: "sign" is the sign POST, anything else a GET."""
    if path == "sign":
        return LUA_SIGN % {"signers": lua_signers(), "origin": base,
                           "run": uuid.uuid4().hex[:8], "path": "/"}  # fmt: skip
    return LUA_GET % {"path": path, "cookie": ""}


def cpu_per_request(server: Server, before: float, requests: int) -> float:
    """Microseconds of the workers' CPU per request since `before` (their CPU seconds)."""
    return (sum(server.cpu_seconds()[1:]) - before) / max(requests, 1) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", default="HEAD", help="the commit A is built from")
    parser.add_argument("--path", default="sign", help='"sign" or a GET path such as /')
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=6, help="per wrk run")
    parser.add_argument("--port", type=int, default=5061, help="A; B uses +1")
    parser.add_argument("--pg-url", default=PG_URL)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        worktree = tmp / "base"
        subprocess.run(["git", "worktree", "add", "--detach", "-q", str(worktree), args.base],
                       cwd=ROOT, check=True)  # fmt: skip
        try:
            compare(args, tmp, {"A": worktree, "B": ROOT})
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT,
                           check=False)  # fmt: skip


def compare(args: argparse.Namespace, tmp: Path, roots: dict[str, Path]) -> None:
    """Start both checkouts, run the rounds and print the figures."""
    from sqlalchemy import create_engine, text

    admin = create_engine(args.pg_url) if args.database == "postgresql" else None
    schemas: list[str] = []
    servers: dict[str, Server] = {}
    try:
        for n, (name, root) in enumerate(roots.items()):
            if admin is None:
                url = f"sqlite:///{tmp}/{name}.db"
            else:
                schemas.append(f"bench_ab_{uuid.uuid4().hex[:12]}")
                with admin.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA "{schemas[-1]}"'))
                url = with_schema(args.pg_url, schemas[-1])
            port = args.port + n
            env = prepare_project(url, port, root)
            servers[name] = Server("petition:create_app()", port, WORKERS, env, "/", root)
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in servers}
        for server in servers.values():  # warm up: each worker's caches and indexes
            run_wrk(server.base, lua_for(args.path, server.base), 2, CONNECTIONS, tmp)
        for round_ in range(args.rounds):
            order = list(servers) if round_ % 2 == 0 else list(reversed(servers))
            for name in order:
                server = servers[name]
                before = sum(server.cpu_seconds()[1:])
                rps, _p99, requests, errors = run_wrk(
                    server.base, lua_for(args.path, server.base), args.seconds, CONNECTIONS, tmp
                )
                cpu = cpu_per_request(server, before, requests)
                runs[name].append((rps, cpu))
                print(f"round {round_ + 1} {name}: {rps:,.0f} req/s, {cpu:,.0f} µs CPU a "
                      f"request, {errors} answers outside 2xx/3xx", flush=True)  # fmt: skip
    finally:
        for server in servers.values():
            server.stop()
        if admin is not None:
            for schema in schemas:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    print(f"\n{args.path} on {args.database}, gunicorn -w {WORKERS} (sync) on {HOST}, wrk -t2 "
          f"-c{CONNECTIONS} -d{args.seconds}s; A = {args.base}, B = this checkout")  # fmt: skip
    for name, measured in runs.items():
        print(f"{name}: median {statistics.median(r for r, _ in measured):,.0f} req/s, "
              f"{statistics.median(c for _, c in measured):,.0f} µs CPU a request")  # fmt: skip
    ratios = [b[0] / a[0] for a, b in zip(runs["A"], runs["B"], strict=True)]
    print("B/A req/s, each round: " + ", ".join(f"{r:.2f}" for r in ratios)
          + f"; median {statistics.median(ratios):.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
