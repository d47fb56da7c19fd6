"""Ports on 127.0.0.1 for tests: one that is free, one that refuses connections."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"


def free_port() -> int:
    """A 127.0.0.1 port nothing listens on right now (bound, then released).

    Connecting to it is refused until somebody binds it, so it doubles as a closed port.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


closed_port = free_port
