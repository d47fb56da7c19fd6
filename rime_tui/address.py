"""Whether a host, however it is spelled, is this machine."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def is_this_machine(host: str) -> bool:
    """Whether *host*, a name or any spelling of an address (``127.1``, ``0x7f.1``,
    ``2130706433``, ``::ffff:127.0.0.1``, ``localhost.``), reaches this machine: it
    resolves to a loopback or unspecified address, or to one this machine can bind
    (an address of its own interfaces). Addresses are compared, not names."""
    name = host[:-1] if host.endswith(".") else host  # "localhost." is "localhost"
    try:
        found = socket.getaddrinfo(name or host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False  # unresolvable: nothing will be sent there either
    for family, _type, _proto, _name, address in found:
        try:
            ip = ipaddress.ip_address(str(address[0]).partition("%")[0])
        except ValueError:
            continue
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if ip.is_loopback or ip.is_unspecified:
            return True
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((address[0], 0, *address[2:]))
            except OSError:
                continue  # not an address of this machine
            return True
    return False


def cluster_url(url: str) -> str:
    """``rime.example.io/`` → ``https://rime.example.io``; ``http://`` is kept (a
    ValueError says what is wrong). :func:`rime_tui.api.normalize_cluster_url` adds
    httpx's own check."""
    url = url.strip()
    if not url:
        raise ValueError("The cluster URL is empty.")
    if "://" not in url:
        url = "https://" + url
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError("The cluster URL must not contain spaces or control characters.")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{url!r} is not an http(s) URL.")
    return url.rstrip("/")


def reaches(url: str, port: int) -> bool:
    """Whether *url* (normalised) reaches *port* on this machine, however its address
    is spelled (``127.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]``, ``localhost.``, the
    machine's own address...): addresses are compared, not names."""
    parts = urlsplit(url)
    try:
        at = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    return at == port and bool(parts.hostname) and is_this_machine(parts.hostname or "")
