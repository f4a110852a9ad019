"""Service-level tests of bulk invalidation, its reversal and the tallies it moves."""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import UTC, datetime, time, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import func, select

from petition.campaigns import get_campaign
from petition.counts import fold_tally_journal, tally
from petition.db import EXTENSION_KEY as DB_KEY
from petition.db import get_engine, get_session
from petition.models import (
    COUNTED_STATES,
    AuditEntry,
    Campaign,
    ModerationAction,
    Signature,
    SignatureCount,
    SignatureDayCount,
    SignatureState,
    utcnow,
)
from petition.organizer import moderation
from petition.organizer.moderation import (
    Criteria,
    ModerationError,
    invalidate_signatures,
    invalidated_count,
    list_held_addresses,
    list_moderation_actions,
    preview_invalidation,
    preview_release,
    release_signatures,
    revert_moderation,
)
from petition.signatures import SignResult, confirm_signature, delete_signature, sign_campaign
from petition.tallies import read_counts

TTL = timedelta(days=7)
INTERVAL = timedelta(minutes=60)
ORGANIZER = "mod@example.org"
# Three signing days in the recent past, so that confirmation links are still valid.
DAY1 = datetime.combine(utcnow().date() - timedelta(days=3), time(12))
DAY2 = DAY1 + timedelta(days=1)
DAY3 = DAY1 + timedelta(days=2)
P, C, X = SignatureState.PENDING, SignatureState.CONFIRMED, SignatureState.INVALIDATED


def _campaign(slug: str = "artsakh") -> Campaign:
    campaign = get_campaign(get_session(), slug)
    assert campaign is not None
    return campaign


def _sign_result(
    monkeypatch: pytest.MonkeyPatch,
    email: str,
    *,
    ip_hash: str = "ip-home",
    at: datetime = DAY2,
    confirm: bool = False,
    slug: str = "artsakh",
    suspect: bool = False,
) -> SignResult:
    """Sign (and optionally confirm) as if at the given time; commit."""
    session = get_session()
    with monkeypatch.context() as patch:
        patch.setattr("petition.signatures.utcnow", lambda: at)
        result = sign_campaign(
            session,
            _campaign(slug),
            name="Signer",
            email=email,
            country="US",
            postal_code="10001",
            updates=False,
            ip_hash=ip_hash,
            token_ttl=TTL,
            notice_interval=INTERVAL,
            suspect=suspect,
        )
        if confirm:
            assert result.confirm_token
            confirm_signature(session, result.confirm_token)
    session.commit()
    return result


def _sign(monkeypatch: pytest.MonkeyPatch, email: str, **options: object) -> Signature:
    return _sign_result(monkeypatch, email, **options).signature  # type: ignore[arg-type]


@pytest.fixture
def signers(app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Signature]:
    """Five signatures with overlapping domains, IP hashes and days."""
    return {
        "a": _sign(monkeypatch, "bot1@mailinator.com", ip_hash="ip-bot", at=DAY1, confirm=True),
        "b": _sign(monkeypatch, "Bot2@MAILINATOR.com", ip_hash="ip-bot", at=DAY2),
        "c": _sign(monkeypatch, "carol@sub.mailinator.com", ip_hash="ip-bot", at=DAY2),
        "d": _sign(monkeypatch, "dave@example.org", at=DAY2, confirm=True),
        "e": _sign(monkeypatch, "erin@notmailinator.com", at=DAY3, confirm=True),
    }


def _tallies() -> dict[tuple[object, ...], int]:
    """Return the non-zero place tallies, once the journal is folded into them."""
    fold_tally_journal(get_session())
    rows = get_session().scalars(select(SignatureCount)).all()
    return {
        (r.campaign_id, r.country, r.region, r.district_id, r.state): r.count
        for r in rows
        if r.count
    }


def _day_tallies() -> dict[tuple[object, ...], int]:
    """Return the non-zero day tallies, once the journal is folded into them."""
    fold_tally_journal(get_session())
    rows = get_session().scalars(select(SignatureDayCount)).all()
    return {(r.campaign_id, r.day, r.state): r.count for r in rows if r.count}


