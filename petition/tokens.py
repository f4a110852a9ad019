"""Signed tokens made cheaply: the session cookie, CSRF tokens and delete links.

itsdangerous's `dumps` spends some 100 Python calls per token (a new signer for each
token, its key derived again, HMAC through the pure-Python path of `hmac` because its
digest is a wrapper around hashlib.sha1): more than a shared page costs. `FastDumps`
makes the same bytes in one short function, with the key derived once per serializer
and OpenSSL's HMAC. Reading tokens (`loads`) is itsdangerous's own, unchanged.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import time
import zlib
from typing import Any

from flask import current_app, g, session
from flask_wtf.csrf import _FlaskFormCSRF
from itsdangerous import Serializer, URLSafeSerializer, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode, int_to_bytes
from itsdangerous.signer import HMACAlgorithm

# The salt flask-wtf signs CSRF tokens with (flask_wtf.csrf.generate_csrf).
CSRF_SALT = "wtf-csrf-token"
CSRF_FIELD = "csrf_token"
# Shorter payloads (a CSRF token, a session holding one) are not offered to zlib, which
# could not shorten them (itsdangerous reads a payload compressed or not).
ZLIB_FROM = 80


class FastDumps(Serializer):
    """`dumps` of the URL-safe serializers in one step: what itsdangerous makes (URL-safe
    base64, zlib when it shortens, optional timestamp, HMAC-SHA1), byte for byte but
    for short payloads that zlib could only shorten by repeating themselves."""

    timed = False
    _key: bytes | None = None  # b"": a signer this fast path does not know

    def dumps(self, obj: Any, salt: str | bytes | None = None) -> str:
        key = self._signing_key() if salt is None else b""
        if not key:
            return str(super().dumps(obj, salt))
        json = Serializer.dump_payload(self, obj)
        compressed = zlib.compress(json) if len(json) > ZLIB_FROM else json
        if len(compressed) < len(json) - 1:
            value = b"." + base64_encode(compressed)
        else:
            value = base64_encode(json)
        if self.timed:
            value += b"." + base64_encode(int_to_bytes(int(time.time())))
        signature = base64_encode(hmac.digest(key, value, "sha1"))
        return (value + b"." + signature).decode("ascii")

    def _signing_key(self) -> bytes:
        """The key the newest secret key signs with, derived once; b"" when the signer
        is not HMAC-SHA1 with "." as separator."""
        if self._key is None:
            signer = self.make_signer()
            known = (isinstance(signer.algorithm, HMACAlgorithm)
                     and signer.digest_method().name == "sha1" and signer.sep == b".")  # fmt: skip
            self._key = signer.derive_key() if known else b""
        return self._key


class TimedSerializer(FastDumps, URLSafeTimedSerializer):
    """URLSafeTimedSerializer (session cookie, CSRF tokens) with the fast `dumps`."""

    timed = True


class UntimedSerializer(FastDumps, URLSafeSerializer):
    """URLSafeSerializer (delete links) with the fast `dumps`."""


@functools.lru_cache(maxsize=8)
def _csrf_serializer(secret_key: str) -> TimedSerializer:
    return TimedSerializer(secret_key, salt=CSRF_SALT)


def csrf_token(secret_key: str | None = None, field_name: str | None = None) -> str:
    """This visitor's signed CSRF token: flask_wtf.csrf.generate_csrf, cheaper.

    The same token (a raw token kept in the session, signed with the same salt, in
    `g.csrf_token` for the rest of the request), so flask-wtf validates it as its own.
    Forms pass flask-wtf's key and field name; elsewhere they are flask-wtf's defaults,
    SECRET_KEY and "csrf_token" (the project sets no WTF_CSRF_* setting).
    """
    name = field_name or CSRF_FIELD
    token: str | None = g.get(name)
    if token is None:
        raw = session.get(name)
        if not isinstance(raw, str):
            raw = session[name] = hashlib.sha1(os.urandom(64)).hexdigest()
        token = _csrf_serializer(str(secret_key or current_app.secret_key)).dumps(raw)
        setattr(g, name, token)
    return token


class FormCSRF(_FlaskFormCSRF):  # type: ignore[misc]  # flask-wtf ships no type hints
    """flask-wtf's CSRF for forms, the token made by csrf_token (validation is flask-wtf's)."""

    def generate_csrf_token(self, csrf_token_field: Any) -> LazyToken:
        return LazyToken(self.meta.csrf_secret, self.meta.csrf_field_name)


class LazyToken:
    """A form's CSRF token, signed when a page shows it: a posted form that is valid is
    never shown again, and then no token is signed for it."""

    def __init__(self, secret_key: str | None, field_name: str | None) -> None:
        self.secret_key, self.field_name = secret_key, field_name

    def __str__(self) -> str:
        return csrf_token(self.secret_key, self.field_name)

    def __html__(self) -> str:
        return str(self)  # URL-safe base64 and dots: nothing to escape
