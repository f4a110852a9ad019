"""The baseline: a bare Flask app answering a GET with a small JSON body and a POST with 303."""

from flask import Flask, redirect
from werkzeug.wrappers import Response

app = Flask(__name__)


@app.get("/api/v1/representatives")
def representatives() -> dict[str, object]:
    return {"ambiguous": False, "districts": [], "at_large": [], "note": None}


@app.post("/")
def sign() -> Response:
    return redirect("/thanks", code=303)
