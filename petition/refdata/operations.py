"""Build, check and refresh the reference tables (called by `flask data ...`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from petition.refdata.corrections import (
    CORRECTIONS_FILE,
    STATUS_FILE,
    Correction,
    apply_corrections,
    check_corrections,
    read_corrections,
    render_status,
)
from petition.refdata.http import HttpClient
from petition.refdata.schema import CheckResult, CountryData, read_csv
from petition.refdata.tables import (
    COUNTRY_CODES,
    country_module,
    read_all,
    render_files,
    write_files,
)

# A refresh that loses more than this share of any table's rows is refused.
MAX_DROP = 0.10


class RefreshRefusedError(RuntimeError):
    """The downloaded data failed validation; the tables were left untouched."""


def build_tables(
    sources: Path, out_dir: Path, corrections: list[Correction] | None = None
) -> dict[str, CheckResult]:
    """Build every country's tables from the source snapshots, correct and write them."""
    missing = [c for c in COUNTRY_CODES if not (sources / c).is_dir()]
    if missing:
        raise FileNotFoundError(f"{sources}: no folder for {', '.join(missing)}")
    datas = {code: country_module(code).build(sources) for code in COUNTRY_CODES}
    rows = [row for data in datas.values() for row in data.representatives]
    statuses = apply_corrections(rows, corrections or [])
    write_files(out_dir, render_files(datas) | {STATUS_FILE: render_status(statuses)})
    return {code: country_module(code).check(data) for code, data in datas.items()}


def check_tables(data_dir: Path) -> dict[str, CheckResult]:
    """Check the tables under data_dir country by country, then the corrections.

    :raises CorrectionError: corrections.csv is malformed.
    """
    datas = read_all(data_dir)
    results = {}
    for code in COUNTRY_CODES:
        if code in datas:
            results[code] = country_module(code).check(datas[code])
        else:
            results[code] = CheckResult(holes=[f"{code}: no tables under {data_dir}"])
    corrections = corrections_result(data_dir)
    if corrections:
        results["corrections"] = corrections
    return results


def corrections_result(data_dir: Path) -> CheckResult | None:
    """Say for each line of corrections.csv whether it is still needed; None without any.

    :raises CorrectionError: corrections.csv is malformed.
    """
    corrections = read_corrections(data_dir / CORRECTIONS_FILE)
    if not corrections:
        return None
    verdicts = check_corrections(corrections, data_dir / STATUS_FILE)
    counts = Counter(f"corrections_{verdict}" for verdict, _message in verdicts)
    return CheckResult(
        counts=dict(sorted(counts.items())), warnings=[message for _v, message in verdicts]
    )


@dataclass
class RefreshReport:
    refreshed: list[str] = field(default_factory=list)
    checks: dict[str, CheckResult] = field(default_factory=dict)


def refresh_tables(
    data_dir: Path,
    codes: list[str],
    client: HttpClient,
    urls: dict[str, dict[str, str]],
    today: str,
    corrections: list[Correction] | None = None,
) -> RefreshReport:
    """Fetch fresh data for the given countries; write only when all of it validates.

    :raises FetchError: a download failed.
    :raises ValueError: a download was malformed.
    :raises RefreshRefusedError: the new data would lose rows or coverage.
    """
    current = read_all(data_dir)
    fresh: dict[str, CountryData] = {}
    report = RefreshReport()
    for code in codes:
        module = country_module(code)
        merged_urls = {**module.OFFICIAL_URLS, **urls.get(code, {})}
        data = module.fetch(client, merged_urls, current.get(code), today)
        if not data.readme and code in current:
            data.readme = current[code].readme
        report.checks[code] = check = module.check(data)
        reasons = check.holes + compare_sizes(code, current.get(code), data)
        if reasons:
            raise RefreshRefusedError(f"{code}: refresh refused: " + "; ".join(reasons))
        fresh[code] = data
    rows = [row for data in fresh.values() for row in data.representatives]
    statuses = apply_corrections(rows, corrections or [])
    files = render_files({**current, **fresh})
    kept = {row["id"] for code, data in current.items() if code not in fresh
            for row in data.representatives}  # fmt: skip
    statuses += carry_statuses(data_dir, kept)
    write_files(data_dir, files | {STATUS_FILE: render_status(statuses)})
    report.refreshed = list(fresh)
    return report


def carry_statuses(data_dir: Path, kept_ids: set[str]) -> list[dict[str, str]]:
    """Return the last status of corrections whose records this refresh did not touch."""
    path = data_dir / STATUS_FILE
    old = read_csv(path).rows if path.exists() else []
    return [r for r in old if r["id"] in kept_ids or r["new_value"] in kept_ids]


def compare_sizes(code: str, old: CountryData | None, new: CountryData) -> list[str]:
    """Return reasons to refuse new data that lost rows or columns against the old."""
    if old is None:
        return []
    pairs = [("representatives", len(old.representatives), len(new.representatives))]
    reasons = []
    for name, table in old.tables.items():
        new_table = new.tables.get(name)
        if new_table is None:
            reasons.append(f"table {name} is missing from the new data")
            continue
        if set(new_table.header) != set(table.header):
            reasons.append(
                f"table {name} has columns {list(new_table.header)}, expected {list(table.header)}"
            )
        pairs.append((name, len(table.rows), len(new_table.rows)))
    for name, before, after in pairs:
        if after < before * (1 - MAX_DROP):
            reasons.append(f"{name} would fall from {before} to {after} rows")
    return reasons
