"""HTTP fetching for data refreshes: timeouts, retries with backoff, a User-Agent, progress."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

USER_AGENT = "petition-refdata/0.1 (open-source petition app; reference data refresh)"
# Seconds to connect, and to wait between two bytes of an answer.
TIMEOUT = (5.0, 30.0)
CHUNK = 64 * 1024


class FetchError(RuntimeError):
    """A download failed after its retries; the message says which URL and why."""


class HttpClient:
    """A requests session that retries failed GETs with exponential backoff."""

    def __init__(
        self,
        *,
        retries: int = 3,
        backoff: float = 0.5,
        timeout: tuple[float, float] = TIMEOUT,
        progress: Callable[[str, int, int | None], None] | None = None,
    ) -> None:
        # Imported here: the web app imports this module (with the commands) but never
        # downloads, and requests is among the slowest imports of a worker's start.
        import requests
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.timeout = timeout
        self.progress = progress
        self.errors: type[Exception] = requests.RequestException
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        retry = Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def get_bytes(self, url: str, params: dict[str, Any] | None = None) -> bytes:
        """Download a whole answer, reporting progress.

        :raises FetchError: on a network error, a timeout, a non-2xx status after
            retries, or an answer shorter than its Content-Length.
        """
        try:
            with self.session.get(url, params=params, timeout=self.timeout, stream=True) as resp:
                if resp.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {resp.status_code}")
                total = resp.headers.get("Content-Length")
                expected = int(total) if total and total.isdigit() else None
                chunks: list[bytes] = []
                received = 0
                for chunk in resp.iter_content(CHUNK):
                    chunks.append(chunk)
                    received += len(chunk)
                    if self.progress:
                        self.progress(url, received, expected)
        except self.errors as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from exc
        body = b"".join(chunks)
        if expected is not None and len(body) < expected:
            raise FetchError(f"{url}: answer truncated ({len(body)} of {expected} bytes)")
        return body

    def get_text(self, url: str, params: dict[str, Any] | None = None) -> str:
        """Download and decode as UTF-8 (a byte-order mark is dropped)."""
        return self.get_bytes(url, params).decode("utf-8-sig")

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """Download and parse JSON.

        :raises FetchError: also when the answer is not valid JSON.
        """
        text = self.get_text(url, params)
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise FetchError(f"{url}: not valid JSON ({exc})") from exc
