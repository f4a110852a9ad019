"""HTTP caching: headers for reverse proxies, and rendered pages kept in this process.

Public pages and the public APIs say `Cache-Control: public, max-age=<count interval>,
stale-while-revalidate=<CACHE_STALE_SECONDS>` with an `ETag`, as the UK Parliament
petitions site does, so a proxy or CDN can answer them for the count interval.
Pages with a form carry the visitor's CSRF token (and set the session cookie), so
they are `private, no-cache`: no shared cache ever stores one visitor's token for
another. The same-for-everyone part of such a page is rendered once and kept here;
each request only adds its token (see shared_page).

Whole public answers (the home page, the counts and lookup APIs) are also kept in front
of Flask, as a proxy would keep them, for the count interval at most (see SharedAnswers).
"""

from __future__ import annotations

import functools
import hashlib
import re
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ParamSpec
from urllib.parse import urlencode

from flask import (
    Flask,
    current_app,
    g,
    get_flashed_messages,
    make_response,
    request,
    session,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface, SessionMixin
from flask.wrappers import Request as FlaskRequest
from flask.wrappers import Response as FlaskResponse
from flask_wtf.csrf import generate_csrf
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.http import quote_etag
from werkzeug.sansio.http import parse_cookie as sansio_parse_cookie
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response

from petition.i18n import page_language, site_languages

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

EXTENSION_KEY = "petition.pages"
ANSWERS_KEY = "petition.shared_answers"
PRIVATE = "private, no-cache"
P = ParamSpec("P")
# Set in a request's environ by `public` (the answer is the same for everyone, unless
# the view said otherwise first), and by each rate limit that counted the request: a
# function of the environ that counts the same request again and says whether it may
# go on (see SharedAnswers).
SHAREABLE = "petition.shareable"
REPLAYS = "petition.replays"


def public_cache_control(app: Flask) -> str:
    """Return the Cache-Control value of public pages and APIs."""
    max_age = int(app.config["COUNTS_CACHE_SECONDS"])
    stale = int(app.config["CACHE_STALE_SECONDS"])
    return f"public, max-age={max_age}, stale-while-revalidate={stale}"


def public(view: Callable[P, Any]) -> Callable[P, Response]:
    """Mark a view's answer as the same for everyone: public caching, ETag, 304s.

    Such a view shows nothing of the visitor's session (the layout's flashed messages
    aside): SharedAnswers gives visitors whose session holds a signer's details the
    answer kept for everyone. One that reads it anyway answers privately and is never
    kept, so one visitor's details never reach another.
    """

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> Response:
        response = make_response(view(*args, **kwargs))
        if read_personal_session():
            # The answer looked at the visitor's own details: theirs alone, never kept.
            request.environ[SHAREABLE] = False
            response.headers["Cache-Control"] = PRIVATE
            response.vary.add("Cookie")
        elif response.status_code == 200:
            request.environ.setdefault(SHAREABLE, True)
            headers = response.headers
            # One pass over the names: werkzeug answers a missing header with an exception.
            present = {name.lower(): value for name, value in headers.items()}
            cache_control = public_cache_control(current_app)
            if "cache-control" in present:
                headers["Cache-Control"] = cache_control
            else:
                headers.add("Cache-Control", cache_control)
            html = present.get("content-type", "").startswith("text/html")
            if html and len(site_languages()) > 1:
                # The page's language follows the browser and the `lang` cookie.
                if "vary" in present:
                    response.vary.update(("Accept-Language", "Cookie"))
                else:  # as a string: werkzeug's HeaderSet costs more
                    headers.add("Vary", "Accept-Language, Cookie")
            if "etag" not in present:  # a view that keeps its answers sets it
                response.set_etag(hashlib.sha1(response.get_data()).hexdigest())
            if "HTTP_IF_NONE_MATCH" in request.environ:  # only revalidations pay for parsing
                response.make_conditional(request)
        return response

    return wrapper


def header(response: Response, name: str) -> str | None:
    """A response header's value, or None: werkzeug answers a missing header (even for
    `in`) with an exception, which costs more than reading the few headers there are."""
    name = name.lower()
    return next((value for key, value in response.headers.items() if key.lower() == name), None)


def private(response: Response) -> Response:
    """Mark an answer as this visitor's own: browsers may keep it, shared caches never."""
    response.headers["Cache-Control"] = PRIVATE
    return response


def keep_personal_answers_private(response: Response) -> None:
    """Downgrade a public answer that turned out personal (cookie, CSRF token) to private.

    A flashed message shown, a session cookie set or a CSRF token makes a page one
    visitor's own, whatever its view declared. Runs once the session cookie is written.
    """
    # One pass over the names: werkzeug answers a missing header with a costly exception.
    headers = {name.lower(): value for name, value in response.headers.items()}
    if "public" not in headers.get("cache-control", ""):
        return
    if "set-cookie" in headers or "csrf_token" in g:
        response.headers["Cache-Control"] = PRIVATE
        response.headers.pop("ETag", None)


# Pages kept at most (one per page, language and, for a lookup, query) and their bytes
# (the German lookup page, with its 96 MEPs, is 51 kB; the home page 24 kB; the bench's
# 491 lookup queries 6.1 MB). With SharedAnswers' and the lookup API's bounds, what keeps
# a worker under 150 MB however varied the queries (README, "Caching and speed").
PAGES_MAX = 1024
PAGES_MAX_BYTES = 7 * 1024 * 1024


class BoundedDict(dict[Any, Any]):
    """A dict of at most `limit` entries and, when `max_bytes` is given, at most that
    many bytes of them (each entry's size as given to `keep`): the entries kept longest
    without being kept again go first. `keep` runs under a lock (a worker's threads
    share these)."""

    def __init__(self, limit: int, max_bytes: int = 0) -> None:
        super().__init__()
        self.limit = limit
        self.max_bytes = max_bytes
        self.sizes: dict[Any, int] = {}
        self.held_bytes = 0
        self.lock = threading.Lock()

    def keep(self, key: Any, value: Any, size: int = 0) -> None:
        """Keep a value (its size counted towards max_bytes) as the newest entry."""
        with self.lock:
            self.pop(key, None)
            self.held_bytes -= self.sizes.pop(key, 0)
            room = self.max_bytes - size if self.max_bytes else float("inf")  # for the others
            while self and (len(self) >= self.limit or self.held_bytes > room):
                oldest = next(iter(self))
                del self[oldest]
                self.held_bytes -= self.sizes.pop(oldest, 0)
            self[key] = value
            if size:
                self.sizes[key] = size
                self.held_bytes += size


class PageCache:
    """The latest rendering of each shared page, encoded, split around the CSRF token,
    with the ETag of a rendering that has no token (the same bytes for everyone)."""

    def __init__(self) -> None:
        # One version per page, and a bound on pages and bytes: the pages kept longest
        # without a new rendering go first (a page rendered again moves to the end).
        self._pages = BoundedDict(PAGES_MAX, PAGES_MAX_BYTES)

    def get(self, name: str, version: object) -> tuple[tuple[bytes, ...], str | None] | None:
        found: tuple[object, tuple[bytes, ...], str | None] | None = self._pages.get(name)
        return found[1:] if found is not None and found[0] == version else None

    def put(self, name: str, version: object, parts: tuple[bytes, ...]) -> str | None:
        etag = hashlib.sha1(parts[0]).hexdigest() if len(parts) == 1 else None
        self._pages.keep(name, (version, parts, etag), size=sum(map(len, parts)))
        return etag


def shared_page(
    name: str, version: object, render: Callable[[], str], *, args: Collection[str] = ()
) -> bytes:
    """Return a page that is the same for everyone but its CSRF token, rendering it rarely.

    `version` is everything the page shows that may change while the app runs (the
    counts, for the home page); the interface language is added here. A rendering is
    split where the visitor's token stands, and later requests get the same bytes with
    their own token (encoded once, not on every request). A rendering that shows a
    flashed message is that visitor's own and is not kept, nor is a page asked for with
    query arguments other than `lang` and the page's own `args` (a page is kept for each
    of their values: a lookup's country and postal code).
    """
    return _shared_page(name, version, render, args)[0]


def shared_response(name: str, version: object, render: Callable[[], str]) -> Response:
    """Like shared_page, as a response; a page without a token carries its ETag, computed
    once per rendering (see `public`)."""
    page, etag = _shared_page(name, version, render)
    response: Response = current_app.response_class(page)
    if etag is not None:
        response.headers.add("ETag", quote_etag(etag))
    return response


def _shared_page(
    name: str, version: object, render: Callable[[], str], args: Collection[str] = ()
) -> tuple[bytes, str | None]:
    if request.args.keys() - {"lang", *args} or "_flashes" in session:
        # Other query arguments reach the page (its language links keep them), or a
        # message waits to be shown (the layout shows it): render it for this visitor.
        return render().encode(), None
    cache: PageCache = current_app.extensions[EXTENSION_KEY]
    name = f"{name}:{page_language()}"  # a page per interface language
    if args:  # and per value of its own arguments
        name += "?" + urlencode([(key, value) for key in sorted(args)
                                 for value in request.args.getlist(key)])  # fmt: skip
    found = cache.get(name, version)
    if found is not None:
        parts, etag = found
        if len(parts) == 2:
            return str(generate_csrf()).encode().join(parts), None
        return parts[0], etag
    html = render().encode()
    token = g.get("csrf_token")  # flask-wtf keeps the token it put in the page here
    parts = tuple(html.split(token.encode())) if token else (html,)
    if len(parts) <= 2 and not get_flashed_messages():
        return html, cache.put(name, version, parts)
    return html, None


class ReadTrackingSession(SecureCookieSession):
    """Flask's signed-cookie session, remembering which keys the request read ("*" when
    it read them all): a public answer that looked at what a visitor's session holds is
    that visitor's own (see `public`)."""

    def __init__(self, initial: Any = None) -> None:
        super().__init__(initial)
        self.read_keys: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read_keys.add(key)
        return super().__getitem__(key)

    def __contains__(self, key: object) -> bool:
        self.read_keys.add(str(key))
        return super().__contains__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read_keys.add(key)
        return super().get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        self.read_keys.add(key)
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        self.read_keys.add(key)
        return super().pop(key, *default)

    def __iter__(self) -> Iterator[str]:
        self.read_keys.add("*")
        return super().__iter__()

    def keys(self) -> Any:
        self.read_keys.add("*")
        return super().keys()

    def values(self) -> Any:
        self.read_keys.add("*")
        return super().values()

    def items(self) -> Any:
        self.read_keys.add("*")
        return super().items()

    def copy(self) -> Any:
        self.read_keys.add("*")
        return super().copy()


# Where the request's session is kept in its environ, for `public` to look at without
# marking it accessed (flask.session would, and add `Vary: Cookie` to every answer).
SESSION_ENVIRON_KEY = "petition.session"
# What a public answer may read of the session: the flashed messages (which, when there
# are any, make the answer private anyway: showing them changes the session).
PUBLIC_SESSION_READS = frozenset({"_flashes"})


def read_personal_session() -> bool:
    """Tell whether this request read more of the visitor's session than a public answer
    may (anything but the flashed messages)."""
    session = request.environ.get(SESSION_ENVIRON_KEY)
    return isinstance(session, ReadTrackingSession) and bool(
        session.read_keys - PUBLIC_SESSION_READS
    )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, cheaper on every request.

    The signing serializer is built once per app (Flask builds it twice per request); a
    request without the session cookie
    gets an empty session without its cookies being parsed; a session nobody read or
    changed is not saved (Flask would only look at it to do nothing). Sessions remember
    what the request read of them (ReadTrackingSession).
    """

    session_class = ReadTrackingSession

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = "petition.session_serializer"
        if key not in app.extensions:
            app.extensions[key] = super().get_signing_serializer(app)
        serializer: URLSafeTimedSerializer | None = app.extensions[key]
        return serializer

    def open_session(self, app: Flask, request: FlaskRequest) -> SecureCookieSession | None:
        session: SecureCookieSession | None
        if self.get_cookie_name(app) not in request.environ.get("HTTP_COOKIE", ""):
            session = None if self.get_signing_serializer(app) is None else self.session_class()
        else:
            session = super().open_session(app, request)
        request.environ[SESSION_ENVIRON_KEY] = session
        return session

    def save_session(self, app: Flask, session: SessionMixin, response: FlaskResponse) -> None:
        if session.accessed or session.modified or session.permanent:
            super().save_session(app, session, response)
        keep_personal_answers_private(response)


# A request whose answer may come from memory: no cookie but the language's...
SHARED_COOKIES = re.compile(r"(lang=[A-Za-z-]{1,16})?")
LANGUAGE_COOKIE = re.compile(r"[A-Za-z-]{1,16}")
# ... or the language's and a session that holds nothing a public page shows: the signer's
# and letter writer's details and a CSRF token (public answers carry none). A flashed
# message, an organizer's login or anything else sends the request to the app.
SHAREABLE_SESSION_KEYS = frozenset({"signer", "writer", "browser", "csrf_token"})
ANSWERS_MAX = 512  # answers kept at most (one per path, query and language headers)
ANSWERS_MAX_BYTES = 4 * 1024 * 1024  # and their bodies' bytes (the home page: 25 kB)
# What an answer may depend on besides its path: the environ's values, in this order.
ANSWER_KEY = ("wsgi.url_scheme", "HTTP_HOST", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING",
              "HTTP_ACCEPT_LANGUAGE", "HTTP_COOKIE", "HTTP_ACCEPT_ENCODING")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer kept by SharedAnswers, and the rate limits its request counted."""

    stored: float  # time.monotonic()
    expires: float
    status: str
    headers: list[tuple[str, str]]
    body: bytes
    replays: tuple[Callable[[WSGIEnvironment], bool], ...]


class SharedAnswers:
    """Whole public answers kept in memory in front of the app, as a proxy keeps them.

    A GET without cookies (or with only the `lang` cookie), body or `If-None-Match` gets,
    for up to COUNTS_CACHE_SECONDS, the status, headers and body that the app gave the same
    request (same path, query, host, scheme and language and encoding headers), with an
    `Age` header. So does one that also carries a session holding only a signer's or letter
    writer's details (SHAREABLE_SESSION_KEYS): the app answers it the same (an answer that
    read them is never public: see `public`). Only answers the app marked as the same
    for everyone (`public`) are kept, and only while they stay public: 200, `Cache-Control:
    public`, no cookie set. A request the app counted against a rate limit is counted again
    each time its answer comes from memory (the `REPLAYS` the app left); one that goes over
    is handed to the app, which refuses it. `forget` drops every answer (the counts moved).
    The count interval is what the answers tell proxies and browsers they may keep them for
    (`max-age`), so a visitor sees nothing older than a proxy could have shown them.
    """

    def __init__(self, app: WSGIApplication, flask_app: Flask) -> None:
        self.app = app
        self.config = flask_app.config
        self.flask_app = flask_app  # whose session cookies it reads (see _shared_cookie)
        self._answers: dict[tuple[Any, ...], Answer] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._answers.clear()
            self._bytes = 0

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (environ["REQUEST_METHOD"] != "GET" or "HTTP_IF_NONE_MATCH" in environ
                or environ.get("CONTENT_LENGTH") not in (None, "", "0")
                or "HTTP_TRANSFER_ENCODING" in environ
                or self.config["COUNTS_CACHE_SECONDS"] <= 0):  # fmt: skip
            return self.app(environ, start_response)
        cookie = environ.get("HTTP_COOKIE")
        if cookie is not None and not SHARED_COOKIES.fullmatch(cookie):
            shared, cookie = self._shared_cookie(cookie)
            if not shared:
                return self.app(environ, start_response)
        # A signer's session gets the answer kept for a visitor without one (same language).
        key = tuple([environ.get(name) if name != "HTTP_COOKIE" else cookie
                     for name in ANSWER_KEY])  # fmt: skip
        found = self._answers.get(key)
        now = time.monotonic()
        if found is not None and found.expires > now:
            for replay in found.replays:
                if not replay(environ):  # over a limit: the app answers (and refuses)
                    return self.app(environ, start_response)
            # As a cache must (RFC 9111, 5.1): how old the answer is, so that a browser or
            # proxy keeps it only for what is left of its max-age. A new list: a server
            # may add to the one it is given.
            start_response(found.status, [*found.headers, ("Age", str(int(now - found.stored)))])
            return [found.body]
        kept: list[Any] = []

        def keep_status(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            kept[:] = [status, headers]
            return start_response(status, headers, exc_info)

        body = self.app(environ, keep_status)
        if not environ.get(SHAREABLE) or not kept:
            return body
        status, headers = kept
        names = {name.lower(): value for name, value in headers}
        if (not status.startswith("200 ") or "set-cookie" in names
                or not names.get("cache-control", "").startswith("public")):  # fmt: skip
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        with self._lock:
            replaced = self._answers.pop(key, None)
            self._bytes -= len(replaced.body) if replaced is not None else 0
            if len(self._answers) >= ANSWERS_MAX or self._bytes + len(data) > ANSWERS_MAX_BYTES:
                self._answers.clear()  # bounded: start again rather than track ages
                self._bytes = 0
            self._bytes += len(data)
            expires = now + float(self.config["COUNTS_CACHE_SECONDS"])
            replays = tuple(environ.get(REPLAYS, ()))
            self._answers[key] = Answer(now, expires, status, list(headers), data, replays)
        return [data]

    def _shared_cookie(self, header: str) -> tuple[bool, str | None]:
        """Whether a request with these cookies gets the public answers (the `lang` cookie
        and a session holding only SHAREABLE_SESSION_KEYS), and the Cookie header of a
        visitor without a session who would get the same (the `lang` cookie or none).

        The app's answer to such a request is the same as to that visitor, byte for byte:
        no public view reads the signer's or writer's details, and a session that is not
        permanent and not changed is not sent back.
        """
        app = self.flask_app
        name = app.session_interface.get_cookie_name(app)
        cookies = parse_cookies(header)
        languages = cookies.getlist("lang")
        sessions = cookies.getlist(name)
        if (cookies.keys() - {"lang", name} or len(languages) > 1 or len(sessions) != 1
                or not all(LANGUAGE_COOKIE.fullmatch(value) for value in languages)):  # fmt: skip
            return False, None
        data = read_session(app, sessions[0])
        if data is None or data.keys() - SHAREABLE_SESSION_KEYS:
            return False, None
        return True, f"lang={languages[0]}" if languages else None


def read_session(app: Flask, value: str) -> dict[str, Any] | None:
    """The contents of a session cookie as Flask would open it (signed by this app, not
    older than the session lifetime), or None when it is not valid."""
    interface = app.session_interface
    if not isinstance(interface, SecureCookieSessionInterface):
        return None
    serializer = interface.get_signing_serializer(app)
    if serializer is None:
        return None
    max_age = int(app.permanent_session_lifetime.total_seconds())
    try:
        data = serializer.loads(value, max_age=max_age)
    except BadSignature:
        return None
    return data if isinstance(data, dict) else None


def parse_cookies(
    header: str | None, cls: type[MultiDict[str, str]] = MultiDict
) -> MultiDict[str, str]:
    """The cookies of a Cookie header as werkzeug parses them, from WSGI's Latin-1 text,
    with bytes that are not UTF-8 replaced: werkzeug raises on them, which made any
    request carrying one (a cookie set by another site on the domain, a client's bug) a 500.
    """
    text = (header or "").encode("latin-1", "replace").decode("utf-8", "replace")
    return sansio_parse_cookie(text, cls)


class Request(FlaskRequest):
    """Flask's request, reading a Cookie header that carries bytes that are not UTF-8."""

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        header = ";".join(self.headers.getlist("Cookie"))
        return ImmutableMultiDict(parse_cookies(header))


def forget_shared_answers(app: Flask) -> None:
    """Drop the whole answers kept in front of the app (the public counts moved)."""
    answers: SharedAnswers | None = app.extensions.get(ANSWERS_KEY)
    if answers is not None:
        answers.forget()


def init_app(app: Flask) -> None:
    """Attach the page cache, the session interface that keeps personal answers private,
    and the shared answers in front of the app."""
    app.extensions[EXTENSION_KEY] = PageCache()
    app.request_class = Request
    app.session_interface = SessionInterface()
    answers = SharedAnswers(app.wsgi_app, app)
    app.extensions[ANSWERS_KEY] = answers
    app.wsgi_app = answers  # type: ignore[method-assign]
