"""What the browser tests share: Debian's chromium, how Playwright launches it, a local server.

The `browser` and `base_url` fixtures built on these live in tests/conftest.py.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from werkzeug.serving import make_server

# Debian's chromium (never a browser Playwright downloads); PETITION_TEST_CHROMIUM points
# elsewhere, to check the CI rule below.
CHROMIUM = os.environ.get("PETITION_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def require_chromium() -> None:
    """Skip the browser tests when Debian's chromium is missing; in CI, fail instead."""
    if os.path.exists(CHROMIUM):
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{CHROMIUM} is missing: CI installs Debian's chromium", pytrace=False)
    pytest.skip("Debian's chromium is not installed (apt install chromium)")


@contextmanager
def launch_chromium() -> Iterator[Any]:
    """Debian's chromium, headless, driven by Playwright; closed on leaving."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def serve(wsgi_app: Any) -> tuple[str, Any]:
    """Serve a WSGI app on a free local port in a thread; return its URL and the server."""
    server = make_server("127.0.0.1", 0, _read_whole(wsgi_app), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def _read_whole(wsgi_app: Any) -> Any:
    """The app, each answer read whole and closed before the server writes it.

    werkzeug's development server does not close an answer whose connection the browser
    dropped halfway (Chromium stops loading a favicon when it leaves the page): the
    garbage collector closes its file later, with a ResourceWarning that fails whichever
    test happens to run then. The answers here are small.
    """

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        answer = wsgi_app(environ, start_response)
        try:
            return [b"".join(answer)]
        finally:
            if hasattr(answer, "close"):
                answer.close()

    return app
