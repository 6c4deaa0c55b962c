"""Scheduled publication work: embargoed copies go out on their day."""

from __future__ import annotations

from tasks.app import app
from tasks.runtime import worker_runtime
from workflow.application.jobs.embargo import send_due_embargoes as send_due


@app.task(name="cjji.send_due_embargoes")
def send_due_embargoes() -> int:
    return len(send_due(worker_runtime()))
