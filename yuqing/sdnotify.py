"""systemd's notification protocol (sd_notify), written out by hand.

Why not a library: the protocol is one datagram to $NOTIFY_SOCKET; the PyPI
package for it has been unmaintained since 2017 and swallows errors. Outside
systemd (no NOTIFY_SOCKET) every call is a no-op.
"""

from __future__ import annotations

import logging
import os
import socket

logger = logging.getLogger(__name__)

__all__ = ["notify", "watchdog_interval"]


def notify(state: str, environ=None) -> bool:
    """Send `state` (e.g. "READY=1") to systemd; return False when not under systemd."""
    environ = os.environ if environ is None else environ
    address = environ.get("NOTIFY_SOCKET")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]    # abstract namespace
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            # Non-blocking: a reader that stopped reading (a full socket buffer) must never
            # freeze the daemon's main loop; a lost ping is better than a stuck daemon.
            sock.setblocking(False)
            sock.connect(address)
            sock.send(state.encode())
    except BlockingIOError:
        logger.warning("sd_notify %s dropped: the notify socket is full", state.split("=")[0])
        return False
    except OSError as e:
        logger.warning("sd_notify %s failed: %s", state.split("=")[0], e)
        return False
    return True


def watchdog_interval(environ=None) -> float | None:
    """Return how often to send WATCHDOG=1 (half of WATCHDOG_USEC), or None when not asked."""
    environ = os.environ if environ is None else environ
    usec = environ.get("WATCHDOG_USEC")
    pid = environ.get("WATCHDOG_PID")
    if not usec or (pid and pid != str(os.getpid())):
        return None
    try:
        return max(int(usec) / 1_000_000 / 2, 0.5)
    except ValueError:
        return None
