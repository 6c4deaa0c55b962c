"""The Celery application, configured lazily from :func:`config.settings.get_settings`.

Importing this module creates no connection and reads no setting: Celery calls
:func:`_configure` the first time its configuration is needed (by a worker, beat, or the
first ``send_task``). State lives in the database, so results are ignored; deadlines are
database rows swept by beat, never ETA messages.
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from config.settings import Settings, get_settings

app = Celery("cjji", set_as_current=False, include=["tasks.jobs", "tasks.publication_jobs"])


def celery_config(settings: Settings) -> dict[str, Any]:
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        "broker_transport_options": transport_options(settings),
        "task_default_queue": settings.queue,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_ignore_result": True,
        "result_backend": None,
        "task_time_limit": settings.task_time_limit_seconds,
        "task_soft_time_limit": max(settings.task_time_limit_seconds - 10, 5),
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "beat_schedule": {
            "relay-outbox": {"task": "cjji.relay_outbox", "schedule": settings.relay_every_seconds},
            "send-due-embargoes": {
                "task": "cjji.send_due_embargoes",
                "schedule": float(settings.sweep_every_seconds),
            },
            "sweep-reminders": {
                "task": "cjji.sweep_reminders",
                "schedule": float(settings.sweep_every_seconds),
            },
        },
        "beat_schedule_filename": str(settings.data_dir / "beat-schedule"),
        "timezone": "Europe/London",
    }


def transport_options(settings: Settings) -> dict[str, Any]:
    if settings.broker_url.startswith(("redis://", "rediss://")):
        # Longer than any task may run: a running task is never handed to a second worker.
        return {"visibility_timeout": settings.visibility_timeout, "socket_connect_timeout": 3}
    return {}  # the embedded SQLite broker passes these to create_engine, which takes none


@app.on_configure.connect
def _configure(sender: Celery, **_: Any) -> None:
    sender.conf.update(celery_config(get_settings()))
