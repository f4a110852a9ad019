"""Every setting the app reads, declared once with its default and meaning.

Each setting can be overridden by an environment variable with the ``PETITION_``
prefix (``PETITION_DATABASE_URL`` sets ``DATABASE_URL``); values are JSON-decoded
when they parse as JSON, so ``PETITION_COUNT_PENDING=true`` gives a boolean.
The README's configuration table is checked against this list by the tests.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ENV",
        "development",
        "`development` or `production`; production refuses to start "
        "without SECRET_KEY and BASE_URL.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL; default is a SQLite file `instance/petition.db`. "
        "PostgreSQL: `postgresql+psycopg://user@host/db`.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Signs sessions and CSRF tokens. In development one is generated "
        "once and kept in `instance/secret_key`.",
    ),
    Setting(
        "BASE_URL",
        "http://127.0.0.1:5000",
        "Public address used in links inside emails (never taken from the request's Host header).",
    ),
    Setting(
        "DATA_DIR",
        None,
        "Folder with the campaign files and tables; default `data/` of the checkout.",
    ),
    Setting(
        "MAIL_URL",
        "console:",
        "`console:` logs every message in full; "
        "`smtp://user:pass@host:587?starttls=true` (or `smtps://…`) sends it.",
    ),
    Setting("MAIL_FROM", "Artsakh petition <petition@localhost>", "From header of every email."),
    Setting("MAIL_TIMEOUT", 10, "Seconds before an SMTP connection attempt is given up."),
    Setting(
        "MAIL_RETRY_BASE",
        60,
        "Seconds before the first retry of a failed email; doubles with every attempt.",
    ),
    Setting("MAIL_MAX_ATTEMPTS", 8, "Attempts before an email is given up for good."),
    Setting(
        "MAIL_POLL_SECONDS",
        1.0,
        "Seconds the mail worker (`flask mail work`) waits before looking for due email again.",
    ),
    Setting(
        "EMAIL_CHECK_DELIVERABILITY",
        False,
        "Ask DNS whether the signer's email domain accepts mail (needs network).",
    ),
    Setting("TOKEN_TTL_DAYS", 7, "Days a confirmation link stays valid."),
    Setting(
        "PENDING_RETENTION_DAYS",
        30,
        "Days after its link expired before an unconfirmed "
        "signature is deleted by `flask signatures purge` (the privacy notice promises it).",
    ),
    Setting(
        "IP_HASH_KEY",
        None,
        "Key of the hashes that group signatures by IP address (never stored itself); "
        "default: derived from SECRET_KEY. Change it to rotate: later hashes no longer match.",
    ),
    Setting(
        "IP_HASH_RETENTION_DAYS",
        30,
        "Days a signature's IP hash is kept; the mail worker erases older ones every hour "
        "(also `flask privacy expire-ip-hashes`).",
    ),
    Setting(
        "SIGN_SYNCHRONOUS_COMMIT",
        False,
        "PostgreSQL: whether a new signature's write waits for the server to flush it to "
        "disk (`synchronous_commit`) before the signer is thanked. Off, signing takes about "
        "half the time, and a crash of PostgreSQL or of its machine may lose the signatures "
        "of the last 0.6 s (never part of one), as a power cut may on SQLite; other writes "
        "always wait.",
    ),
    Setting("COUNT_PENDING", False, "Count unconfirmed signatures in public totals too."),
    Setting(
        "COUNTS_CACHE_SECONDS",
        5,
        "How long public counts are served from cache before they are read again, and how "
        "often the mail worker folds the tally journal into the tallies.",
    ),
    Setting(
        "CACHE_STALE_SECONDS",
        30,
        "Seconds a reverse proxy may keep serving a public page or the counts past "
        "their max-age (the count interval) while it fetches a fresh copy "
        "(`stale-while-revalidate`).",
    ),
    Setting(
        "REDIS_URL",
        None,
        "Share the counts cache between processes through Redis, "
        "e.g. `redis://127.0.0.1:6379/0`; without it each process keeps its own.",
    ),
    Setting(
        "DUPLICATE_NOTICE_MINUTES",
        5,
        "Someone who signs again gets a fresh confirmation link (or, once confirmed, a "
        "'you are already counted' note) unless such a note went out less than this many "
        "minutes ago.",
    ),
    Setting("CAMPAIGN", "artsakh", "Slug of the campaign shown on the home page."),
    Setting(
        "TRUSTED_PROXIES",
        0,
        "Number of reverse proxies in front of the app whose "
        "X-Forwarded-For header is trusted (0: use the connection's address).",
    ),
    Setting(
        "REFRESH_URLS",
        {},
        "Override the official endpoints used by `flask data refresh`, "
        'as JSON: `{"us": {"legislators": "https://…"}}`.',
    ),
    Setting(
        "ALLOW_HTTP",
        False,
        "Let production start with an `http://` BASE_URL (local testing only: cookies then "
        "lose their Secure flag and no HSTS header is sent).",
    ),
    Setting(
        "HSTS_SECONDS",
        31536000,
        "In production over https, browsers are told to use https only for this long "
        "(Strict-Transport-Security); 0 sends no header.",
    ),
    Setting(
        "ONLINE_LOOKUPS",
        True,
        "Settle split ZIP codes and ridings online: the US Census Bureau's geocoder for a "
        "street address, Open North's Represent for a full Canadian postal code. `false`: "
        "our tables only.",
    ),
    Setting(
        "US_GEOCODER_URL",
        "https://geocoding.geo.census.gov/geocoder",
        "Base URL of the US Census Bureau's geocoder (`/geographies/onelineaddress` is appended).",
    ),
    Setting(
        "CA_POSTCODE_URL",
        "https://represent.opennorth.ca",
        "Base URL of Open North's Represent (`/postcodes/{CODE}/` is appended).",
    ),
    Setting(
        "LOOKUP_TIMEOUT",
        3,
        "Seconds before an online lookup is given up and the choice list shown (at most 3).",
    ),
    Setting(
        "ONLINE_LOOKUP_RATE_LIMIT",
        "10 per minute; 100 per day",
        "Most online lookups from one address: street addresses sent to the Census geocoder "
        "(beyond it: HTTP 429) and full Canadian postal codes sent to Represent (beyond it: "
        "the choice list).",
    ),
    Setting("ORGANIZER_SESSION_HOURS", 8, "Hours an organizer stays logged in."),
    Setting(
        "RATELIMIT_STORAGE_URL",
        None,
        "Where rate-limit counters live. Default: REDIS_URL when set (shared by every worker "
        "and server), else `memory://` (each process counts on its own).",
    ),
    Setting(
        "RATELIMIT_ENABLED",
        True,
        "Apply the rate limits below; only tests of other features turn them off.",
    ),
    Setting(
        "RATELIMIT_KEY_PREFIX",
        "petition",
        "Prefix of every counter in the store, so sites sharing one Redis count apart.",
    ),
    Setting(
        "SIGN_RATE_LIMIT",
        "5 per 5 minutes; 20 per hour",
        "Signatures from one address that count at once. Beyond this they are kept but "
        "held as suspect, out of every public count, until an organizer releases them "
        "(never refused: a family or an office shares one address).",
    ),
    Setting(
        "CONFIRM_RATE_LIMIT",
        "30 per minute; 300 per hour",
        "Confirm and delete links opened from one address; beyond this: 429.",
    ),
    Setting(
        "LOOKUP_RATE_LIMIT",
        "60 per minute; 1000 per hour",
        "Representative lookups (page and API) and letter API calls from one address; "
        "beyond this: 429.",
    ),
    Setting(
        "REPORT_RATE_LIMIT",
        "10 per hour",
        "Mistake reports from one address; beyond this: 429.",
    ),
    Setting(
        "LOGIN_RATE_LIMIT",
        "5 per minute; 30 per hour",
        "Login attempts from one address; beyond this: 429. Never a lock on an account.",
    ),
    Setting(
        "LOGIN_DELAY_MAX_SECONDS",
        60,
        "After a failed login, the next attempt at that account waits 1 second, doubling "
        "with each failure up to this; a browser where the organizer logged in before "
        "never waits.",
    ),
    Setting(
        "LETTER_RATE_LIMIT",
        "60 per hour",
        "Most letters one address can have counted (each report of a letter opened in a mail "
        "program, webmail, contact form or print page); beyond this the letter still goes "
        "out but is not counted.",
    ),
    Setting(
        "LETTER_REPEAT_MINUTES",
        10,
        "A letter reported again by the same browser, to the same representative by the same "
        "channel, within these minutes counts once.",
    ),
    Setting(
        "PUBLIC_MIN_COUNT",
        5,
        "District counts below this are hidden from the public "
        "counts, so nobody can tell who signed in a tiny area; organizers see exact ones.",
    ),
    Setting(
        "MAX_CONTENT_LENGTH",
        1_000_000,
        "Largest request body in bytes; a bigger one is refused (413) before it is read.",
    ),
    Setting("LOG_LEVEL", "INFO", "Level of the application log."),
)

DEFAULTS: dict[str, Any] = {s.name: s.default for s in SETTINGS}


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


# Flask's own keys that the app relies on, set by finish_config from the settings above
# (never from the environment), each with the reason.
DERIVED: dict[str, str] = {
    "SESSION_COOKIE_SAMESITE": "Lax: the cookie is not sent with cross-site posts (Flask's None).",
    "SESSION_COOKIE_HTTPONLY": "True: page scripts cannot read the session cookie.",
    "SESSION_COOKIE_SECURE": "True exactly when BASE_URL is https.",
}


# Environment variables with the prefix that are not settings: the test suite's own.
NOT_SETTINGS_PREFIX = "PETITION_TEST_"


def unknown_environment(environ: Mapping[str, str] | None = None) -> list[str]:
    """Return the PETITION_* variables that name no setting (a typo is ignored otherwise)."""
    environ = os.environ if environ is None else environ
    names = {f"PETITION_{s.name}" for s in SETTINGS}
    return sorted(k for k in environ if k.startswith("PETITION_") and k not in names
                  and not k.startswith(NOT_SETTINGS_PREFIX))  # fmt: skip


def finish_config(config: dict[str, Any], instance_path: str, root_path: str) -> None:
    """Fill the defaults that depend on paths and refuse unsafe production settings."""
    instance = Path(instance_path)
    if not config.get("DATA_DIR"):
        config["DATA_DIR"] = str(Path(root_path).parent / "data")
    if not config.get("DATABASE_URL"):
        instance.mkdir(parents=True, exist_ok=True)
        config["DATABASE_URL"] = f"sqlite:///{instance / 'petition.db'}"
    if config.get("ENV") == "production":
        _check_production(config)
    elif not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _development_secret_key(instance)
    config["BASE_URL"] = str(config["BASE_URL"]).rstrip("/")
    if not config.get("IP_HASH_KEY"):
        # A key of its own, derived so that knowing it does not reveal SECRET_KEY.
        config["IP_HASH_KEY"] = hmac.new(
            str(config["SECRET_KEY"]).encode(), b"petition.ip-hash", hashlib.sha256
        ).hexdigest()
    # The session cookie only carries the signer's own details and the organizer's login.
    config["SESSION_COOKIE_SAMESITE"] = "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = True
    config["SESSION_COOKIE_SECURE"] = config["BASE_URL"].startswith("https://")


def _check_production(config: dict[str, Any]) -> None:
    """Refuse to serve the public without a secret key and a real https address."""
    missing = [k for k in ("SECRET_KEY", "BASE_URL") if not config.get(k)]
    if config.get("BASE_URL") == DEFAULTS["BASE_URL"]:
        missing.append("BASE_URL")  # the development default is never a public address
    if missing:
        names = " and ".join(f"PETITION_{k}" for k in dict.fromkeys(missing))
        raise ConfigError(f"PETITION_ENV=production needs {names} to be set.")
    if not str(config["BASE_URL"]).startswith("https://") and not config.get("ALLOW_HTTP"):
        raise ConfigError(
            "PETITION_BASE_URL must start with https:// in production (cookies would travel "
            "unprotected); set PETITION_ALLOW_HTTP=true only to test locally."
        )


def _development_secret_key(instance: Path) -> str:
    """Read the development secret key, creating it on first start."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def markdown_table() -> str:
    """Return the README's configuration table, which a test keeps equal to this list."""
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(see meaning)" if s.default is None else f"`{_show(s.default)}`"
        rows.append(f"| `PETITION_{s.name}` | {default} | {s.help} |")
    return "\n".join(rows) + "\n"


def _show(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)
