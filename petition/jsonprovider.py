"""Flask JSON through orjson: the lookup API's answers are large, and encoding dominates."""

from __future__ import annotations

from typing import Any, cast

import orjson
from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    """Encode with orjson (keys sorted, like Flask's default); decode with orjson too."""

    option = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default, option=self.option).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default, option=self.option)
        app = cast(Flask, self._app)  # typed as the sans-IO App; it is always a Flask here
        return app.response_class(body, mimetype=self.mimetype)


def init_app(app: Flask) -> None:
    """Make orjson the app's JSON provider."""
    app.json = OrjsonProvider(app)
