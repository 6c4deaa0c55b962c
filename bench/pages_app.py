"""The app that ``bench.pages_load`` serves: the project's own, unchanged, plus one bench-only
endpoint, ``GET /bench/bare?ref=REF``, the baseline: one indexed ``SELECT`` of a work
stream by its ref (the unique index on ``work_stream.ref``) on the app's own engine and
pool, answered as a line of text, through the same middleware as every page, without
signing in. Served by uvicorn, as ``cjji serve`` serves the app (one process)::

    CJJI_DATABASE_URL=... uvicorn --factory bench.pages_app:create
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import text

from workflow.bootstrap import bootstrap
from workflow.server import create_app

BARE = text("SELECT id, ref, title, state FROM work_stream WHERE ref = :ref")


def create() -> FastAPI:
    rt = bootstrap()  # from CJJI_* in the environment; no publisher: the pages send nothing
    app = create_app(rt)

    @app.get("/bench/bare", include_in_schema=False)
    def bare(ref: str) -> PlainTextResponse:
        with rt.engine.connect() as conn:
            row = conn.execute(BARE, {"ref": ref}).one()
        return PlainTextResponse(f"{row.id} {row.ref} {row.state} {row.title}\n")

    return app
