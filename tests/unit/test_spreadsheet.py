"""CSV exports open safely in a spreadsheet: formulas stay text, lists and flags read well."""

from __future__ import annotations

import csv
import io

import pytest

from workflow.adapters.spreadsheet import as_csv, cell


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+44 20", "-1", "@cmd", "\tx", "\rx"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_kept_as_text(text: str) -> None:
    assert cell(text) == "'" + text


def test_lists_flags_and_nothing_read_as_words() -> None:
    assert cell(["HMICFRS", "HMCPSI"]) == "HMICFRS; HMCPSI"
    assert (cell(True), cell(False), cell(None)) == ("yes", "no", "")
    assert cell({"due": "2022-01-24", "description": "a decision"}) == "2022-01-24 a decision"


def test_the_csv_has_the_columns_in_order_and_every_row_made_safe() -> None:
    text = as_csv(["ref", "title"], [{"ref": "mappa", "title": "=HYPERLINK(1)", "extra": 1}])
    assert text.endswith("\r\n")
    assert list(csv.reader(io.StringIO(text))) == [["ref", "title"], ["mappa", "'=HYPERLINK(1)"]]
