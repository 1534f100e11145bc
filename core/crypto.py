"""Secrets at rest (bot tokens, access tokens, app secrets), sealed with the instance's secret key.

Fernet gives authenticated encryption: a sealed value that was tampered with, or sealed under
another key, fails to open instead of decrypting to garbage.
"""

import base64
import hashlib
import hmac

from cryptography.fernet import Fernet, InvalidToken

from core.errors import ServiceUnavailable


class SealBroken(ServiceUnavailable):
    """A sealed value could not be opened: a different secret key, or tampering. Our side's
    fault, and mended by restoring the key: platforms retry what failed meanwhile."""

    code = "credentials_unreadable"
    message = "Stored credentials cannot be read with this secret key."


class Sealer:
    def __init__(self, secret_key: str) -> None:
        digest = hashlib.sha256(b"confetti/sealed-secrets\x00" + secret_key.encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as exc:
            raise SealBroken() from exc


def fingerprint(value: str) -> str:
    """A one-way digest of a shared secret, so a presented value can be checked without storing
    the secret itself."""
    return hashlib.sha256(value.encode()).hexdigest()


def matches_fingerprint(presented: str | None, stored: str) -> bool:
    """Constant-time: the time taken tells nothing about how much of the value was right."""
    return hmac.compare_digest(fingerprint(presented or ""), stored)
