"""The domain imports no database, queue, web or settings code (import-linter checks too)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

BLOCKED = (
    "sqlalchemy",
    "sqlmodel",
    "alembic",
    "psycopg",
    "celery",
    "kombu",
    "redis",
    "fastapi",
    "typer",
    "pydantic_settings",
    "config",
    "tasks",
    "workflow.store",
    "workflow.application",
    "workflow.adapters",
    "workflow.bootstrap",
    "workflow.cli",
)


def test_every_domain_module_imports_with_infrastructure_packages_blocked() -> None:
    script = textwrap.dedent(f"""
        import importlib, pkgutil, sys
        BLOCKED = {BLOCKED!r}

        class Block:
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                    raise ImportError(f"the domain imported {{name}}")
                return None

        sys.meta_path.insert(0, Block())
        import workflow.domain as domain
        names = [m.name for m in pkgutil.iter_modules(domain.__path__, "workflow.domain.")]
        for name in names:
            importlib.import_module(name)
        print(len(names))
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10, "every domain module was imported"


def test_the_blocker_really_blocks() -> None:
    script = textwrap.dedent("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "sqlalchemy":
                    raise ImportError("blocked")
        sys.meta_path.insert(0, Block())
        import sqlalchemy
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode != 0
    assert "blocked" in done.stderr


def test_the_audit_verifier_runs_with_infrastructure_packages_blocked() -> None:
    """What a body runs on its own machine needs none of the engine's database, queue, web
    or settings code (import-linter checks the static imports; this, the running ones)."""
    script = textwrap.dedent(f"""
        import sys
        BLOCKED = {BLOCKED!r} + ("workflow.web", "workflow.api", "workflow.http", "pydantic")

        class Block:
            def find_spec(self, name, path=None, target=None):
                if any(name == b or name.startswith(b + ".") for b in BLOCKED):
                    raise ImportError(f"the verifier imported {{name}}")
                return None

        sys.meta_path.insert(0, Block())
        sys.argv = ["audit_verifier", "--help"]
        import runpy
        try:
            runpy.run_module("workflow.audit_verifier", run_name="__main__")
        except SystemExit as done:
            print("exit", done.code)
    """)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "WITNESS" in done.stdout.upper() or "folder" in done.stdout
    assert done.stdout.strip().endswith("exit 0")
