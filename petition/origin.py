"""Form posts from other sites, recognised by the headers browsers add to every request.

The sign form is protected this way instead of by a CSRF token. A token ties the form to
a session: every new visitor of the home page would get a session cookie and a page of
their own, which no shared cache could hold. Signing needs no session to protect (the
signer proves who they are by email), so what must be stopped is another site making its
visitors' browsers post the form (to sign from many addresses at once, say). Browsers say
where a request comes from:

- `Sec-Fetch-Site` (Fetch Metadata; every current browser): "same-origin" for our own
  pages, "none" for what the user typed or bookmarked, "same-site" or "cross-site" for
  another origin. Only the first two are let through.
- `Origin` (older browsers send it on form posts): it must be the site's own origin (its
  BASE_URL) or name the host the request was sent to.
- Neither header: not a browser (a script can post the form anyway, with or without a
  token), or one too old to send them; it is let through.

This is the rule of Go's net/http CrossOriginProtection (Go 1.25), which works without
tokens; no maintained Python library implements it for WSGI.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.wrappers import Request

# Fetch Metadata values of requests a page of this site or the user started.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def site_origin(base_url: str) -> str:
    """Return the origin (scheme://host[:port]) of the site's base URL."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_cross_origin(request: Request, base_url: str) -> bool:
    """Tell whether a browser sent this request from a page of another origin."""
    environ = request.environ
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None:
        return fetch_site.strip().lower() not in TRUSTED_FETCH_SITES
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return False
    origin = origin.strip().lower()
    if origin == site_origin(base_url):
        return False
    # Behind a proxy that keeps the Host header, the browser's origin names that host.
    return urlsplit(origin).netloc != request.host.lower()  # "null" names no host
