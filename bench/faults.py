"""Load and fault figures against gunicorn with 2 workers, on SQLite and PostgreSQL.

Usage: .venv/bin/python bench/faults.py [--db sqlite|postgresql|both] [--port 5021]
       [--pg-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Three scenarios per database, each on a fresh database, printed as figures (not tests):

1. race: 500 concurrent signers, 100 of them one person whose email is written in
   different ways (case, Gmail dots and +tags, googlemail.com) -> expect 401 signatures, 0 5xx.
2. kill: 300 signers while one gunicorn worker is killed with SIGKILL -> every signer whose
   request got a success (303) has a signature in the database.
3. smtp: the mail server accepts connections and never answers while 200 people sign,
   4 at a time -> sign latency (p50/p99); then it recovers and the mail worker (its SMTP
   timeout cut to 2 s, retries from 1 s) sends every message exactly once.

Rate limits are switched off (PETITION_RATELIMIT_ENABLED=false): every request comes from
127.0.0.1, and the figures are about concurrency and faults, not about limits.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import requests
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
TOKEN_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RACERS = 100
WARM_UP = "/representatives?country=US&postal_code=10001"
SIGNERS = 500
KILL_SIGNERS = 300
SMTP_SIGNERS = 200
SMTP_THREADS = 4


def racing_emails(count: int) -> list[str]:
    """One Gmail user's address written `count` different ways."""
    forms = []
    for n in range(count):
        local = "ani.hakobyan" if n % 2 else "anihakobyan"
        local = local.upper() if n % 3 == 0 else local
        domain = ("gmail.com", "GMail.com", "googlemail.com")[n % 3]
        forms.append(f"{local}+t{n}@{domain}")
    return forms


class Signer:
    """One browser: loads the form, then posts it when told."""

    def __init__(self, base: str, email: str, n: int) -> None:
        self.base, self.email, self.n = base, email, n
        self.http = requests.Session()
        page = self.http.get(f"{base}/", timeout=120).text
        self.token = TOKEN_RE.search(page).group(1)  # type: ignore[union-attr]

    def sign(self) -> tuple[str, int | str, float]:
        data = {"csrf_token": self.token, "name": f"Signer {self.n}", "email": self.email,
                "country": "US", "postal_code": "10001", "privacy": "y"}  # fmt: skip
        start = time.perf_counter()
        try:
            status: int | str = self.http.post(
                f"{self.base}/", data=data, allow_redirects=False, timeout=120
            ).status_code
        except requests.RequestException as exc:
            status = type(exc).__name__
        finally:
            self.http.close()
        return self.email, status, time.perf_counter() - start


def sign_all(base: str, emails: list[str], during: Callable[[], None] | None = None,
             threads: int | None = None) -> list[tuple[str, int | str, float]]:  # fmt: skip
    """Load every form first, then post them all at once (or from `threads` threads)."""
    with ThreadPoolExecutor(max_workers=64) as pool:
        signers = list(pool.map(lambda a: Signer(base, a[1], a[0]), enumerate(emails)))
    if threads is not None:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            return list(pool.map(Signer.sign, signers))
    barrier = threading.Barrier(len(signers) + (1 if during else 0))

    def go(signer: Signer) -> tuple[str, int | str, float]:
        barrier.wait()
        return signer.sign()

    with ThreadPoolExecutor(max_workers=len(signers)) as pool:
        futures = [pool.submit(go, s) for s in signers]
        if during:
            barrier.wait()
            during()
        return [f.result() for f in futures]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(kind: str, pg_url: str, tmp: Path) -> Iterator[str]:
    """A fresh, migrated and loaded database; yields its URL."""
    if kind == "sqlite":
        url = f"sqlite:///{tmp / f'bench-{uuid.uuid4().hex[:8]}.db'}"
        schema = None
    else:
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with create_engine(pg_url).begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{pg_url}?options=-csearch_path%3D{schema}"
    env = {**os.environ, "PETITION_DATABASE_URL": url, "PETITION_SECRET_KEY": "bench"}
    for args in (["db", "upgrade"], ["data", "load"]):
        subprocess.run([str(BIN / "flask"), "--app", "petition", *args], env=env, check=True,
                       capture_output=True, cwd=ROOT)  # fmt: skip
    try:
        yield url
    finally:
        if schema:
            with create_engine(pg_url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


def app_env(url: str, mail_url: str) -> dict[str, str]:
    return {**os.environ, "PETITION_DATABASE_URL": url, "PETITION_SECRET_KEY": "bench",
            "PETITION_MAIL_URL": mail_url, "PETITION_RATELIMIT_ENABLED": "false",
            "PETITION_LOG_LEVEL": "WARNING"}  # fmt: skip


@contextmanager
def gunicorn(url: str, port: int, mail_url: str) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn with 2 sync workers on 127.0.0.1:port, ready to serve."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"Port {port} is already in use: stop that server first.")
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30",
         "petition:create_app()"],
        env=app_env(url, mail_url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/", timeout=5).status_code == 200:
                break
        except requests.RequestException:
            time.sleep(0.3)
    # Warm up both workers: each builds its in-memory reference index on first use (~1 s).
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: requests.get(f"http://127.0.0.1:{port}{WARM_UP}", timeout=60),
                      range(8)))  # fmt: skip
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=60)
        errors = [line for line in err.decode().splitlines() if "Traceback" in line]
        if errors:
            print(f"    gunicorn logged {len(errors)} tracebacks")


