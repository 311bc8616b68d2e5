"""`ccaudit serve` as a child process on a free loopback port, for the browser tests (tests/e2e) and
the load benchmark (bench/web_load.py): started in its own process group, waited for until it
answers, and stopped with the whole group (uvicorn's workers included) however the caller ends."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class Served:
    url: str  # http://127.0.0.1:PORT
    pid: int  # the server process (leader of its own process group)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) the server has used so far, all its processes (its process group:
        `--workers` children too), from /proc (Linux)."""
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:  # a process that ended meanwhile
                continue
            if int(fields[2]) == self.pid:  # the process group (the server leads its own)
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """The server did not start; the message quotes the end of its output."""


def free_port(host: str = LOOPBACK) -> int:
    """A port nothing listens on now (the OS picks it; the server binds it a moment later)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def serving(
    db_url: str,
    env: Mapping[str, str],
    log_path: Path,
    *,
    extra_args: tuple[str, ...] = (),
    ready_path: str = "/login",
    timeout: float = 60.0,
) -> Iterator[Served]:
    """Run `ccaudit serve --db DB_URL` on a free loopback port; yield its URL (http://127.0.0.1:P) and PID.

    `env` is added to this process's environment (CCAUDIT_* settings); the server's output goes to
    `log_path`. Ready when `ready_path` answers (any HTTP status below 500)."""
    port = free_port()
    command = [sys.executable, "-m", "ccaudit", "serve", "--host", LOOPBACK, "--port", str(port), "--db", db_url,
               *extra_args]  # fmt: skip
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            base = f"http://{LOOPBACK}:{port}"
            _wait_ready(process, base + ready_path, timeout, log_path)
            yield Served(base, process.pid)
        finally:
            stop(process)


def _wait_ready(process: subprocess.Popen[bytes], url: str, timeout: float, log_path: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerError(f"ccaudit serve exited with {process.returncode}:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise ServerError(f"ccaudit serve did not answer {url} within {timeout:.0f} s:\n{_tail(log_path)}")


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM to the server's process group, SIGKILL to it after `grace` seconds."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):  # a child left behind, if any
        os.killpg(process.pid, signal.SIGKILL)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no output)"
