"""Which IP addresses Confetti may connect to on a merchant's behalf: public unicast ones only.

The tables are explicit rather than `ipaddress`'s `is_global`/`is_private`, whose ranges differ
between Python versions (3.11 counts multicast as global and knows nothing of NAT64), and
IPv6 forms that embed an IPv4 address are judged by the address they embed.
"""

import re
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address

IPAddress = IPv4Address | IPv6Address

_IPV4_NOT_PUBLIC = tuple(
    (IPv4Network(network), kind)
    for network, kind in (
        ("0.0.0.0/8", "unspecified"),
        ("10.0.0.0/8", "private"),
        ("100.64.0.0/10", "carrier-grade NAT"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("172.16.0.0/12", "private"),
        ("192.0.0.0/24", "reserved"),
        ("192.0.2.0/24", "documentation"),
        ("192.88.99.0/24", "reserved"),
        ("192.168.0.0/16", "private"),
        ("198.18.0.0/15", "benchmarking"),
        ("198.51.100.0/24", "documentation"),
        ("203.0.113.0/24", "documentation"),
        ("224.0.0.0/4", "multicast"),
        ("240.0.0.0/4", "reserved"),
    )
)
_IPV6_NOT_PUBLIC = tuple(
    (IPv6Network(network), kind)
    for network, kind in (
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("64:ff9b:1::/48", "private"),
        ("100::/64", "reserved"),
        # IETF protocol assignments, Teredo among them (it hides the IPv4 it tunnels to).
        ("2001::/23", "reserved"),
        ("2001:db8::/32", "documentation"),
        ("3fff::/20", "documentation"),
        ("fc00::/7", "private"),
        ("fe80::/10", "link-local"),
        ("fec0::/10", "site-local"),
        ("ff00::/8", "multicast"),
    )
)
_IPV6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_NAT64 = IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = IPv6Network("::/96")


def non_public_kind(address: IPAddress) -> str | None:
    """None for a public unicast address; otherwise what it is ("loopback", "private", ...)."""
    if isinstance(address, IPv4Address):
        return next((kind for net, kind in _IPV4_NOT_PUBLIC if address in net), None)
    kind = next((kind for net, kind in _IPV6_NOT_PUBLIC if address in net), None)
    if kind is not None:
        return kind
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        return non_public_kind(embedded)
    return None if address in _IPV6_GLOBAL_UNICAST else "reserved"


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address a packet to `address` ends up at: mapped (::ffff:a.b.c.d), compatible
    (::a.b.c.d), 6to4 (2002:aabb:ccdd::) and NAT64 (64:ff9b::a.b.c.d)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or address in _IPV4_COMPATIBLE:
        return IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


# One part of a numeric IPv4 host as inet_aton reads it: hex, octal (leading 0) or decimal.
_NUMBER_PART = re.compile(r"0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*")


def numeric_ipv4(host: str) -> IPv4Address | None:
    """The address libc's inet_aton (and so getaddrinfo, and browsers) reads in `host`, which may
    be `127.0.0.1`, `127.1`, `2130706433`, `0x7f000001` or `0177.0.0.1`; None if it is not one."""
    parts = host.lower().split(".")
    if not 1 <= len(parts) <= 4 or not all(_NUMBER_PART.fullmatch(part) for part in parts):
        return None
    values = [
        int(part, 16 if part.startswith("0x") else 8 if part.startswith("0") else 10)
        for part in parts
    ]
    *leading, last = values
    if any(value > 0xFF for value in leading) or last >= 1 << (8 * (4 - len(leading))):
        return None
    number = last
    for position, value in enumerate(leading):
        number += value << (8 * (3 - position))
    return IPv4Address(number)


def literal_address(host: str) -> IPAddress | None:
    """`host` read as an IP address in any form a connection would understand, else None."""
    try:
        return ip_address(host)
    except ValueError:
        return numeric_ipv4(host)
