"""Seed many confirmed signatures and their tallies fast, for the benches.

`seed_signatures(engine, campaign_id, n)` bulk-inserts straight into the tables
(executemany, batches of BATCH rows) and writes the SignatureCount and
SignatureDayCount rows computed in Python, so the counts match the rows exactly.
Usage: `campaign_id = ensure_campaign(engine); seed_signatures(engine, campaign_id, n)`.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, text

from petition.models import (
    Campaign,
    Signature,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
)

BATCH = 20_000
# Share of signers who agreed to campaign emails.
UPDATES_SHARE = 0.30
# Share of signers whose name looks like a spreadsheet formula.
FORMULA_SHARE = 0.001
START = datetime(2025, 1, 1, 8, 0, 0)
DAYS = 90

# country: (weight, {region: [districts]}); EU members use their own code as region.
PLACES: dict[str, tuple[int, dict[str, list[str]]]] = {
    "CA": (30, {"ON": ["35052", "35069", "35075"], "QC": ["24018", "24003"], "BC": ["59001"]}),
    "US": (30, {"NY": ["NY-12", "NY-10"], "CA": ["CA-14", "CA-12", "CA-37"], "TX": ["TX-07"]}),
    "FR": (15, {"FR": [""]}),
    "DE": (10, {"DE": [""]}),
    "AM": (10, {"": [""]}),
    "IE": (3, {"IE": ["IE-dublin", "IE-south"]}),
    "BE": (2, {"BE": ["BE-dutch", "BE-french"]}),
}
POSTAL = {"CA": "K1A 0B1", "US": "10001", "FR": "75001", "DE": "10115", "AM": "0010"}
FIRST = ["Anahit", "Élodie", "François", "Zoë", "Jürgen", "Søren", "Nuño", "Chloé", "Արամ",
         "Անի", "Mary", "José", "Łukasz", "Ağop", "Gévorg", "Nareh"]  # fmt: skip
LAST = ["Petrosyan", "Müller", "Lefèvre", "O'Brien", "Գրիգորյան", "Հակոբյան", "García-Núñez",
        "Smith", "Kévorkian", "Dvořák", "Ստեփանյան", "Nguyễn"]  # fmt: skip
FORMULAS = ['=HYPERLINK("http://x","click")', "+1-2", "-1+1", "@SUM(A1:A9)", "\t=1+1",
            "\r=2", " =cmd|' /C calc'!A0"]  # fmt: skip


def ensure_campaign(engine: Engine, slug: str = "bench", anonymous: bool = False) -> int:
    """Return the id of the campaign with this slug, creating it if needed."""
    with engine.begin() as conn:
        found = conn.scalar(select(Campaign.id).where(Campaign.slug == slug))
        if found is not None:
            return int(found)
        values = {"slug": slug, "title": "Bench", "goal": 1_000_000, "anonymous": anonymous,
                  "created_at": START, "updated_at": START}  # fmt: skip
        return int(conn.execute(insert(Campaign).values(**values)).inserted_primary_key[0])


def _place(rng: random.Random) -> tuple[str, str, str]:
    """Pick a country, region and district with realistic weights."""
    country = rng.choices(_COUNTRIES, _WEIGHTS)[0]
    regions = PLACES[country][1]
    region = rng.choice(list(regions))
    return country, region, rng.choice(regions[region])


_COUNTRIES = list(PLACES)
_WEIGHTS = [weight for weight, _ in PLACES.values()]


def _row(rng: random.Random, campaign_id: int, i: int) -> dict[str, Any]:
    """Build one confirmed signature's column values."""
    country, region, district = _place(rng)
    if rng.random() < FORMULA_SHARE:
        name = rng.choice(FORMULAS)
    else:
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    created = START + timedelta(seconds=rng.randrange(DAYS * 86_400))
    email = f"signer{i}@example.org"
    return {
        "campaign_id": campaign_id, "name": name, "email": email, "email_canonical": email,
        "country": country, "postal_code": POSTAL.get(country, ""), "region": region,
        "district_id": district, "updates": rng.random() < UPDATES_SHARE,
        "state": SignatureState.CONFIRMED, "confirm_token_hash": None,
        "token_expires_at": created + timedelta(days=7), "delete_nonce": f"{i:032x}",
        "ip_hash": "", "duplicate_attempts": 0, "last_notified_at": None,
        "created_at": created, "confirmed_at": created + timedelta(minutes=rng.randrange(600)),
    }  # fmt: skip


def seed_signatures(engine: Engine, campaign_id: int, n: int, *, seed: int = 1) -> None:
    """Insert n confirmed signatures for the campaign, with tallies that match them."""
    rng = random.Random(seed)
    places: Counter[tuple[str, str, str]] = Counter()
    days: Counter[date] = Counter()
    table = Signature.__table__
    for start in range(0, n, BATCH):
        rows = [_row(rng, campaign_id, i) for i in range(start, min(n, start + BATCH))]
        for row in rows:
            places[row["country"], row["region"], row["district_id"]] += 1
            days[row["confirmed_at"].date()] += 1
        with engine.begin() as conn:
            conn.execute(insert(table), rows)
    _write_tallies(engine, campaign_id, places, days)
    if engine.dialect.name == "postgresql":
        # Autovacuum would gather statistics soon after a bulk load; do it now so the
        # planner sees the real table (SQLite is left without stats, as in production).
        with engine.begin() as conn:
            conn.execute(text("ANALYZE signatures, signature_counts, signature_day_counts"))


def _write_tallies(
    engine: Engine,
    campaign_id: int,
    places: Counter[tuple[str, str, str]],
    days: Counter[date],
) -> None:
    """Add the confirmed tallies of the seeded rows (the tables start empty for the campaign)."""
    confirmed = SignatureState.CONFIRMED
    place_rows = [{"campaign_id": campaign_id, "country": c, "region": r, "district_id": d,
                   "state": confirmed, "count": k, "updated_at": START}
                  for (c, r, d), k in places.items()]  # fmt: skip
    day_rows = [{"campaign_id": campaign_id, "day": day, "state": confirmed, "count": k}
                for day, k in days.items()]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(SignatureCount), place_rows)
        conn.execute(insert(SignatureDayCount), day_rows)
