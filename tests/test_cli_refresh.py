"""`flask data refresh` end to end against a local HTTP server serving official-format files."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from petition import create_app
from petition.refdata import ca
from petition.refdata.tables import render_files, write_files

CA_FIXTURES = Path(__file__).parent / "fixtures" / "refdata"
OFFICIAL = CA_FIXTURES / "ca" / "official"
OCD_CSV = CA_FIXTURES / "ca" / "ocd-division-ids" / "ca_federal_electoral_districts-2023.csv"
ROUTES = {
    "/representatives/house-of-commons/?limit=5": OFFICIAL / "represent_page1.json",
    "/representatives/house-of-commons/?limit=5&offset=5": OFFICIAL / "represent_page2.json",
    "/ocd.csv": OCD_CSV,
}


class Handler(BaseHTTPRequestHandler):
    """Serves the fixture files; answers 500 to everything when the server is broken."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's hook name)
        path = ROUTES.get(self.path)
        if self.server.broken or path is None:  # type: ignore[attr-defined]
            self.send_error(500 if self.server.broken else 404)  # type: ignore[attr-defined]
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[ThreadingHTTPServer]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.broken = False  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def refresh_app(server: ThreadingHTTPServer, tmp_path: Path):
    """An app whose data folder holds tables built from the Canadian fixtures."""
    (tmp_path / "campaigns").symlink_to(Path(__file__).parent.parent / "data" / "campaigns")
    write_files(tmp_path, render_files({"ca": ca.build(CA_FIXTURES)}))
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = {
        "represent_mps": base + "/representatives/house-of-commons/?limit=5",
        "ocd_ridings": base + "/ocd.csv",
    }
    return create_app(
        {
            "DATABASE_URL": "sqlite://",
            "SECRET_KEY": "k",
            "DATA_DIR": str(tmp_path),
            "REFRESH_URLS": {"ca": urls},
        }
    )


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def fixture_ridings_per_province() -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in ca.build(CA_FIXTURES).representatives:
        counts[row["region"]] = counts.get(row["region"], 0) + 1
    return counts


def test_refresh_writes_fresh_tables(refresh_app, tmp_path: Path, monkeypatch) -> None:
    # The fixtures hold a handful of ridings, not the real 343.
    monkeypatch.setattr(ca, "EXPECTED_RIDINGS", fixture_ridings_per_province())
    before = snapshot(tmp_path)
    result = refresh_app.test_cli_runner().invoke(args=["data", "refresh", "--country", "ca"])
    assert result.exit_code == 0, result.output
    assert "Refreshed ca" in result.output and "No holes." in result.output
    after = snapshot(tmp_path)
    assert after["postal_ca.csv"] == before["postal_ca.csv"]  # no official source: kept
    assert after["representatives.csv"] != before["representatives.csv"]
    assert b"represent" in after["representatives.csv"]


def test_refresh_refuses_incomplete_coverage(refresh_app, tmp_path: Path) -> None:
    before = snapshot(tmp_path)  # the fixtures have 9 ridings where 343 are expected
    result = refresh_app.test_cli_runner().invoke(args=["data", "refresh", "--country", "ca"])
    assert result.exit_code == 1 and "refresh refused" in result.output
    assert "not 343" in result.output
    assert snapshot(tmp_path) == before


def test_failed_refresh_keeps_tables_and_says_why(refresh_app, server, tmp_path: Path) -> None:
    server.broken = True
    before = snapshot(tmp_path)
    result = refresh_app.test_cli_runner().invoke(args=["data", "refresh", "--country", "ca"])
    assert result.exit_code == 1
    assert "HTTP 500" in result.output or "500" in result.output
    assert "The existing tables were left untouched." in result.output
    assert snapshot(tmp_path) == before