def assert_tallies_match_signatures() -> None:
    """Check both running tallies against a recount of the signatures table."""
    session = get_session()
    session.flush()
    place = (
        Signature.campaign_id,
        Signature.country,
        Signature.region,
        Signature.district_id,
        Signature.state,
    )
    recount = {
        tuple(row[:-1]): row[-1]
        for row in session.execute(select(*place, func.count()).group_by(*place)).all()
    }
    assert _tallies() == recount
    by_day: Counter[tuple[object, ...]] = Counter()
    for s in session.scalars(select(Signature).execution_options(populate_existing=True)):
        entered = s.confirmed_at if s.state == C and s.confirmed_at else s.created_at
        by_day[(s.campaign_id, entered.date(), s.state)] += 1
    assert _day_tallies() == dict(by_day)
    negative = select(func.count()).where(SignatureCount.count < 0)
    assert session.scalar(negative) == 0


def _states(signers: dict[str, Signature]) -> dict[str, SignatureState]:
    session = get_session()
    session.expire_all()
    return {key: session.get_one(Signature, s.id).state for key, s in signers.items()}


def _preview(**criteria: object) -> int:
    return preview_invalidation(get_session(), _campaign().id, Criteria(**criteria))


def test_preview_each_criterion(signers: dict[str, Signature]) -> None:
    assert _preview(email_domain="mailinator.com") == 2
    assert _preview(email_domain=" @MAILINATOR.COM ") == 2
    assert _preview(email_domain="mailinator_com") == 0  # "_" is no LIKE wildcard here
    assert _preview(email_domain="example.org") == 1
    assert _preview(ip_hash="ip-bot") == 3
    assert _preview(ip_hash="ip-nobody") == 0
    assert _preview(created_from=DAY2) == 4
    assert _preview(created_to=DAY2) == 4  # both ends inclusive
    assert _preview(created_from=DAY2, created_to=DAY2) == 3
    assert _preview(created_from=DAY2.replace(tzinfo=UTC)) == 4
    eastern = timezone(timedelta(hours=-5))
    assert _preview(created_to=(DAY2 - timedelta(hours=5)).replace(tzinfo=eastern)) == 4
    assert _preview(ids=(signers["a"].id, signers["d"].id)) == 2


def test_preview_combines_criteria_with_and(signers: dict[str, Signature]) -> None:
    assert _preview(email_domain="mailinator.com", ip_hash="ip-bot") == 2
    assert _preview(ip_hash="ip-bot", created_from=DAY2) == 2
    assert _preview(email_domain="mailinator.com", created_to=DAY1) == 1
    assert _preview(ids=(signers["a"].id, signers["d"].id), ip_hash="ip-bot") == 1
    assert _preview(email_domain="example.org", ip_hash="ip-bot") == 0


def test_preview_leaves_out_invalidated_and_other_campaigns(
    signers: dict[str, Signature], monkeypatch: pytest.MonkeyPatch
) -> None:
    session = get_session()
    session.add(Campaign(slug="other", title="Other", goal=10))
    session.commit()
    _sign(monkeypatch, "bot9@mailinator.com", slug="other")
    invalidate_signatures(session, _campaign().id, Criteria(ids=(signers["a"].id,)), ORGANIZER)
    assert _preview(email_domain="mailinator.com") == 1
    other_id = _campaign("other").id
    assert preview_invalidation(session, other_id, Criteria(email_domain="mailinator.com")) == 1
    assert preview_invalidation(session, other_id, Criteria(ids=(signers["b"].id,))) == 0


@pytest.mark.parametrize(
    "criteria",
    [
        Criteria(),
        Criteria(email_domain="", ip_hash=""),
        Criteria(email_domain="@"),
        Criteria(email_domain="bot@mailinator.com"),
        Criteria(created_from=DAY2, created_to=DAY1),
    ],
)
def test_bad_criteria_refused(signers: dict[str, Signature], criteria: Criteria) -> None:
    session = get_session()
    with pytest.raises(ModerationError):
        preview_invalidation(session, _campaign().id, criteria)
    with pytest.raises(ModerationError):
        invalidate_signatures(session, _campaign().id, criteria, ORGANIZER)
    assert session.scalar(select(func.count(ModerationAction.id))) == 0


