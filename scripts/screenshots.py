"""Write phone and desktop screenshots of the main pages to docs/screenshots/.

Runs the app in this process on a free local port with a fresh SQLite database holding
the committed reference tables and no signature (so the home page shows its empty
state), and drives Debian's chromium (never a browser Playwright downloads).

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--chromium PATH]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

from petition import create_app
from petition.db import Base, get_engine

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
PAGES = {
    "home": "/",
    "representatives": "/representatives?country=CA&postal_code=X0A+0H0",
    "letter": "/letters/ourcommons:111116",
    "about": "/about",
    "embed": "/embed/artsakh",
}
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/screenshots")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--full-page", action="store_true", help="whole pages")
    parser.add_argument("--no-js", action="store_true", help="with JavaScript turned off")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per picture is enough
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                "SECRET_KEY": "screenshots",
                "DATABASE_URL": f"sqlite:///{tmp}/screens.db",
                "RATELIMIT_ENABLED": False,
            }
        )
        Base.metadata.create_all(get_engine(app))
        result = app.test_cli_runner().invoke(args=["data", "load"])
        if result.exit_code != 0:
            raise SystemExit(result.output)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            shoot(f"http://127.0.0.1:{server.server_port}", out, args)
        finally:
            server.shutdown()
            get_engine(app).dispose()


def shoot(base: str, out: Path, args: argparse.Namespace) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=CHROMIUM_FLAGS)
        for width_name, viewport in WIDTHS.items():
            context = browser.new_context(viewport=viewport, java_script_enabled=not args.no_js)
            # Photos of representatives live on official sites: stay offline, show initials.
            context.route("http*://**", lambda route: _local_only(route, base))
            page = context.new_page()
            for name, path in PAGES.items():
                page.goto(base + path)
                target = out / f"{name}-{width_name}.png"
                page.screenshot(path=str(target), full_page=args.full_page)
                print(target)
            context.close()
        browser.close()


def _local_only(route, base: str) -> None:  # type: ignore[no-untyped-def]
    if route.request.url.startswith(base):
        route.continue_()
    else:
        route.abort()


if __name__ == "__main__":
    main()
