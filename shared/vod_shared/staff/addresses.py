"""Whose address a request is: the direct peer, or, when the peer is a trusted reverse proxy,
the right-most address in ``X-Forwarded-For`` that is not a trusted proxy.

Every proxy appends the address it was called from, so entries to the left of the right-most
untrusted one were written by the client itself and prove nothing. Behind no proxy (the default:
``TRUSTED_PROXIES`` empty) the header is ignored, as a client could send any.
"""
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from starlette.requests import Request

Networks = tuple[IPv4Network | IPv6Network, ...]
UNKNOWN = "unknown"
MAX_LENGTH = 64


def parse_networks(text: str) -> Networks:
    """``"10.0.0.0/8, 192.0.2.7, ::1"`` -> networks; ValueError names a bad entry."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"not an address or network (CIDR): {entry!r}") from None
    return tuple(networks)


def _parse(text: str) -> IPv4Address | IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    try:
        address = ip_address(text)
    except ValueError:
        return None
    return getattr(address, "ipv4_mapped", None) or address


def _trusted(address: IPv4Address | IPv6Address | None, trusted: Networks) -> bool:
    return address is not None and any(address in network for network in trusted)


def client_address(request: Request, trusted: Networks = ()) -> str:
    """The client's address as text (``"unknown"`` when the server was told none)."""
    peer = request.client.host if request.client else None
    if peer is None:
        return UNKNOWN
    peer_address = _parse(peer)
    if not trusted or not _trusted(peer_address, trusted):
        return str(peer_address) if peer_address else peer[:MAX_LENGTH]
    hops = [hop.strip() for header in request.headers.getlist("x-forwarded-for")
            for hop in header.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if not _trusted(address, trusted):
            return str(address) if address else hop[:MAX_LENGTH]
    # Every hop is a proxy of ours (or the header is missing): the left-most is the farthest.
    if hops:
        return str(_parse(hops[0]))
    return str(peer_address)
