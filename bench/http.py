"""Every public path under gunicorn and wrk, against a bare Flask app, on SQLite and PostgreSQL.

Usage (from the checkout, needs /usr/bin/wrk):

    .venv/bin/python -m bench.http [--database sqlite|postgresql|both] [--seconds 4]
        [--rounds 3] [--workers 2] [--connections 32] [--port 5031] [--pg-url URL]
        [--only WORD ...]

For each database the script makes a fresh database (a SQLite file in a temporary folder, or
a private schema on the PostgreSQL database given by --pg-url, dropped afterwards), migrates
it and loads data/, then starts the bare Flask app of bench/bare_app.py and the project one
after the other under the same gunicorn settings on 127.0.0.1, and drives each path with
wrk: the home page (without cookies, which SharedAnswers keeps in memory, and with a
returning signer's session cookie, whose answers come from memory too once the cookie is
checked), the counts JSON, the lookup JSON and the lookup page with a varied mix of US,
Canadian and EU queries, the sign POST (a fresh email per request, with the Origin and
Sec-Fetch-Site headers a browser sends from the home page), the thank-you page, and the bare
app's naive one-row insert (--only keeps the paths whose name holds one of its words, and
the naive insert). Each path runs in --rounds rounds of --seconds, each round right
after a run of the bare app's GET (or, for POSTs, its POST answering 303), so that load from
elsewhere on the machine weighs on both sides of each ratio. It prints the median requests
per second, the bare app's median, the median of the rounds' ratios, the worst p99 latency,
the answers outside 2xx/3xx, how many signatures and queued emails the sign rounds stored,
the sign POST's requests per second as a share of the naive insert's, the CPU time a
request took in the POST runs (the whole machine's, the workers' and PostgreSQL's
processes'), the worker RSS after every path and the time from starting gunicorn to the
first answered request.

The checkout's modules are compiled to bytecode first (`compileall`), as a deployment has
them, even where PYTHONDONTWRITEBYTECODE is set. The project runs with its shipped
settings except: a bench secret key, WARNING logs, the per-address sign and lookup limits
raised to SIGN_LIMIT (every wrk request comes from 127.0.0.1 and the figures are meant to
measure the app, not the limiter refusing them), and online lookups off (the app never
calls the Census geocoder or Represent meanwhile).
"""

from __future__ import annotations

import os
import sys

# Run as a script, Python puts bench/ first on the path, and this file would shadow the
# standard library's http package (which urllib needs): put the checkout there instead.
if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
    sys.path[0] = os.path.dirname(sys.path[0])

import argparse  # noqa: E402  (after the path fix above)
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from functools import partial  # noqa: E402
from http.cookiejar import CookieJar  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.error import HTTPError, URLError  # noqa: E402
from urllib.parse import urlencode  # noqa: E402
from urllib.request import (  # noqa: E402
    HTTPCookieProcessor,
    HTTPRedirectHandler,
    Request,
    build_opener,
)

from bench.lookup_api import QUERIES  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WRK = "/usr/bin/wrk"
HOST = "127.0.0.1"  # the only address this script ever sends requests to
SIGN_LIMIT = "1000000 per minute"
START_TIMEOUT = 30  # seconds a server gets to answer its first request
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
# Where signers come from, in turn: different tally places, as real traffic has.
SIGNERS = [("US", "10001"), ("CA", "K1A 0B1"), ("FR", "75001"), ("DE", "10115"),
           ("US", "94103"), ("IE", "D02 X285"), ("AM", "")]  # fmt: skip

# Gives each wrk thread a number, so that emails stay unique across threads.
LUA_COMMON = """
local next_id = 1
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end
function init(args)
  n, id = 0, wrk.thread:get("id")
end
"""
# GET requests are formatted once, when a thread starts, and then only handed out: wrk
# shares the machine's cores with the servers, and its scripting guide advises against
# building a new request each time (the bare app's are made the same way).
LUA_GET = """
local path, cookie = "%(path)s", "%(cookie)s"
local req = nil
function request()
  req = req or wrk.format("GET", path, cookie ~= "" and {["Cookie"] = cookie} or nil)
  return req
end
"""
LUA_LOOKUP = """
local queries, reqs = {%(queries)s}, {}
function request()
  n = n %% #queries + 1
  reqs[n] = reqs[n] or wrk.format("GET", "%(path)s?" .. queries[n])
  return reqs[n]
end
"""
LUA_SIGN = """
local signers, head = {%(signers)s}, "name=Bench+Signer&email=%(run)s-"
local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                 ["Origin"] = "%(origin)s", ["Sec-Fetch-Site"] = "same-origin"}
function request()
  n = n + 1
  local body = head .. id .. "-" .. n .. "%%40example.org&privacy=y&" .. signers[n %% #signers + 1]
  return wrk.format("POST", "%(path)s", headers, body)
end
"""


