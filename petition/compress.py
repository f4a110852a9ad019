"""Brotli or gzip for text responses (Flask-Compress), chosen from Accept-Encoding.

Fixed choices rather than settings: a proxy in front may compress instead, and then it
simply receives compressed responses. CSV exports are never compressed (text/csv is not
in the list), so they keep streaming row by row. Strong ETags get the algorithm appended
("abc:br") and conditional requests are answered on the compressed response.
"""

from __future__ import annotations

from flask import Flask, request
from flask import Response as FlaskResponse
from flask_compress import Compress

from petition.httpcache import header

COMPRESS_SETTINGS = {
    "COMPRESS_ALGORITHM": ["br", "gzip"],
    # Streamed responses (the JSON export) are compressed chunk by chunk, never buffered.
    "COMPRESS_ALGORITHM_STREAMING": ["br"],
    "COMPRESS_STREAMS": True,
    # Below this many bytes compression saves less than it costs.
    "COMPRESS_MIN_SIZE": 500,
    # Registered by hand below, to skip the answers to form posts.
    "COMPRESS_REGISTER": False,
}


def init_app(app: Flask) -> None:
    """Compress GET responses of the text types Flask-Compress lists."""
    for key, value in COMPRESS_SETTINGS.items():
        app.config.setdefault(key, value)
    compress = Compress(app)

    @app.after_request
    def compress_response(response: FlaskResponse) -> FlaskResponse:
        # A page answering a form post can show what was typed next to the CSRF token:
        # left uncompressed, a BREACH-style guess of the token from sizes is impossible.
        environ = request.environ
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return response
        if "HTTP_ACCEPT_ENCODING" not in environ:
            # Nothing to compress for this client; what Flask-Compress would still do:
            # tell caches that the answer depends on the header.
            vary = header(response, "Vary")
            if vary is None:
                response.headers.add("Vary", "Accept-Encoding")  # add: nothing to replace
            elif "accept-encoding" not in vary.lower():
                response.headers["Vary"] = f"{vary}, Accept-Encoding" if vary else "Accept-Encoding"
            return response
        if request.endpoint == "static" and response.status_code == 200:
            # Our static files are a few kilobytes: read them whole, so they get a plain
            # compressed body and ETag (compressing them as a stream left the file open).
            response.direct_passthrough = False
            response.make_sequence()
        return compress.after_request(response)
