"""CSV as Confetti writes it, for every export: the one place rows become CSV text.

A cell is text that someone else wrote: a partner's imported code, a customer's id or name. A
spreadsheet opening the file may run a cell that starts with `=`, `+`, `-`, `@`, a tab or a
carriage return as a formula: CSV injection. Every such text cell is written
with a single quote in front, as OWASP advises, which spreadsheets read as "this is text".

The quote is also put in front of a text cell that already starts with one, so reading a cell
back is one rule with no exceptions: a cell that starts with `'` had one added; drop that first
character to get the value. Numbers and times are Confetti's own and are written as they are.
"""

import csv
import io
from collections.abc import Iterable
from typing import Any

# OWASP's list of characters that make a spreadsheet evaluate a cell, and the quote itself.
QUOTED_FIRST = ("=", "+", "-", "@", "\t", "\r", "'")


def safe_cell(value: Any) -> Any:
    """The cell as written: '' for None, text that a spreadsheet would run quoted."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(QUOTED_FIRST):
        return "'" + value
    return value


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The rows as CSV lines (CRLF-terminated, as RFC 4180 has it), each cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue()