@dataclass
class Result:
    path: str
    rps: float  # the median of the rounds
    p99_ms: float  # the worst round's
    requests: int
    errors: int  # answers outside 2xx and 3xx, as wrk counts them
    post: bool = False  # compared with the bare POST instead of the bare GET
    bare_rps: float = 0.0  # the median of the bare app's runs just before each round
    ratio: float = 0.0  # the median of each round's ratio to the bare run just before it


# One wrk run: requests/s, p99 in ms, requests, answers outside 2xx/3xx.
Run = tuple[float, float, int, int]


def run_wrk(
    base: str, lua: str, seconds: int, connections: int, tmp: Path
) -> tuple[float, float, int, int]:
    """Drive base with the Lua script; return requests/s, p99 in ms, requests and errors."""
    script = tmp / f"wrk-{uuid.uuid4().hex[:8]}.lua"
    script.write_text(LUA_COMMON + lua)
    cmd = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(script), base]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=True,
                         timeout=seconds + 60).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"\s99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if socket_errors:
        print(f"  wrk: socket errors on {base}: {socket_errors.group(1)}")
    return rps, p99, requests, int(errors.group(1)) if errors else 0


class NoRedirect(HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def expect_ok(base: str, path: str, cookie: str) -> None:
    """Check that a path answers 200 itself (wrk would count a redirect as a success)."""
    opener = build_opener(NoRedirect())
    try:
        status = opener.open(Request(base + path, headers={"Cookie": cookie}), timeout=30).status
    except HTTPError as exc:
        status = exc.code
    if status != 200:
        raise SystemExit(f"{path} answered {status} instead of 200")


class Server:
    """One gunicorn on 127.0.0.1:port; remembers how long it took to answer first."""

    def __init__(
        self, target: str, port: int, workers: int, env: dict[str, str], probe: str,
        root: Path = ROOT,
    ) -> None:  # fmt: skip
        self.base = f"http://{HOST}:{port}"
        cmd = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"{HOST}:{port}",
               "--log-level", "warning", target]  # fmt: skip
        started = time.monotonic()
        self.proc = subprocess.Popen(cmd, cwd=root, env=env)
        self.startup = self._wait_first_answer(started, probe)
        # CPU the processes spent until then: the start-up cost without the machine's load.
        self.startup_cpu = self.cpu_seconds()

    def _wait_first_answer(self, started: float, probe: str) -> float:
        opener = build_opener()
        while time.monotonic() - started < START_TIMEOUT:
            try:
                opener.open(self.base + probe, timeout=START_TIMEOUT).read()
                return time.monotonic() - started
            except (URLError, ConnectionError):
                if self.proc.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {self.proc.returncode}") from None
                time.sleep(0.02)
        self.stop()
        raise SystemExit(f"{self.base} did not answer within {START_TIMEOUT} s")

    def workers(self) -> list[str]:
        return Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()

    def cpu_seconds(self) -> list[float]:
        """Return the user and system CPU time so far of the gunicorn master, then each worker."""
        seconds = []
        for pid in [str(self.proc.pid), *self.workers()]:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])  # utime, stime
            seconds.append(ticks / os.sysconf("SC_CLK_TCK"))
        return seconds

    def worker_rss_mb(self) -> list[float]:
        """Return the resident memory of each worker process, in MB."""
        sizes = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            kb = int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))  # type: ignore[union-attr]
            sizes.append(kb / 1024)
        return sizes

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def machine_cpu_seconds() -> float:
    """CPU seconds the whole machine has spent busy so far (every process and the kernel;
    not idle, I/O wait or time stolen by the hypervisor), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(f) for f in fields[:7])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU seconds all PostgreSQL processes (the server's backends, WAL writer and the
    rest) have spent so far; 0 where none runs."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
        if name == "postgres":
            fields = rest.split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class CpuMeter:
    """CPU time a request took during wrk runs, split by who spent it: the whole machine
    (wrk, the kernel and the database server included), the server's workers and the
    PostgreSQL processes. Each figure is the median over the runs measured."""

    machine: list[float] = field(default_factory=list)
    workers: list[float] = field(default_factory=list)
    postgres: list[float] = field(default_factory=list)

    def run(self, server: Server, run: Callable[[], Run]) -> Run:
        before = (machine_cpu_seconds(), sum(server.cpu_seconds()[1:]), postgres_cpu_seconds())
        result = run()
        requests = max(result[2], 1)
        self.machine.append((machine_cpu_seconds() - before[0]) / requests * 1e6)
        self.workers.append((sum(server.cpu_seconds()[1:]) - before[1]) / requests * 1e6)
        self.postgres.append((postgres_cpu_seconds() - before[2]) / requests * 1e6)
        return result

    def summary(self) -> str:
        machine, workers = statistics.median(self.machine), statistics.median(self.workers)
        postgres = statistics.median(self.postgres)
        text = f"machine {machine:,.0f} µs, workers {workers:,.0f} µs"
        return text + (f", PostgreSQL {postgres:,.0f} µs" if postgres >= 1 else "")


def signer_session(base: str) -> str:
    """Sign once as a browser would (its Fetch Metadata and Origin headers); return the
    cookie the thanks page reads."""
    jar = CookieJar()
    opener = build_opener(HTTPCookieProcessor(jar))
    email = f"setup-{uuid.uuid4().hex}@example.org"
    form = {"name": "Bench Setup", "email": email, "country": "US", "postal_code": "10001",
            "privacy": "y"}  # fmt: skip
    headers = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    # Follows the redirect to /thanks.
    opener.open(Request(f"{base}/", data=urlencode(form).encode(), headers=headers),
                timeout=30).read()  # fmt: skip
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def lua_signers() -> str:
    return ", ".join(f'"{urlencode({"country": c, "postal_code": p})}"' for c, p in SIGNERS)


def make_naive_table(url: str) -> None:
    """Create the table the bare app's naive insert writes to."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    key = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE bench_naive (id {key}, email TEXT)"))
    engine.dispose()


