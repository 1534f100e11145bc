"""URLs that clients give Confetti (a webhook endpoint, an activity's cover image, a broadcast's
link, a merchant's logo): well formed, http(s), and read the same by every parser.

Two parsers that disagree on a URL's host or port are a classic way round a check, and a URL
that only looks valid fails later, at a platform or in a browser; both are refused here, once,
with a message that says why. Webhooks add their own rules (core/webhooks/urls.py).
"""

import re
from typing import Annotated
from urllib.parse import SplitResult, urlsplit

import httpx
from pydantic import AfterValidator, Field

from core.addresses import literal_address

# Letters, digits and hyphens (IDNs in their xn-- form), at most 63 to a label.
_HOSTNAME = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))*")
# WHATWG's rule: a host whose last label is a number must be an IPv4 address.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
DEFAULT_PORTS = {"http": 80, "https": 443}
MAX_URL_LENGTH = 500


class BadUrl(ValueError):
    """Why a URL is refused, in words a client can act on."""


def split_web_url(url: str) -> SplitResult:
    """The URL's parts, or BadUrl: http(s), a valid host and port, no ambiguity."""
    try:
        parts = urlsplit(url)
        port = parts.port  # reading it checks it: a number from 0 to 65535
    except ValueError as exc:
        raise BadUrl(f"Not a valid URL: {exc}.") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise BadUrl("Use an http:// or https:// URL with a host.")
    if port == 0:
        raise BadUrl("Not a valid port: use 1 to 65535.")
    host = parts.hostname.removesuffix(".")
    _check_host_syntax(host)
    _check_httpx_agrees(url, parts, host)
    return parts


def _check_host_syntax(host: str) -> None:
    if ":" in host:
        return  # a bracketed IPv6 literal, which urllib has parsed
    if not _HOSTNAME.fullmatch(host):
        raise BadUrl("The host is not a valid domain name or IP address.")
    if _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]) and literal_address(host) is None:
        raise BadUrl("The host ends in a number but is not a valid IPv4 address.")


def _check_httpx_agrees(url: str, parts: SplitResult, host: str) -> None:
    try:
        sent = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise BadUrl(f"Not a valid URL: {exc}.") from None
    port = None if parts.port == DEFAULT_PORTS[parts.scheme] else parts.port
    if (sent.raw_host.decode("ascii").removesuffix("."), sent.port) != (host, port):
        raise BadUrl("The URL's host or port is ambiguous.")


def _web_url(url: str) -> str:
    parts = split_web_url(url)
    if "@" in parts.netloc:
        raise BadUrl("A link may not carry a user name or password.")
    return url


def _https_url(url: str) -> str:
    if urlsplit(_web_url(url)).scheme != "https":
        raise BadUrl("Use an https:// URL: the chat platforms fetch only those.")
    return url


# For request schemas: a link shown or fetched elsewhere (a page, a chat platform).
WebUrl = Annotated[str, Field(max_length=MAX_URL_LENGTH), AfterValidator(_web_url)]
HttpsUrl = Annotated[str, Field(max_length=MAX_URL_LENGTH), AfterValidator(_https_url)]