def test_no_match_refused(signers: dict[str, Signature]) -> None:
    session = get_session()
    with pytest.raises(ModerationError, match="No signature"):
        invalidate_signatures(session, _campaign().id, Criteria(ip_hash="nobody"), ORGANIZER)
    assert session.scalar(select(func.count(ModerationAction.id))) == 0


def test_invalidation_drops_counts(signers: dict[str, Signature]) -> None:
    session = get_session()
    campaign_id = _campaign().id
    assert read_counts(session, campaign_id, COUNTED_STATES).total == 3
    criteria = Criteria(email_domain="mailinator.com")

    action = invalidate_signatures(session, campaign_id, criteria, ORGANIZER)
    session.commit()

    assert action.count == 2
    assert action.criteria == "email domain mailinator.com"
    assert json.loads(action.previous_states) == [
        [signers["a"].id, "confirmed"],
        [signers["b"].id, "pending"],
    ]
    assert _states(signers) == {"a": X, "b": X, "c": P, "d": C, "e": C}
    assert read_counts(session, campaign_id, COUNTED_STATES).total == 2
    assert read_counts(session, campaign_id, frozenset({P})).total == 1
    assert invalidated_count(session, campaign_id) == 2
    days = _day_tallies()
    assert days[(campaign_id, DAY1.date(), X)] == 1
    assert days[(campaign_id, DAY2.date(), X)] == 1
    assert (campaign_id, DAY1.date(), C) not in days  # a confirmed on DAY1; gone from there
    assert preview_invalidation(session, campaign_id, criteria) == 0
    assert_tallies_match_signatures()


def test_revert_restores_states_and_tallies_exactly(signers: dict[str, Signature]) -> None:
    session = get_session()
    campaign_id = _campaign().id
    before = (_states(signers), _tallies(), _day_tallies())
    assert_tallies_match_signatures()

    action = invalidate_signatures(session, campaign_id, Criteria(ip_hash="ip-bot"), ORGANIZER)
    session.commit()
    assert _states(signers) == {"a": X, "b": X, "c": X, "d": C, "e": C}
    assert_tallies_match_signatures()

    reverted = revert_moderation(session, action.id, ORGANIZER)
    session.commit()
    assert reverted.reverted_at is not None
    assert (_states(signers), _tallies(), _day_tallies()) == before
    assert invalidated_count(session, campaign_id) == 0
    assert_tallies_match_signatures()


def test_revert_twice_or_unknown_refused(signers: dict[str, Signature]) -> None:
    session = get_session()
    action = invalidate_signatures(session, _campaign().id, Criteria(ip_hash="ip-bot"), ORGANIZER)
    revert_moderation(session, action.id, ORGANIZER)
    session.commit()
    tallies = _tallies()
    with pytest.raises(ModerationError, match="already reverted"):
        revert_moderation(session, action.id, ORGANIZER)
    with pytest.raises(ModerationError, match="no moderation action"):
        revert_moderation(session, action.id + 1, ORGANIZER)
    assert _tallies() == tallies
    assert_tallies_match_signatures()


def test_revert_skips_deleted_and_changed_signatures(signers: dict[str, Signature]) -> None:
    session = get_session()
    campaign_id = _campaign().id
    action = invalidate_signatures(session, campaign_id, Criteria(ip_hash="ip-bot"), ORGANIZER)
    session.commit()
    delete_signature(session, signers["a"])
    # Something other than a revert has already moved c back (as a support fix might).
    tally(session, signers["c"], X, -1)
    signers["c"].state = C
    tally(session, signers["c"], C, 1)
    session.commit()
    assert_tallies_match_signatures()

    revert_moderation(session, action.id, ORGANIZER)
    session.commit()

    assert session.get(Signature, signers["a"].id) is None
    assert _states({"b": signers["b"], "c": signers["c"]}) == {"b": P, "c": C}
    assert invalidated_count(session, campaign_id) == 0
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "moderation.revert")
    ).one()
    assert entry.rows == 1
    assert entry.detail.endswith("restored 1 of 3")
    assert_tallies_match_signatures()


