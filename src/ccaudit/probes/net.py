"""Connections a probe makes: paced (a rate limit shared by every worker), bounded in time and bytes."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

from ccaudit.settings import Settings


class Pace:
    """At most `rate` new connections a second across all workers (0: no limit)."""

    def __init__(self, rate: float) -> None:
        self._gap = 1.0 / rate if rate > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            at = max(now, self._next)
            self._next = at + self._gap
        if at > now:
            time.sleep(at - now)


@dataclass(frozen=True)
class Net:
    timeout: float
    banner_bytes: int
    pace: Pace

    @classmethod
    def from_settings(cls, settings: Settings) -> Net:
        return cls(settings.probe_timeout_seconds, settings.probe_banner_bytes, Pace(settings.probe_rate_per_second))

    def connect(self, host: str, port: int) -> socket.socket | str:
        """A connected socket, or why not: refused, timed_out, unreachable (no route, no such host)."""
        self.pace.wait()
        try:
            return socket.create_connection((host, port), timeout=self.timeout)
        except ConnectionRefusedError:
            return "refused"
        except TimeoutError:
            return "timed_out"
        except OSError:
            return "unreachable"

    def read(self, sock: socket.socket, send: bytes = b"") -> tuple[bytes, bool]:
        """Up to banner_bytes the peer sends (after `send`, if any) and whether it stayed silent until the
        timeout. Reads until the peer closes, the limit is reached or the timeout passes."""
        data = b""
        try:
            if send:
                sock.sendall(send)
            while len(data) < self.banner_bytes:
                chunk = sock.recv(self.banner_bytes - len(data))
                if not chunk:
                    break
                data += chunk
                if b"\n" in chunk and not send:  # a banner is one line: do not wait for more
                    break
        except TimeoutError:
            return data, not data
        except OSError:
            pass
        return data, False
