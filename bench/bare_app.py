"""The baseline: a bare Flask app answering the same URL with a small JSON body."""

from flask import Flask

app = Flask(__name__)


@app.get("/api/v1/representatives")
def representatives() -> dict[str, object]:
    return {"ambiguous": False, "districts": [], "at_large": [], "note": None}
