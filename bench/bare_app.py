"""The baselines: a bare Flask app answering a GET with a small JSON body, a POST with 303,
and a naive POST that inserts one row in its own transaction before answering 303."""

import os

from flask import Flask, redirect, request
from sqlalchemy import create_engine, text
from werkzeug.wrappers import Response

app = Flask(__name__)
# The bench's database; bench/http.py makes the table (make_naive_table).
URL = os.environ.get("PETITION_DATABASE_URL")
engine = create_engine(URL) if URL else None


@app.get("/api/v1/representatives")
def representatives() -> dict[str, object]:
    return {"ambiguous": False, "districts": [], "at_large": [], "note": None}


@app.post("/")
def sign() -> Response:
    return redirect("/thanks", code=303)


@app.post("/naive")
def naive_insert() -> Response:
    assert engine is not None
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO bench_naive (email) VALUES (:email)"),
                     {"email": request.form.get("email", "")})  # fmt: skip
    return redirect("/thanks", code=303)
