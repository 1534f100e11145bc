"""Code patterns such as `SPRING-####-####`: each `#` is a random character of the alphabet
(no look-alikes), everything else is kept as written."""

import math
import secrets

from core.code_alphabet import ALPHABET, normalize_code

SLOT = "#"
MIN_BITS = 40
BITS_PER_SLOT = math.log2(len(ALPHABET))
# Ask for at least this many more possible codes than wanted, so generating `count` unique codes
# takes a few rounds at most instead of an ever slower hunt for the last free ones.
HEADROOM = 4


def slots(pattern: str) -> int:
    return pattern.count(SLOT)


def entropy_bits(pattern: str) -> float:
    return slots(pattern) * BITS_PER_SLOT


def capacity(pattern: str) -> int:
    return len(ALPHABET) ** slots(pattern)


def generate(pattern: str, count: int) -> dict[str, str]:
    """`count` distinct codes as {stored form: as written}, the pattern's own dashes kept."""
    template = pattern.upper()
    parts = template.split(SLOT)
    base = len(ALPHABET)
    bound = base ** (len(parts) - 1)
    codes: dict[str, str] = {}
    while len(codes) < count:
        value = secrets.randbelow(bound)
        pieces = [parts[0]]
        for part in parts[1:]:
            value, digit = divmod(value, base)
            pieces.append(ALPHABET[digit])
            pieces.append(part)
        raw = "".join(pieces)
        codes[normalize_code(raw)] = raw
    return codes
