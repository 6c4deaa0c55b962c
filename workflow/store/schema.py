"""Every table module, imported so that the metadata (and Alembic) sees every table.

A feature that adds tables in a module of its own adds one import line here.
"""

from workflow.store import tables

__all__ = ["tables"]
