"""Throughput of GET /api/v1/representatives under gunicorn, against a bare Flask app.

Usage: .venv/bin/python bench/lookup_api.py [--seconds 10] [--workers 2] [--connections 32]
       [--port 0]   (the first of three consecutive ports; 0: any free ones)

Both apps run under gunicorn with the same workers on 127.0.0.1, measured by wrk in the
same run, with a rotating mix of US, Canadian and EU queries. Prints requests per second
and the ratio (target for issue 4: the lookup at least 60% of bare Flask). wrk is one
client address, so the lookup limit is raised out of reach: every request is still
counted by the limiter (in memory), which a third run with limits off shows the cost of.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
FIXED = [
    "country=US&postal_code=20001", "country=CA&postal_code=X0A", "country=IE&postal_code=D02X285",
    "country=FR&postal_code=75001", "country=US&postal_code=60062&district=IL-09",
]  # fmt: skip
# Every 150th row of each postal table: a few hundred different lookups, mostly US.
SAMPLE_EVERY = 150


def sample_queries() -> list[str]:
    """Return a fixed, varied mix of queries taken from the committed tables."""
    queries = list(FIXED)
    for name, country_col, key_col in (("postal_us.csv", None, 0), ("postal_ca.csv", None, 0),
                                       ("postal_eu.csv", 0, 2)):  # fmt: skip
        lines = (ROOT / "data" / name).read_text(encoding="utf-8").splitlines()[1:]
        for line in lines[::SAMPLE_EVERY]:
            cells = line.split(",")
            country = cells[country_col] if country_col is not None else name[7:9].upper()
            if country == "IE" and not cells[key_col].startswith("D"):
                continue  # county names are not postal codes
            queries.append(f"country={country}&postal_code={cells[key_col]}")
    return queries


QUERIES = sample_queries()
WRK_SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", "/api/v1/representatives?" .. paths[i])
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    target: str, workers: int, env: dict[str, str], port: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = port or free_port()
    cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
           "--log-level", "warning", target]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            for query in QUERIES * workers * 2:  # warm every worker (builds its index)
                urlopen(f"{base}/api/v1/representatives?{query}", timeout=30).read()
            return proc, base
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{target} did not start")


def measure(base: str, seconds: int, connections: int, script: Path) -> float:
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", str(script), base],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise SystemExit(f"{base}: {errors.group(1)} error responses\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PETITION_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
               "PETITION_SECRET_KEY": "bench", "PETITION_LOG_LEVEL": "WARNING",
               "PETITION_LOOKUP_RATE_LIMIT": "1000000000 per minute"}  # fmt: skip
        for step in (["db", "upgrade"], ["data", "load"]):
            subprocess.run([str(BIN / "flask"), "--app", "petition", *step], cwd=ROOT, env=env,
                           check=True, capture_output=True)  # fmt: skip
        script = Path(tmp) / "paths.lua"
        script.write_text(WRK_SCRIPT % ", ".join(f'"{q}"' for q in QUERIES))
        results = {}
        runs = (
            ("bare Flask", "bench.bare_app:app", {}),
            ("petition lookup", "petition:create_app()", {}),
            ("  limits off", "petition:create_app()", {"PETITION_RATELIMIT_ENABLED": "false"}),
        )
        for n, (name, target, extra) in enumerate(runs):
            port = args.port + n if args.port else 0
            proc, base = serve(target, args.workers, {**env, **extra}, port)  # fmt: skip
            try:
                results[name] = measure(base, args.seconds, args.connections, script)
            finally:
                proc.terminate()
                proc.wait(timeout=30)
            print(f"{name:16} {results[name]:9.0f} requests/s")
        ratio = results["petition lookup"] / results["bare Flask"]
        print(f"ratio            {ratio:9.0%} of bare Flask (target: at least 60%)")


if __name__ == "__main__":
    main()