def count_rows(url: str) -> tuple[int, int]:
    """Return how many signatures and queued emails the bench database holds."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        # One statement, one snapshot: a signature committed in between (a request still
        # running when wrk stopped) would otherwise count as an email without its row.
        signatures, emails = conn.execute(text(
            "SELECT (SELECT count(*) FROM signatures), (SELECT count(*) FROM outbox_messages)"
        )).one()  # fmt: skip
    engine.dispose()
    return int(signatures), int(emails)


def prepare_project(url: str, port: int, root: Path = ROOT) -> dict[str, str]:
    """Migrate and load the database for the checkout at root, compile its bytecode;
    return the environment the project runs with on that port (see the module's text)."""
    env = {**os.environ, "PETITION_DATABASE_URL": url, "PETITION_SECRET_KEY": "bench",
           "PETITION_LOG_LEVEL": "WARNING", "PETITION_SIGN_RATE_LIMIT": SIGN_LIMIT,
           "PETITION_LOOKUP_RATE_LIMIT": SIGN_LIMIT,
           "PETITION_ONLINE_LOOKUPS": "false",
           "PETITION_BASE_URL": f"http://{HOST}:{port}"}  # fmt: skip
    for step in (["db", "upgrade"], ["data", "load"]):
        subprocess.run([str(BIN / "flask"), "--app", "petition", *step], cwd=root, env=env,
                       check=True, capture_output=True, timeout=300)  # fmt: skip
    # As deployed: the checkout's bytecode compiled once, not by every worker at start.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "petition", "bench"], cwd=root,
                   check=True, timeout=300)  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def bench_database(label: str, url: str, args: argparse.Namespace, tmp: Path) -> None:
    """Measure the bare app and the project on one database and print the table."""
    env = prepare_project(url, args.port + 1)
    make_naive_table(url)
    bare = Server("bench.bare_app:app", args.port, args.workers, env, "/api/v1/representatives")
    try:
        app = Server("petition:create_app()", args.port + 1, args.workers, env, "/")
    except BaseException:
        bare.stop()
        raise
    try:
        results, stored, queued, meters = measure(bare, app, url, args, tmp)
        rss = app.worker_rss_mb()
    finally:
        app.stop()
        bare.stop()
    print_table(label, args, results)
    sign = next((r for r in results if r.path == "sign POST"), None)
    if sign is not None:
        print(
            f"sign POST: {sign.requests:,} requests answered, {stored:,} signatures stored and "
            f"{queued:,} emails queued meanwhile (requests cut off by wrk's stop are stored too)"
        )
        naive = next(r for r in results if r.path.startswith("naive"))
        share = sign.rps / naive.rps
        print(f"sign POST against the naive one-row insert: {share:.0%} of its req/s "
              f"(ratios to the bare POST {sign.ratio:.0%} and {naive.ratio:.0%})")  # fmt: skip
    print(
        "CPU a request under wrk (medians of the rounds; the machine's figure includes "
        "wrk and the kernel):"
    )
    for name, meter in meters.items():
        if not meter.machine:  # a POST left out by --only
            continue
        print(f"  {name}: {meter.summary()}")
    print("worker RSS: " + ", ".join(f"{mb:.0f} MB" for mb in rss) + " (after every path)")
    cpu = ", ".join(f"{seconds:.2f}" for seconds in app.startup_cpu)
    print(f"gunicorn start to first answered request (home page): {app.startup:.2f} s "
          f"(bare Flask: {bare.startup:.2f} s); CPU seconds used until then by the master "
          f"and each worker: {cpu}\n")  # fmt: skip


