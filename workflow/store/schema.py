"""Every table module, imported so that the metadata (and Alembic) sees every table.

A feature that adds tables in a module of its own adds one import line here.
"""

from workflow.store import auth_tables, deadline_tables, heartbeat_tables, tables

__all__ = ["auth_tables", "deadline_tables", "heartbeat_tables", "tables"]
