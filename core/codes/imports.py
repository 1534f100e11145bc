"""Reading a partner's CSV of codes: all rows good, or a report of every bad row by line."""

import csv
import io
from dataclasses import dataclass

from core.code_alphabet import normalize_code
from core.errors import ValidationFailed

MAX_CODE_LENGTH = 64
MAX_RAW_LENGTH = 80
MAX_PROBLEMS_REPORTED = 20


@dataclass(frozen=True)
class BadRow:
    line: int
    problem: str


class ImportRejected(ValidationFailed):
    code = "import_rejected"

    def __init__(self, problems: list[BadRow]) -> None:
        shown = "; ".join(f"line {p.line}: {p.problem}" for p in problems[:MAX_PROBLEMS_REPORTED])
        more = len(problems) - MAX_PROBLEMS_REPORTED
        suffix = f"; and {more} more" if more > 0 else ""
        super().__init__(f"Nothing was imported. {shown}{suffix}", field="file")
        self.problems = problems


def read_codes(data: bytes) -> dict[str, str]:
    """The file's codes as {stored form: as written}. Expects UTF-8 (a BOM is fine), one code
    per row, with an optional header row `code`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = BadRow(text_line(data, exc.start), "the file is not UTF-8 text")
        raise ImportRejected([problem]) from None
    codes: dict[str, str] = {}
    problems: list[BadRow] = []
    first_line: dict[str, int] = {}
    # Longer fields than any code are bad rows anyway; the limit keeps csv from refusing them.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    for line, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if line == 1 and [cell.strip().lower() for cell in row] == ["code"]:
            continue
        code, problem = _check_row(row)
        if problem is None and code in first_line:
            problem = f"duplicate of line {first_line[code]}"
        if problem is not None:
            problems.append(BadRow(line, problem))
            continue
        first_line[code] = line
        codes[code] = row[0].strip()
    if problems:
        raise ImportRejected(problems)
    if not codes:
        raise ImportRejected([BadRow(1, "the file has no codes")])
    return codes


def _check_row(row: list[str]) -> tuple[str, str | None]:
    if not row:
        return "", "empty row"
    if len(row) != 1:
        return "", f"expected 1 column (the code), found {len(row)}"
    code = normalize_code(row[0])
    if not code:
        return code, "empty code"
    if len(code) > MAX_CODE_LENGTH or len(row[0].strip()) > MAX_RAW_LENGTH:
        return code, f"code longer than {MAX_CODE_LENGTH} characters"
    if not code.isprintable():
        return code, "code has control characters"
    return code, None


def text_line(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
