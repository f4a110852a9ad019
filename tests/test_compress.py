"""Compression: brotli or gzip for text, never for CSV exports, ETags stay valid."""

from __future__ import annotations

import gzip
import json

import brotli

BOTH = {"Accept-Encoding": "gzip, deflate, br"}


def test_pages_are_compressed_with_brotli_or_gzip(client) -> None:
    page = client.get("/", headers=BOTH)
    assert page.headers["Content-Encoding"] == "br" and "Accept-Encoding" in page.headers["Vary"]
    assert b"<h1>" in brotli.decompress(page.data)
    gz = client.get("/learn-more", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and b"<h1>" in gzip.decompress(gz.data)
    assert "Content-Encoding" not in client.get("/").headers  # a client that asks for none


def test_static_etag_and_conditional_requests(client) -> None:
    with client.get("/static/style.css", headers=BOTH) as first:
        assert first.headers["Content-Encoding"] == "br"
        etag = first.headers["ETag"]
        assert etag.endswith(':br"')  # a different validator for the compressed bytes
    with client.get("/static/style.css", headers={**BOTH, "If-None-Match": etag}) as again:
        assert again.status_code == 304 and again.data == b""


def test_form_answers_are_not_compressed(client) -> None:
    # The page answering a post shows what was typed (BREACH guesses secrets from sizes).
    data = {"name": ""}
    response = client.post("/", data=data, headers=BOTH)
    assert response.status_code == 400 and "Content-Encoding" not in response.headers


def test_csv_exports_still_stream_uncompressed(client, auth, sign, mailbox) -> None:
    auth.login()
    response = client.get("/organizer/exports/counts.csv?by=country", headers=BOTH)
    assert response.is_streamed and "Content-Encoding" not in response.headers
    assert response.get_data().decode("utf-8-sig").startswith("country,")
    streamed = client.get("/organizer/exports/counts.json?by=day", headers=BOTH)
    assert streamed.headers["Content-Encoding"] == "br" and streamed.is_streamed
    assert "Content-Length" not in streamed.headers  # chunk by chunk, never buffered
    json.loads(brotli.decompress(streamed.get_data()))
