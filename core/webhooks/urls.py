"""The rules a webhook endpoint's URL must meet when a merchant registers it.

Checked here: that the URL is well formed and reads the same to urllib and to httpx (which
sends it), and that it does not name a non-public address outright. A name that only resolves
to one is caught when it is delivered to (core/webhooks/transport.py), on every connection.
"""

from typing import NoReturn
from urllib.parse import SplitResult, urlsplit

from core.addresses import literal_address, non_public_kind
from core.errors import ValidationFailed
from core.urls import BadUrl, split_web_url

# Special-use names that never reach a shop on the internet: localhost (RFC 6761), mDNS
# (RFC 6762), home networks (RFC 8375), ICANN's private-use .internal, the common localdomain.
_LOCAL_SUFFIXES = ("localhost", "localdomain", "local", "home.arpa", "internal")


def check_endpoint_url(url: str, *, allow_private: bool) -> None:
    """Raise ValidationFailed (field `url`) unless `url` is one Confetti may deliver to."""
    # A non-public address first: some of its forms (0177.0.0.1) are also not valid URLs to
    # httpx, and the merchant should hear the reason that matters.
    host = _host_of(url)
    if host and not allow_private:
        _refuse_local(host)
    _split(url)


def _host_of(url: str) -> str | None:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removesuffix(".") if host else None


def _split(url: str) -> SplitResult:
    try:
        parts = split_web_url(url)
    except BadUrl as bad:
        _refuse(str(bad))
    if "@" in parts.netloc:
        _refuse("A webhook URL may not carry a user name or password: deliveries are signed.")
    if "#" in url:
        _refuse("A webhook URL may not have a #fragment: it is never sent to the server.")
    return parts


def _refuse_local(host: str) -> None:
    address = literal_address(host)
    if address is not None:
        kind = non_public_kind(address)
        if kind is not None:
            _refuse(f"The URL points at a non-public address: {address} ({kind}).")
    elif "." not in host:
        _refuse("The URL points at a local name: use the host's full domain name.")
    elif any(host == suffix or host.endswith("." + suffix) for suffix in _LOCAL_SUFFIXES):
        _refuse("The URL points at a local name.")


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(message, field="url")
