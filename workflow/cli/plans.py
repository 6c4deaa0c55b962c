"""`cjji plans …`: business plans as wholes."""

from __future__ import annotations

import typer

from workflow.cli import plan_render

plans_app = typer.Typer(help="Business plans as wholes.", no_args_is_help=True)
plan_render.register(plans_app)
