"""Audit the installed packages for known vulnerabilities with pip-audit.

Usage: .venv/bin/python scripts/audit_deps.py

Exits 1 when a vulnerability is known for an installed version. When the vulnerability
service cannot be reached (offline, or an index mirror without it), it says so plainly
and exits 0, so `make lint` works without a network but never passes an audit silently.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).parent / "pip-audit"
COMMAND = [str(PIP_AUDIT), "--skip-editable", "--progress-spinner", "off", "--format", "json"]
# Longest the audit may take; a hanging network counts as unreachable.
TIMEOUT_SECONDS = 300


def main() -> int:
    try:
        result = subprocess.run(COMMAND, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
        report = json.loads(result.stdout)
    except (subprocess.TimeoutExpired, json.JSONDecodeError) as exc:
        print(f"pip-audit skipped: the vulnerability service could not be reached ({exc}).")
        return 0
    dependencies = report.get("dependencies", [])
    audited = [d for d in dependencies if "skip_reason" not in d]
    if not audited:
        print(f"pip-audit skipped: none of the {len(dependencies)} installed packages could be "
              "looked up (the vulnerability service is not reachable from here).")  # fmt: skip
        return 0
    found = [(d["name"], d["version"], v["id"], ", ".join(v.get("fix_versions", [])) or "none")
             for d in audited for v in d.get("vulns", [])]  # fmt: skip
    for name, version, vuln, fixes in found:
        print(f"{name} {version}: {vuln} (fixed in: {fixes})")
    skipped = len(dependencies) - len(audited)
    print(f"pip-audit: {len(audited)} packages audited ({skipped} could not be looked up), "
          f"{len(found)} known vulnerabilities.")  # fmt: skip
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