def test_audit_log_rows(signers: dict[str, Signature]) -> None:
    session = get_session()
    criteria = Criteria(email_domain="mailinator.com", created_from=DAY1, created_to=DAY2)
    action = invalidate_signatures(session, _campaign().id, criteria, ORGANIZER)
    revert_moderation(session, action.id, "other@example.org")
    session.commit()
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    described = (
        f"email domain mailinator.com, created {DAY1:%Y-%m-%d} 12:00 to {DAY2:%Y-%m-%d} 12:00"
    )
    assert [(e.organizer_email, e.action, e.detail, e.rows) for e in entries] == [
        (ORGANIZER, "moderation.invalidate", f"{described} (action {action.id})", 2),
        (
            "other@example.org",
            "moderation.revert",
            f"{described} (action {action.id}); restored 2 of 2",
            2,
        ),
    ]


def test_batches_cover_every_match(
    signers: dict[str, Signature], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moderation, "BATCH_SIZE", 2)
    session = get_session()
    before = _tallies()
    action = invalidate_signatures(session, _campaign().id, Criteria(created_from=DAY1), ORGANIZER)
    session.commit()
    assert action.count == 5
    assert set(_states(signers).values()) == {X}
    assert_tallies_match_signatures()
    revert_moderation(session, action.id, ORGANIZER)
    session.commit()
    assert _tallies() == before
    assert_tallies_match_signatures()


def test_list_moderation_actions_newest_first(signers: dict[str, Signature]) -> None:
    session = get_session()
    campaign_id = _campaign().id
    first = invalidate_signatures(session, campaign_id, Criteria(ids=(signers["a"].id,)), ORGANIZER)
    second = invalidate_signatures(
        session, campaign_id, Criteria(ids=(signers["b"].id,)), ORGANIZER
    )
    session.commit()
    assert list_moderation_actions(session, campaign_id) == [second, first]
    assert list_moderation_actions(session, campaign_id, limit=1) == [second]
    assert list_moderation_actions(session, campaign_id + 1) == []


