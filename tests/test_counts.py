"""The tally journal: signing inserts journal rows, the refresher folds them, counts stay exact."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from petition.campaigns import get_campaign
from petition.cli import worker_chores
from petition.counts import fold_tallies, fold_tally_journal
from petition.db import get_engine, get_session, write_sessionmaker
from petition.models import (
    COUNTED_STATES,
    Signature,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
    TallyJournal,
)
from petition.signatures import confirm_signature, delete_signature, sign_campaign
from petition.tallies import read_counts

ALL_STATES = frozenset(SignatureState)
PLACES = [("US", "10001"), ("CA", "K1A 0B1"), ("FR", "75001"), ("US", "94103")]


def _sign(n: int) -> tuple[Signature, str]:
    session = get_session()
    country, postal_code = PLACES[n % len(PLACES)]
    result = sign_campaign(
        session,
        get_campaign(session, "artsakh"),  # type: ignore[arg-type]
        name=f"Signer {n}",
        email=f"signer{n}@example.org",
        country=country,
        postal_code=postal_code,
        updates=False,
        ip_hash="h",
        token_ttl=timedelta(days=7),
        notice_interval=timedelta(minutes=60),
    )
    session.commit()
    assert result.confirm_token
    return result.signature, result.confirm_token


def _campaign_id() -> int:
    campaign = get_campaign(get_session(), "artsakh")
    assert campaign is not None
    return campaign.id


def _recount() -> dict[tuple[str, str, str, SignatureState], int]:
    """Count the signatures table itself, by place and state."""
    place = (Signature.country, Signature.region, Signature.district_id, Signature.state)
    rows = get_session().execute(select(*place, func.count()).group_by(*place)).all()
    return {tuple(row[:-1]): row[-1] for row in rows}  # type: ignore[misc]


def _folded_tallies() -> dict[tuple[str, str, str, SignatureState], int]:
    """Read the place tallies alone (without the journal)."""
    rows = get_session().scalars(select(SignatureCount)).all()
    return {(r.country, r.region, r.district_id, r.state): r.count for r in rows if r.count}


def _figures(states: frozenset[SignatureState]) -> tuple[object, ...]:
    """Return the public figures (not their time) read from the tallies and the journal."""
    c = read_counts(get_session(), _campaign_id(), states)
    return c.total, c.by_country, c.by_region, c.by_district


def _journal_rows() -> int:
    return int(get_session().scalar(select(func.count(TallyJournal.id))) or 0)


def test_signing_writes_a_journal_row_and_no_tally_row(app_ctx: None) -> None:
    _sign(0)
    assert _journal_rows() == 1
    assert get_session().scalar(select(func.count()).select_from(SignatureCount)) == 0
    counts = read_counts(get_session(), _campaign_id(), frozenset({SignatureState.PENDING}))
    assert counts.total == 1 and counts.by_country == {"US": 1}


def test_fold_moves_the_journal_into_the_tallies(app_ctx: None) -> None:
    for n in range(6):
        _sign(n)
    before = _figures(ALL_STATES)
    assert fold_tally_journal(get_session()) == 6
    get_session().commit()
    assert _journal_rows() == 0
    assert _figures(ALL_STATES) == before
    assert _folded_tallies() == _recount()
    assert fold_tally_journal(get_session()) == 0  # folding again adds nothing
    assert _folded_tallies() == _recount()


def test_counts_stay_exact_through_confirm_delete_and_folds(app_ctx: None) -> None:
    signed = [_sign(n) for n in range(8)]
    for signature, token in signed[:5]:
        confirm_signature(get_session(), token)
        get_session().commit()
        if signature.id % 2:
            fold_tally_journal(get_session())  # folds interleaved with new journal rows
            get_session().commit()
    delete_signature(get_session(), signed[0][0])
    delete_signature(get_session(), signed[6][0])
    get_session().commit()
    confirmed = _figures(COUNTED_STATES)
    assert confirmed[0] == 4
    fold_tally_journal(get_session())
    get_session().commit()
    assert _folded_tallies() == _recount()
    assert _figures(COUNTED_STATES) == confirmed


def test_fold_keeps_the_day_tallies(app_ctx: None) -> None:
    signed = [_sign(n) for n in range(3)]
    confirm_signature(get_session(), signed[0][1])
    get_session().commit()
    fold_tally_journal(get_session())
    get_session().commit()
    days: Counter[tuple[object, SignatureState]] = Counter()
    for s in get_session().scalars(select(Signature)):
        entered = s.confirmed_at if s.state == SignatureState.CONFIRMED else s.created_at
        assert entered is not None
        days[(entered.date(), s.state)] += 1
    rows = get_session().scalars(select(SignatureDayCount)).all()
    assert {(r.day, r.state): r.count for r in rows if r.count} == dict(days)


def test_fold_in_its_own_transaction(app, app_ctx: None) -> None:
    _sign(1)
    _sign(2)
    assert fold_tallies(write_sessionmaker(app)) == 2
    assert _journal_rows() == 0 and sum(_folded_tallies().values()) == 2


def test_counts_are_read_without_folding_and_the_worker_folds(app) -> None:
    """A request reading the counts adds the journal up and writes nothing; the mail
    worker's chores fold it (the count refresher)."""
    with app.app_context():
        signature, token = _sign(1)
        confirm_signature(get_session(), token)
        get_session().commit()
        journal = _journal_rows()
    assert journal > 0
    for path in ("/api/v1/campaigns/artsakh/counts", "/"):
        assert app.test_client().get(path).status_code == 200
    assert app.test_client().get("/api/v1/campaigns/artsakh/counts").json["total"] == 1
    with app.app_context():
        assert _journal_rows() == journal  # nothing folded by the requests
    fold, _every = worker_chores(app)[0]
    fold()
    with app.app_context():
        assert _journal_rows() == 0
        assert _folded_tallies() == _recount()
    assert app.test_client().get("/api/v1/campaigns/artsakh/counts").json["total"] == 1


def test_the_worker_folds_every_count_interval(make_shipped_app) -> None:
    """As shipped the fold runs every COUNTS_CACHE_SECONDS (5 s), the IP hash erasure hourly."""
    shipped = make_shipped_app()
    intervals = [every for _chore, every in worker_chores(shipped)]
    assert intervals == [float(shipped.config["COUNTS_CACHE_SECONDS"]), 3600.0]
    assert shipped.config["COUNTS_CACHE_SECONDS"] == 5


@pytest.mark.postgresql
def test_second_folder_gives_up_while_one_folds(app) -> None:
    """On PostgreSQL one process folds at a time; the other skips, and counts stay exact."""
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("SQLite serialises folders with its write lock")
    with app.app_context():
        for n in range(3):
            _sign(n)
    factory = write_sessionmaker(app)
    with factory() as first, factory() as second:
        assert fold_tally_journal(first) == 3  # holds the fold lock until it commits
        assert fold_tally_journal(second, wait=False) == 0
        second.rollback()
        first.commit()
    with app.app_context():
        assert _journal_rows() == 0 and _folded_tallies() == _recount()