def combine(path: str, runs: list[Run], refs: list[Run], *, post: bool) -> Result:
    """A path's rounds: median req/s and ratio, worst p99, summed counts."""
    ratios = [run[0] / ref[0] for run, ref in zip(runs, refs, strict=True)]
    return Result(path, statistics.median(r[0] for r in runs), max(r[1] for r in runs),
                  sum(r[2] for r in runs), sum(r[3] for r in runs), post=post,
                  bare_rps=statistics.median(r[0] for r in refs),
                  ratio=statistics.median(ratios))  # fmt: skip


def measure(
    bare_server: Server, app: Server, url: str, args: argparse.Namespace, tmp: Path
) -> tuple[list[Result], int, int, dict[str, CpuMeter]]:
    """Drive every path, each in --rounds rounds that run the bare app's GET (or POST)
    just before the path itself, so that load from elsewhere on the machine, which comes
    and goes, weighs on both sides of each ratio alike; return the results, the rows
    the sign rounds added and the CPU a request of the POST runs."""
    sec, conns = args.seconds, args.connections
    bare, base = bare_server.base, app.base
    bare_get = LUA_GET % {"path": "/api/v1/representatives", "cookie": ""}
    post = {"signers": lua_signers(), "origin": f"http://{HOST}:{args.port}"}

    def bare_post() -> str:  # a fresh run id each time: every email stays unique
        return LUA_SIGN % {**post, "run": uuid.uuid4().hex[:8], "path": "/"}

    def project_sign() -> str:
        return LUA_SIGN % {"signers": lua_signers(), "origin": base,
                           "run": uuid.uuid4().hex[:8], "path": "/"}  # fmt: skip

    def naive() -> str:
        return LUA_SIGN % {**post, "run": uuid.uuid4().hex[:8], "path": "/naive"}

    thanks_cookie = signer_session(base)
    queries = ", ".join(f'"{q}"' for q in QUERIES)
    lookup_lua = LUA_LOOKUP % {"queries": queries, "path": "/api/v1/representatives"}
    lookup_page_lua = LUA_LOOKUP % {"queries": queries, "path": "/representatives"}
    run_wrk(base, lookup_lua, 2, conns, tmp)  # warm up: every worker builds its index
    for path in ("/", "/api/v1/campaigns/artsakh/counts"):
        expect_ok(base, path, "")
    expect_ok(base, "/thanks", thanks_cookie)
    expect_ok(base, "/", thanks_cookie)
    # (name, server, script for each round, POST?)
    paths: list[tuple[str, str, Callable[[], str], bool]] = [
        ("home page /", base, lambda: LUA_GET % {"path": "/", "cookie": ""}, False),
        # A returning signer's cookie: never answered from memory (httpcache.SharedAnswers).
        ("home page / with a session cookie", base,
         lambda: LUA_GET % {"path": "/", "cookie": thanks_cookie}, False),
        ("counts JSON", base,
         lambda: LUA_GET % {"path": "/api/v1/campaigns/artsakh/counts", "cookie": ""}, False),
        ("lookup JSON (mix)", base, lambda: lookup_lua, False),
        # The page the thank-you page sends signers to, for the same mix of queries.
        ("lookup page (mix)", base, lambda: lookup_page_lua, False),
        ("sign POST", base, project_sign, True),
        ("thanks page", base, lambda: LUA_GET % {"path": "/thanks", "cookie": thanks_cookie},
         False),
        ("naive one-row insert POST (303)", bare, naive, True),
    ]  # fmt: skip
    if args.only:  # the naive insert stays: the sign POST's share is read against it
        paths = [p for p in paths if p[0].startswith("naive")
                 or any(word in p[0] for word in args.only)]  # fmt: skip
    results: list[Result] = []
    before = after = (0, 0)
    # The POSTs' CPU a request: what the sign POST may spend to keep up with a ratio.
    meters = {"bare POST (303)": CpuMeter(), "sign POST": CpuMeter(),
              "naive one-row insert POST": CpuMeter()}  # fmt: skip
    servers = {bare: bare_server, base: app}
    for name, server, script, is_post in paths:
        if name == "sign POST":
            before = count_rows(url)
        runs, refs = [], []
        for _ in range(args.rounds):
            if is_post:
                ref = meters["bare POST (303)"].run(
                    bare_server, partial(run_wrk, bare, bare_post(), sec, conns, tmp)
                )
            else:
                ref = run_wrk(bare, bare_get, sec, conns, tmp)
            refs.append(ref)
            run = partial(run_wrk, server, script(), sec, conns, tmp)
            meter = meters.get(name.replace(" (303)", ""))
            runs.append(meter.run(servers[server], run) if meter is not None else run())
        if name == "sign POST":
            after = count_rows(url)
        results.append(combine(name, runs, refs, post=is_post))
    return results, after[0] - before[0], after[1] - before[1], meters


