"""Cells a spreadsheet would run as a formula are written quoted; everything else as it is."""

import csv
import io
from datetime import UTC, datetime

from core.csv_text import csv_text


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_text_starting_with_a_formula_character_a_tab_or_a_return_is_quoted() -> None:
    dangerous = ["=A1", "+A1", "-A1", "@A1", "\t=A1", "\r=A1", "'A1"]
    assert read_back(csv_text([dangerous])) == [["'" + cell for cell in dangerous]]


def test_numbers_times_and_empty_cells_are_written_as_they_are() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    rows = read_back(csv_text([(-5, at, None, "A=1")]))
    assert rows == [["-5", str(at), "", "A=1"]]
