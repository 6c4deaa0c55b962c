"""Every task name that can reach the outbox is a task the worker registers, and one the
delivery job knows how to compose: a name enqueued with no task behind it would sit in the
outbox for ever, relayed and dropped, and nobody would receive anything."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

from tasks.app import app
from workflow.application.jobs.delivery import COMPOSERS

ROOT = Path(__file__).resolve().parents[2]


def enqueued_task_names() -> dict[str, str]:
    """``{task name: where}`` for every ``….enqueue(NAME, …)`` call in the engine's code,
    NAME resolved in the module that makes the call (a constant defined or imported there,
    or a string literal)."""
    found: dict[str, str] = {}
    for package in ("workflow", "tasks"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            calls = [
                node
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "enqueue"
                and node.args
            ]
            if not calls:
                continue
            module_name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            module = importlib.import_module(module_name)
            for call in calls:
                where = f"{module_name}:{call.lineno}"
                first = call.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found[first.value] = where
                elif isinstance(first, ast.Name):
                    value = getattr(module, first.id)
                    assert isinstance(value, str), f"{where}: {first.id} is not a name"
                    found[value] = where
                else:
                    raise AssertionError(f"{where}: enqueue's task name cannot be read")
    return found


def registered() -> set[str]:
    app.loader.import_default_modules()  # what a worker imports at start: conf.include
    return set(app.tasks)


def test_the_enqueue_call_sites_are_found() -> None:
    names = enqueued_task_names()
    assert {"cjji.notify_team", "cjji.request_decision", "cjji.send_reminder"} <= set(names)
    assert "cjji.send_embargo" in names


def test_every_task_name_that_can_reach_the_outbox_is_registered_by_the_worker() -> None:
    tasks = registered()
    missing = {name: where for name, where in enqueued_task_names().items() if name not in tasks}
    assert not missing, f"enqueued but no worker task: {missing}"


def test_every_task_name_that_can_reach_the_outbox_has_a_composer() -> None:
    missing = {n: w for n, w in enqueued_task_names().items() if n not in COMPOSERS}
    assert not missing, f"enqueued but the delivery job cannot compose it: {missing}"


def test_every_task_beat_schedules_is_registered() -> None:
    tasks = registered()
    scheduled = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert scheduled <= tasks, scheduled - tasks