def print_table(label: str, args: argparse.Namespace, results: list[Result]) -> None:
    print(f"\n{label}: gunicorn -w {args.workers} (sync), wrk -t2 -c{args.connections} "
          f"-d{args.seconds}s, {args.rounds} rounds per path, each after a bare run")  # fmt: skip
    print("| path | req/s | bare Flask req/s | ratio to bare | p99 | non-2xx/3xx |\n"
          "|---|---:|---:|---:|---:|---:|")  # fmt: skip
    for r in results:
        bare = f"{r.bare_rps:,.0f} ({'POST 303' if r.post else 'GET'})"
        print(f"| {r.path} | {r.rps:,.0f} | {bare} | {r.ratio:.0%} | {r.p99_ms:.1f} ms "
              f"| {r.errors} |")  # fmt: skip


def with_schema(url: str, schema: str) -> str:
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=int, default=4, help="per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each path")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=5031, help="bare app; the project uses +1")
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--only", nargs="+", metavar="WORD",
                        help='measure only the paths whose name holds a WORD ("sign", "home", '
                             '"lookup"...), and the naive insert')  # fmt: skip
    args = parser.parse_args()
    on_each_database(args.database, args.pg_url,
                     lambda label, url, tmp: bench_database(label, url, args, tmp))  # fmt: skip


def on_each_database(database: str, pg_url: str, run: Callable[[str, str, Path], None]) -> None:
    """Call run(label, url, tmp folder) on a fresh SQLite file and, in a private schema
    dropped afterwards, on PostgreSQL, as `database` (sqlite, postgresql or both) asks."""
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        if database in ("sqlite", "both"):
            run("SQLite", f"sqlite:///{tmp}/bench.db", tmp)
        if database in ("postgresql", "both"):
            from sqlalchemy import create_engine, text

            schema = f"bench_{uuid.uuid4().hex[:12]}"
            admin = create_engine(pg_url)
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            try:
                run("PostgreSQL", with_schema(pg_url, schema), tmp)
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()


if __name__ == "__main__":
    main()