def test_confirm_racing_invalidation_moves_tallies_once(
    app: Flask, app_ctx: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if get_engine(app).dialect.name != "postgresql":
        pytest.skip("SQLite lets one writer in at a time; there is no race to lose")
    pending = _sign_result(monkeypatch, "late@example.org")
    assert pending.confirm_token
    campaign_id, criteria = _campaign().id, Criteria(ids=(pending.signature.id,))
    sessions = app.extensions[DB_KEY]["sessionmaker"]
    moderator, signer = sessions(), sessions()
    done: list[ModerationAction] = []

    def moderate() -> None:
        done.append(invalidate_signatures(moderator, campaign_id, criteria, ORGANIZER))
        moderator.commit()

    worker = threading.Thread(target=moderate)
    try:
        # Held in the moderator's session as pending; the signer confirms it below.
        cached = moderator.get_one(Signature, pending.signature.id)
        confirm_signature(signer, pending.confirm_token)  # holds the row, not yet committed
        worker.start()
        worker.join(timeout=0.5)
        assert worker.is_alive()  # waiting for the signer's row lock
        signer.commit()
        worker.join(timeout=10)
    finally:
        signer.close()
        worker.join(timeout=10)
        moderator.close()
    assert json.loads(done[0].previous_states) == [[pending.signature.id, "confirmed"]]
    assert cached.state == X
    assert_tallies_match_signatures()


@pytest.mark.parametrize(
    ("criteria", "described"),
    [
        (
            Criteria(
                email_domain="Mailinator.com",
                created_from=datetime(2026, 11, 1),
                created_to=datetime.combine(datetime(2026, 11, 2), time.max),
            ),
            "email domain mailinator.com, created 2026-11-01 to 2026-11-02",
        ),
        (Criteria(created_from=datetime(2026, 11, 1, 9, 30)), "created from 2026-11-01 09:30"),
        (Criteria(created_to=datetime(2026, 11, 2)), "created up to 2026-11-02 00:00"),
        (Criteria(created_to=datetime(2026, 11, 2, 8, 0, 5)), "created up to 2026-11-02 08:00:05"),
        (Criteria(ip_hash="ab" * 32), f"IP hash {'ab' * 6}…"),
        (Criteria(ip_hash="short"), "IP hash short"),
        (Criteria(ids=(3, 1, 2)), "signature ids 1, 2, 3"),
        (
            Criteria(ids=tuple(range(12, 0, -1))),
            "signature ids 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more",
        ),
        (Criteria(), "no criteria"),
    ],
)
def test_describe(criteria: Criteria, described: str) -> None:
    assert criteria.describe() == described


@pytest.fixture
def held(app_ctx: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, Signature]:
    """Held signatures from two addresses, one confirmed, beside one that counts."""
    return {
        "h1": _sign(monkeypatch, "h1@example.org", ip_hash="ip-office", suspect=True, confirm=True),
        "h2": _sign(monkeypatch, "h2@example.org", ip_hash="ip-office", suspect=True),
        "h3": _sign(monkeypatch, "h3@example.org", ip_hash="ip-cafe", suspect=True, at=DAY3),
        "ok": _sign(monkeypatch, "ok@example.org", confirm=True),
    }


S = SignatureState.SUSPECT


def test_held_signatures_confirm_in_place_and_count_nowhere(held: dict[str, Signature]) -> None:
    assert _states(held) == {"h1": S, "h2": S, "h3": S, "ok": C}
    assert get_session().get_one(Signature, held["h1"].id).confirmed_at is not None
    assert read_counts(get_session(), _campaign().id, COUNTED_STATES).total == 1
    assert_tallies_match_signatures()
    addresses = list_held_addresses(get_session(), _campaign().id)
    assert [(a.ip_hash, a.count) for a in addresses] == [("ip-office", 2), ("ip-cafe", 1)]


def test_release_by_address_then_all_then_undo(held: dict[str, Signature]) -> None:
    session, campaign_id = get_session(), _campaign().id
    assert preview_release(session, campaign_id, Criteria()) == 3
    office = release_signatures(session, campaign_id, Criteria(ip_hash="ip-office"), ORGANIZER)
    session.commit()
    assert office.count == 2 and office.kind == "release"
    assert _states(held) == {"h1": C, "h2": P, "h3": S, "ok": C}
    assert read_counts(session, campaign_id, COUNTED_STATES).total == 2
    assert_tallies_match_signatures()
    rest = release_signatures(session, campaign_id, Criteria(), ORGANIZER)
    assert rest.criteria == "released: all held signatures" and rest.count == 1
    with pytest.raises(ModerationError, match="No held signature"):
        release_signatures(session, campaign_id, Criteria(), ORGANIZER)
    revert_moderation(session, office.id, ORGANIZER)
    session.commit()
    assert _states(held) == {"h1": S, "h2": S, "h3": P, "ok": C}
    assert read_counts(session, campaign_id, COUNTED_STATES).total == 1
    assert_tallies_match_signatures()


def test_held_signatures_can_be_invalidated_and_restored(held: dict[str, Signature]) -> None:
    session, campaign_id = get_session(), _campaign().id
    action = invalidate_signatures(session, campaign_id, Criteria(ip_hash="ip-office"), ORGANIZER)
    assert _states(held)["h1"] == X and preview_release(session, campaign_id, Criteria()) == 1
    revert_moderation(session, action.id, ORGANIZER)
    session.commit()
    assert _states(held) == {"h1": S, "h2": S, "h3": S, "ok": C}
    assert_tallies_match_signatures()
