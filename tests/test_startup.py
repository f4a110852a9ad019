"""What a worker does before its first answer: no import it does not need, templates
compiled once for all starts (and rendered as usual when that cache is unusable)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flask import render_template

from petition import TemplateCache

ROOT = Path(__file__).resolve().parent.parent


def test_a_worker_without_redis_or_online_lookups_imports_neither_client(tmp_path) -> None:
    code = (
        "import json, sys\n"
        "from petition import create_app\n"
        "create_app({'SECRET_KEY': 'k', 'BASE_URL': 'http://x', 'DATABASE_URL': 'sqlite://'})\n"
        "print(json.dumps({m: m in sys.modules for m in ('redis', 'requests')}))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITION_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                         capture_output=True, text=True, timeout=120).stdout  # fmt: skip
    assert json.loads(out.splitlines()[-1]) == {"redis": False, "requests": False}


def test_templates_render_when_their_cache_cannot_be_written(make_app, tmp_path) -> None:
    app = make_app()
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("")
    app.jinja_env.bytecode_cache = TemplateCache(str(not_a_folder))
    with app.test_request_context("/"):
        assert "</html>" in render_template("errors/500.html")


def test_compiled_templates_are_kept_and_used(make_app, tmp_path, monkeypatch) -> None:
    app = make_app()
    app.jinja_env.bytecode_cache = TemplateCache(str(tmp_path))
    with app.test_request_context("/"):
        first = render_template("errors/500.html")
    assert list(tmp_path.iterdir())  # written once...
    app.jinja_env.cache.clear()  # ...and read by the next start, which compiles nothing

    def compile_again(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise AssertionError("compiled again")

    monkeypatch.setattr(app.jinja_env, "compile", compile_again)
    with app.test_request_context("/"):
        assert render_template("errors/500.html") == first
