"""Text from outside (chat apps, the web chat, API clients, partners' files), made safe to keep.

PostgreSQL's text cannot hold NUL, and neither PostgreSQL nor UTF-8 can hold a lone surrogate
(JSON's "\\ud800", or a byte that was not UTF-8, read with `surrogateescape`); the other C0 and
C1 controls are invisible junk in a name or a message, and some terminals and logs act on them.
These characters are *unsafe*. Tabs and line breaks are not: a message keeps them, one-line
text (a name, an id, a button's payload) gets spaces instead.

A customer is never refused for what their chat app sends: their text is cleaned. An API client
is told (web/body.py), since it can fix what it sends.
"""

import re

# C0 controls but tab, line feed and carriage return; DEL; the C1 controls; and surrogates (a
# str holds one only when it is lone: a valid pair is read as the one character it encodes).
_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("\r\n?")
_TAB_OR_BREAK = re.compile("[\t\n\r]")


def clean_text(text: str, *, one_line: bool = False) -> str:
    """`text` without unsafe characters, its line breaks as "\\n"; with `one_line`, tabs and
    line breaks become spaces."""
    safe = _UNSAFE.sub("", text)
    if one_line:
        return _TAB_OR_BREAK.sub(" ", safe)
    return _LINE_BREAK.sub("\n", safe)


def cleaned(value: object, *, one_line: bool = False) -> object:
    """`value` cleaned if it is text, else as it is: for a `BeforeValidator`, which runs before
    pydantic's own check of a str (and pydantic refuses a lone surrogate outright)."""
    return clean_text(value, one_line=one_line) if isinstance(value, str) else value


def first_unsafe(text: str) -> str | None:
    """The first unsafe character of `text`, or None if it has none."""
    found = _UNSAFE.search(text)
    return found.group() if found else None


def describe(character: str) -> str:
    """How an error message names an unsafe character, which it cannot show."""
    if "\ud800" <= character <= "\udfff":
        return f"U+{ord(character):04X}, a byte that is not UTF-8 (or half a surrogate pair)"
    return f"the control character U+{ord(character):04X}"
