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
        # Every call to the broker has a time limit (settings.broker_timeout_seconds): a
        # broker that hangs delays a command by seconds, never forever. Publishing tries
        # once: a message not sent stays in the outbox for the relay. A worker that loses
        # the broker still reconnects until it is back (broker_connection_retry).
        "broker_connection_timeout": settings.broker_timeout_seconds,
        "broker_connection_retry": True,
        "broker_transport_options": transport_options(settings),
        "task_publish_retry": False,
        "task_publish_retry_policy": {
            "max_retries": 0,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.2,
            "timeout": settings.broker_timeout_seconds,
        },
        "redis_socket_timeout": settings.broker_timeout_seconds,
        "redis_socket_connect_timeout": settings.broker_timeout_seconds,
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
            "sign-checkpoint": {
                "task": "cjji.sign_checkpoint",
                "schedule": settings.checkpoint_every_seconds,
            },
            "sweep-reminders": {
                "task": "cjji.sweep_reminders",
                "schedule": float(settings.sweep_every_seconds),
            },
            "purge-sessions": {
                "task": "cjji.purge_sessions",
                "schedule": float(settings.purge_every_seconds),
            },
        },
        "beat_schedule_filename": str(settings.data_dir / "beat-schedule"),
        "timezone": "Europe/London",
    }


def transport_options(settings: Settings) -> dict[str, Any]:
    if settings.broker_url.startswith(("redis://", "rediss://")):
        limit = settings.broker_timeout_seconds
        return {
            # Longer than any task may run: a running task is never handed to a second worker.
            "visibility_timeout": settings.visibility_timeout,
            # Redis accepts connections in the kernel even when the server is hung: without
            # a read limit the first command would wait forever.
            "socket_connect_timeout": limit,
            "socket_timeout": limit,
            # Getting a channel to publish on: one attempt, not retries until the budget of
            # broker_connection_timeout runs out. Workers reconnect by their own loop.
            "max_retries": 0,
        }
    return {}  # the embedded SQLite broker passes these to create_engine, which takes none


@app.on_configure.connect
def _configure(sender: Celery, **_: Any) -> None:
    sender.conf.update(celery_config(get_settings()))


# The worker's and beat's heartbeats and structured logs start with them (these modules
# only connect signals).
import tasks.heartbeats  # noqa: E402
import tasks.log_context  # noqa: E402, F401
