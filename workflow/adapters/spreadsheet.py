"""CSV exports that a spreadsheet opens safely: one writer for the CLI and the web pages."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

#: What a spreadsheet would run as a formula when a cell starts with it (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as the text of a cell: lists joined, booleans as yes/no, and a cell that a
    spreadsheet would run as a formula kept as text (a leading apostrophe)."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    elif isinstance(value, dict):
        value = f"{value.get('due', '')} {value.get('description', '')}".strip()
    elif isinstance(value, bool):
        value = "yes" if value else "no"
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def as_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header of ``columns``, then each row's values for them (RFC 4180 line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buffer.getvalue()


def csv_chunks(
    columns: Sequence[str], batches: Iterable[Iterable[Mapping[str, Any]]]
) -> Iterator[str]:
    """:func:`as_csv` a batch at a time: the header, then the text of each batch of rows,
    for a response streamed while the rows are still being read. The same cells and line
    ends as :func:`as_csv`, so the joined chunks equal it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue()
    for rows in batches:
        buffer.seek(0)
        buffer.truncate()
        writer.writerows([cell(row.get(c)) for c in columns] for row in rows)
        yield buffer.getvalue()