def worker_pids(master: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(master)], capture_output=True,
                         text=True, check=False).stdout  # fmt: skip
    return [int(pid) for pid in out.split()]


def stored_emails(url: str) -> list[str]:
    from petition.models import Signature

    engine = create_engine(url)
    with engine.connect() as conn:
        emails = list(conn.scalars(select(Signature.email)))
    engine.dispose()
    return emails


def outbox_state(url: str) -> tuple[int, int, int]:
    """(messages, sent, given up)."""
    from petition.models import OutboxMessage

    engine = create_engine(url)
    with engine.connect() as conn:
        total = conn.scalar(select(func.count(OutboxMessage.id))) or 0
        sent = conn.scalar(select(func.count(OutboxMessage.sent_at))) or 0
        failed = conn.scalar(select(func.count(OutboxMessage.failed_at))) or 0
    engine.dispose()
    return total, sent, failed


def summary(results: list[tuple[str, int | str, float]]) -> str:
    statuses = Counter(str(status) for _email, status, _t in results)
    times = sorted(t for _e, _s, t in results)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return (f"statuses {dict(sorted(statuses.items()))}; latency p50 "
            f"{statistics.median(times) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms")  # fmt: skip


def run_race(url: str, port: int) -> None:
    emails = [f"person{n}@example.org" for n in range(SIGNERS - RACERS)] + racing_emails(RACERS)
    with gunicorn(url, port, "console:"):
        results = sign_all(f"http://127.0.0.1:{port}", emails)
    fivexx = sum(1 for _e, s, _t in results if isinstance(s, int) and s >= 500)
    print(f"  race: {len(emails)} concurrent signers ({RACERS} racing on one Gmail address): "
          f"{summary(results)}")  # fmt: skip
    print(f"    signatures stored: {len(stored_emails(url))} (expected "
          f"{SIGNERS - RACERS + 1}); 5xx: {fivexx}")  # fmt: skip


def run_kill(url: str, port: int) -> None:
    emails = [f"kill{n}@example.org" for n in range(KILL_SIGNERS)]
    with gunicorn(url, port, "console:") as master:
        victims = worker_pids(master.pid)

        def kill_one() -> None:
            time.sleep(0.5)  # some requests are in flight by now
            os.kill(victims[0], signal.SIGKILL)

        results = sign_all(f"http://127.0.0.1:{port}", emails, during=kill_one)
    ok = {e for e, s, _t in results if s == 303}
    stored = set(stored_emails(url))
    print(f"  kill: {len(emails)} signers, worker {victims[0]} killed with SIGKILL 0.5 s in: "
          f"{summary(results)}")  # fmt: skip
    print(f"    successes {len(ok)}; of those missing from the database: {len(ok - stored)}; "
          f"stored without a success answer: {len(stored - ok)}")  # fmt: skip


class Recorder:
    def __init__(self) -> None:
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd)
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def run_smtp(url: str, port: int) -> None:
    smtp_port = free_port()
    hang = socket.create_server(("127.0.0.1", smtp_port))  # accepts, never answers
    held: list[socket.socket] = []

    def accept_forever() -> None:
        with contextlib.suppress(OSError):  # the socket closed: the server recovers
            while True:
                held.append(hang.accept()[0])

    threading.Thread(target=accept_forever, daemon=True).start()
    mail_url = f"smtp://127.0.0.1:{smtp_port}"
    env = {**app_env(url, mail_url), "PETITION_MAIL_TIMEOUT": "2",
           "PETITION_MAIL_RETRY_BASE": "1", "PETITION_MAIL_POLL_SECONDS": "0.5"}  # fmt: skip
    emails = [f"smtp{n}@example.org" for n in range(SMTP_SIGNERS)]
    worker = subprocess.Popen(
        [str(BIN / "flask"), "--app", "petition", "mail", "work"],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with gunicorn(url, port, mail_url):
            # A steady stream rather than a burst, so latency is the request's own time,
            # not the queue in front of 2 workers.
            results = sign_all(f"http://127.0.0.1:{port}", emails, threads=SMTP_THREADS)
        print(f"  smtp: {len(emails)} signers ({SMTP_THREADS} at a time) while the mail server "
              f"hangs: {summary(results)}")  # fmt: skip
        print(f"    connections the hanging server got meanwhile (the worker's): {len(held)}")
        hang.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread, frees the port
        hang.close()
        for conn in held:
            conn.close()
        recorder = Recorder()
        controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
        controller.start()
        recovered = time.monotonic()
        deadline = recovered + 300
        while time.monotonic() < deadline and outbox_state(url)[1] < len(emails):
            time.sleep(0.5)
        drained = time.monotonic() - recovered
        controller.stop()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    total, sent, failed = outbox_state(url)
    counts = Counter(recorder.recipients)
    print(f"    after recovery: outbox {total}, sent {sent}, given up {failed} in {drained:.1f} s; "
          f"SMTP got {len(recorder.recipients)} messages for {len(counts)} addresses, "
          f"{sum(1 for c in counts.values() if c > 1)} sent twice")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--port", type=int, default=5021)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--only", choices=["race", "kill", "smtp"], default=None)
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    scenarios = {"race": run_race, "kill": run_kill, "smtp": run_smtp}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            print(f"{kind}:")
            for name, scenario in scenarios.items():
                if args.only in (None, name):
                    with database(kind, args.pg_url, Path(tmp)) as url:
                        scenario(url, args.port)


if __name__ == "__main__":
    main()
