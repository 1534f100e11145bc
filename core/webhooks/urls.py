"""The rules a webhook endpoint's URL must meet when a merchant registers it.

Checked here: that the URL is well formed and reads the same to urllib and to httpx (which
sends it), and that it does not name a non-public address outright. A name that only resolves
to one is caught when it is delivered to (core/webhooks/transport.py), on every connection.
"""

import re
from typing import NoReturn
from urllib.parse import SplitResult, urlsplit

import httpx

from core.errors import ValidationFailed
from core.webhooks.addresses import literal_address, non_public_kind

# Letters, digits and hyphens (IDNs in their xn-- form), at most 63 to a label.
_HOSTNAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
# WHATWG's rule: a host whose last label is a number must be an IPv4 address.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
# Special-use names that never reach a shop on the internet: localhost (RFC 6761), mDNS
# (RFC 6762), home networks (RFC 8375), ICANN's private-use .internal, the common localdomain.
_LOCAL_SUFFIXES = ("localhost", "localdomain", "local", "home.arpa", "internal")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def check_endpoint_url(url: str, *, allow_private: bool) -> None:
    """Raise ValidationFailed (field `url`) unless `url` is one Confetti may deliver to."""
    parts = _split(url)
    host = parts.hostname.removesuffix(".")
    if not allow_private:
        _refuse_local(host)
    _check_host_syntax(host)
    _check_httpx_agrees(url, parts, host)


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
        port = parts.port  # reading it checks it: a number from 0 to 65535
    except ValueError as exc:
        _refuse(f"Not a valid URL: {exc}.")
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        _refuse("Use an http:// or https:// URL with a host.")
    if "@" in parts.netloc:
        _refuse("A webhook URL may not carry a user name or password: deliveries are signed.")
    if "#" in url:
        _refuse("A webhook URL may not have a #fragment: it is never sent to the server.")
    if port == 0:
        _refuse("Not a valid port: use 1 to 65535.")
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


def _check_host_syntax(host: str) -> None:
    if ":" in host:
        return  # a bracketed IPv6 literal, which urllib has parsed
    if not _HOSTNAME.fullmatch(host):
        _refuse("The host is not a valid domain name or IP address.")
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]) and literal_address(host) is None:
        _refuse("The host ends in a number but is not a valid IPv4 address.")


def _check_httpx_agrees(url: str, parts: SplitResult, host: str) -> None:
    """The URL that is checked must be the one that is sent: two parsers that disagree on the
    host or port are a classic way round an address check."""
    try:
        sent = httpx.URL(url)
    except httpx.InvalidURL as exc:
        _refuse(f"Not a valid URL: {exc}.")
    port = None if parts.port == _DEFAULT_PORTS[parts.scheme] else parts.port
    if (sent.raw_host.decode("ascii").removesuffix("."), sent.port) != (host, port):
        _refuse("The URL's host or port is ambiguous.")


def _refuse(message: str) -> NoReturn:
    raise ValidationFailed(message, field="url")
