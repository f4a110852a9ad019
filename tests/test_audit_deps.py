"""scripts/audit_deps.py: a vulnerability fails `make lint`, an unreachable service says so."""

from __future__ import annotations

import importlib.util
import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
assert spec and spec.loader
audit_deps = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_deps)


def _pip_audit_prints(monkeypatch: pytest.MonkeyPatch, stdout: str) -> None:
    def run(command: list[str], **_kwargs: object) -> subprocess.CompletedProcess[str]:
        assert "--format" in command and "json" in command
        return subprocess.CompletedProcess(command, 1, stdout=stdout, stderr="")

    monkeypatch.setattr(audit_deps.subprocess, "run", run)


def _report(*dependencies: dict[str, object]) -> str:
    return json.dumps({"dependencies": list(dependencies), "fixes": []})


def test_a_known_vulnerability_fails(monkeypatch, capsys) -> None:
    vuln = {"id": "PYSEC-0000-1", "fix_versions": ["2.0"], "aliases": [], "description": ""}
    vulnerable = {"name": "flask", "version": "1.0", "vulns": [vuln]}
    unknown = {"name": "x", "version": "1", "skip_reason": "404"}
    _pip_audit_prints(monkeypatch, _report(vulnerable, unknown))
    assert audit_deps.main() == 1
    out = capsys.readouterr().out
    assert "flask 1.0: PYSEC-0000-1 (fixed in: 2.0)" in out
    assert "1 packages audited (1 could not be looked up), 1 known vulnerabilities" in out


def test_a_clean_audit_passes(monkeypatch, capsys) -> None:
    _pip_audit_prints(monkeypatch, _report({"name": "flask", "version": "3.1", "vulns": []}))
    assert audit_deps.main() == 0
    assert "1 packages audited (0 could not be looked up), 0 known" in capsys.readouterr().out


@pytest.mark.parametrize(
    "stdout", [_report({"name": "flask", "version": "3.1", "skip_reason": "not found"}), ""]
)
def test_an_unreachable_service_is_a_clear_skip(monkeypatch, capsys, stdout: str) -> None:
    _pip_audit_prints(monkeypatch, stdout)
    assert audit_deps.main() == 0
    assert capsys.readouterr().out.startswith("pip-audit skipped:")
