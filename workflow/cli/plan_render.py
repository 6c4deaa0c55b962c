"""`cjji plans render`: a business plan's section B as the file that is circulated.

The same read model as the page `/plans/{code}/section-b` and its downloads
(`workflow.application.queries.plan_document`), so the file is the one the service
offers, byte for byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from workflow.application.queries import plan_document
from workflow.cli.output import JsonFlag, output, runtime, say
from workflow.domain.errors import InvalidInput


def render(
    code: Annotated[str, typer.Argument(help="The plan's code, e.g. cjji-2021-23.")],
    fmt: Annotated[
        str, typer.Option("--format", help="html, docx or pdf.", show_default=True)
    ] = "pdf",
    out: Annotated[
        Path | None,
        typer.Option("--output", help="The file to write; default: CODE-section-b.FORMAT here."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Write section B of a plan (its work streams, from the record) as HTML, .docx or PDF."""
    fmt = fmt.strip().lower()
    if fmt not in plan_document.FORMATS:
        raise InvalidInput(f"--format {fmt!r} is not one of {', '.join(plan_document.FORMATS)}")
    if out is not None and out.is_dir():
        raise InvalidInput(f"--output {out} is a directory: give a file name")
    if out is not None and not out.parent.is_dir():
        raise InvalidInput(f"--output {out}: no such directory {out.parent}")
    rendered = plan_document.render(runtime(), code, fmt)
    target = out or Path(rendered.filename)
    target.write_bytes(rendered.content)
    data = {
        "plan": code,
        "format": fmt,
        "file": str(target),
        "bytes": len(rendered.content),
        "media_type": rendered.media_type,
    }
    output(as_json, data, lambda: say(f"{code}: section B written to {target} ({fmt})"))


def register(app: typer.Typer) -> None:
    """Add `render` to the `plans` commands (the plan lifecycle owns the group itself)."""
    app.command("render")(render)
