"""Short, opaque ids for buttons and deep links.

Telegram allows 64 bytes of callback data and 64 characters of start payload
(`[A-Za-z0-9_-]`), so a UUID travels as 22 base-62 characters: no `-` or `_`, which keeps it
separable from an activity's slug. Whatever comes back is re-checked: ids can be forged.
"""

import re
import string
import uuid

ALPHABET = string.digits + string.ascii_letters
SHORT_ID_LENGTH = 22
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SUFFIX = re.compile(rf"^(?P<slug>.+)-(?P<tag>[rg])(?P<id>[0-9A-Za-z]{{{SHORT_ID_LENGTH}}})$")


def short_id(value: uuid.UUID) -> str:
    number = value.int
    digits = []
    for _ in range(SHORT_ID_LENGTH):
        number, digit = divmod(number, 62)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def parse_short_id(text: str | None) -> uuid.UUID | None:
    """The UUID, or None for anything that is not one of ours."""
    if not text or len(text) != SHORT_ID_LENGTH or any(c not in ALPHABET for c in text):
        return None
    number = 0
    for char in text:
        number = number * 62 + ALPHABET.index(char)
    return uuid.UUID(int=number) if number < 2**128 else None


def start_payload(
    slug: str, *, referrer: uuid.UUID | None = None, group: uuid.UUID | None = None
) -> str:
    """`slug`, then `-r<referrer>` and/or `-g<group>`: at most 12 + 23 + 23 characters."""
    payload = slug
    if referrer is not None:
        payload += f"-r{short_id(referrer)}"
    if group is not None:
        payload += f"-g{short_id(group)}"
    return payload


def parse_start_payload(payload: str) -> tuple[str, dict[str, uuid.UUID]] | None:
    """(slug, {"r": referrer, "g": group}) or None when it is not a payload at all; the slug is
    whatever is left, so a slug that names no activity is the caller's to handle."""
    if not PAYLOAD.match(payload):
        return None
    tagged: dict[str, uuid.UUID] = {}
    while (match := _SUFFIX.match(payload)) and match["tag"] not in tagged:
        found = parse_short_id(match["id"])
        if found is None:
            break
        tagged[match["tag"]] = found
        payload = match["slug"]
    return payload, tagged
