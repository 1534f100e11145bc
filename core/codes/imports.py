"""Reading a partner's CSV of codes: all rows good, or a report of every bad row by line."""

import csv
import io

from core.code_alphabet import normalize_code
from core.codes.errors import BadRow, ImportRejected
from core.text import describe, first_unsafe

MAX_CODE_LENGTH = 64
MAX_RAW_LENGTH = 80


def read_codes(data: bytes) -> dict[str, str]:
    """The file's codes as {stored form: as written}. Expects UTF-8 (a BOM is fine), one code
    per row, with an optional header row `code`; lines may end in LF, CRLF or CR, mixed.

    A partner's code is refused, never cleaned: a control character or a byte that is not
    UTF-8 means the file is damaged, and a code changed here would not be the partner's."""
    # Bytes that are not UTF-8 become lone surrogates, reported with their line below.
    text = data.decode("utf-8-sig", errors="surrogateescape")
    # newline="": csv itself reads every line ending (and line breaks inside quoted fields).
    reader = csv.reader(io.StringIO(text, newline=""))
    codes: dict[str, str] = {}
    problems: list[BadRow] = []
    first_line: dict[str, int] = {}
    line = 1  # where the next row starts: a quoted field may span lines
    try:
        for row in reader:
            if line == 1 and [cell.strip().lower() for cell in row] == ["code"]:
                line = reader.line_num + 1
                continue
            code, problem = _check_row(row)
            if problem is None and code in first_line:
                problem = f"duplicate of line {first_line[code]}"
            if problem is None:
                first_line[code] = line
                codes[code] = row[0].strip()
            else:
                problems.append(BadRow(line, problem))
            line = reader.line_num + 1
    except csv.Error as exc:  # the rest cannot be read reliably: report what was found so far
        problems.append(BadRow(line, f"not readable as CSV ({exc})"))
    if problems:
        raise ImportRejected(problems)
    if not codes:
        raise ImportRejected([BadRow(1, "the file has no codes")])
    return codes


def _check_row(row: list[str]) -> tuple[str, str | None]:
    if not row:
        return "", "empty row"
    if character := first_unsafe(",".join(row)):
        return "", f"the line holds {describe(character)}"
    if len(row) != 1:
        return "", f"expected 1 column (the code), found {len(row)}"
    code = normalize_code(row[0])
    if not code:
        return code, "empty code"
    if len(code) > MAX_CODE_LENGTH or len(row[0].strip()) > MAX_RAW_LENGTH:
        return code, f"code longer than {MAX_CODE_LENGTH} characters"
    if not code.isprintable():
        return code, "code has characters that are not printable"
    return code, None
