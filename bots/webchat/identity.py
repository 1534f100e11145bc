"""Who a web chat customer is: a random id in a signed cookie, so nobody can claim another's.

The cookie holds `<id>.<signature>`: 32 hex characters (a uuid4) and the base64url HMAC-SHA256
of the id under a key derived from the instance's secret key. A forged, garbled or re-keyed
cookie reads as no identity, and the customer simply starts as someone new.
"""

import base64
import hashlib
import hmac
import re
import uuid

COOKIE_NAME = "confetti_chat"
MAX_AGE_SECONDS = 365 * 24 * 60 * 60
_ID = re.compile(r"^[0-9a-f]{32}$")
# A base64url HMAC-SHA256 without padding is always 43 characters.
_SIGNATURE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def new_identity() -> str:
    return uuid.uuid4().hex


def cookie_value(secret_key: str, identity: str) -> str:
    return f"{identity}.{_signature(secret_key, identity)}"


def read_identity(secret_key: str, cookie: str | None) -> str | None:
    """The id the cookie carries, or None unless it is well formed and signed with our key."""
    if not cookie or len(cookie) > 128:
        return None
    identity, _, signature = cookie.partition(".")
    if not _ID.match(identity) or not _SIGNATURE.match(signature):
        return None
    expected = _signature(secret_key, identity)
    return identity if hmac.compare_digest(expected, signature) else None


def cookie_attributes(base_url: str) -> dict[str, object]:
    """How the cookie is set: out of scripts' reach, withheld from other sites' requests (but
    for following a link), kept a year, and sent only over TLS where the site uses TLS."""
    return {
        "path": "/",
        "max_age": MAX_AGE_SECONDS,
        "httponly": True,
        "samesite": "Lax",
        "secure": base_url.startswith("https://"),
    }


def _signature(secret_key: str, identity: str) -> str:
    key = hashlib.sha256(b"confetti/webchat-identity\x00" + secret_key.encode()).digest()
    digest = hmac.new(key, identity.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
