"""Choosing ports on loopback without trampling on someone else's server."""

from __future__ import annotations

import socket

LOOPBACK = "127.0.0.1"


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # Without SO_REUSEADDR a port in TIME_WAIT looks taken, which it is not for a server.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def free_port(host: str = LOOPBACK) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def choose_port(preferred: int, host: str = LOOPBACK) -> tuple[int, str | None]:
    """The preferred port if free, else a free one and a sentence saying why it changed."""
    if port_is_free(preferred, host):
        return preferred, None
    chosen = free_port(host)
    return chosen, f"port {preferred} on {host} is taken; using {chosen} instead"


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
