"""The code alphabet: codes people can read aloud and type, for coupons and generated
redemption codes alike. No look-alike characters, enough entropy.

The alphabet leaves out 0/O, 1/I/L and U/V (29 characters, ~4.86 bits each); 10 characters from
`secrets` give ~48.6 bits. Codes are stored without dashes and shown in groups of five, and are
accepted in any case, with or without dashes or spaces.
"""

import secrets

ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
CODE_LENGTH = 10
GROUP = 5


def generate_code() -> str:
    """A new code in its stored form."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch not in "- \t")


def display_code(stored: str) -> str:
    return "-".join(stored[i : i + GROUP] for i in range(0, len(stored), GROUP))
