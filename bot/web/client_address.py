"""The address a web request came from, through the reverse proxies the office trusts.

Behind a proxy every request arrives from the proxy's address, and the per-address limit of the
web form would then count all citizens together. ``GOPY_TRUSTED_PROXIES`` names the proxies;
a request from one of them is traced back through ``X-Forwarded-For`` (right to left, each hop
appends the address it saw) to the first address that is not a trusted proxy. A request from
anywhere else keeps its peer address: a header a client writes itself proves nothing.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# More hops than any real chain of proxies: a longer header is not worth reading.
MAX_HOPS = 16
# An IPv6 network handed to one home or one phone: its devices pick any address in it.
IPV6_NETWORK = 64


@functools.lru_cache(maxsize=8)  # read on every request, from one setting
def parse_networks(raw: str) -> tuple[Network, ...]:
    """``10.0.0.1, 172.16.0.0/12, ::1`` as networks; ``ValueError`` naming a bad one."""
    networks = []
    for part in raw.split(","):
        text = part.strip()
        if not text:
            continue
        try:
            networks.append(ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network: {text!r}") from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: str, proxies: Sequence[Network]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in proxies)


def client_address(peer: str | None, forwarded_for: str | None, proxies: Sequence[Network]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy, then the nearest address
    in ``forwarded_for`` that is not one (a malformed hop ends the trace at the last good
    address: everything left of it was written by someone untrusted)."""
    address = peer or ""
    if not proxies or not forwarded_for or not _trusted(address, proxies):
        return address
    hops = forwarded_for.split(",")[-MAX_HOPS:]
    for hop in reversed(hops):
        parsed = _address(hop)
        if parsed is None:
            return address
        address = str(parsed)
        if not any(parsed in network for network in proxies):
            return address
    return address


def network_of(address: str) -> str:
    """What a per-address limit counts for ``address``: an IPv4 address itself; for IPv6, the
    /64 it belongs to (one home's or one phone's: a device picks any address within it, and a
    new one daily, or at will); an IPv4 address written as IPv6 (``::ffff:1.2.3.4``), that
    IPv4 address. Anything else (no address) is kept as it is."""
    parsed = _address(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_NETWORK}", strict=False))
    return address if parsed is None else str(parsed)
