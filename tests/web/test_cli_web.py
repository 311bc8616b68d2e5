"""The web workspace's commands: `ccaudit user inspector`, `ccaudit user mfa-reset`, `ccaudit serve`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from tests.cli.inprocess import ccaudit

from .conftest import FIRM, WebEnv


@pytest.fixture
def data_env(tmp_path: Path, web_template: tuple[Path, int, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    data = tmp_path / "data"
    shutil.copytree(web_template[0], data)
    monkeypatch.setenv("CCAUDIT_DATA_DIR", str(data))
    monkeypatch.delenv("CCAUDIT_DB", raising=False)
    yield data


def test_an_admin_grants_and_revokes_inspector_access(data_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCAUDIT_USER", "adam")
    done = ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--until", "116/03/31")
    assert done.code == 0, done.text
    assert "nobody may inspect 9A00 (read-only) until 2027-03-31" in done.text
    zh = ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--until", "2027-04-30", "--lang", "zh-TW")
    assert "nobody 得檢視 9A00（唯讀）至 2027-04-30" in zh.text
    assert ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--revoke").code == 0
    again = ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--revoke")
    assert again.code == 2 and "no live inspector grant" in again.text
    neither = ccaudit("user", "inspector", "nobody", "--firm", FIRM)
    assert neither.code == 2 and "--until DATE to grant, or --revoke" in neither.text
    past = ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--until", "2020-01-01")
    assert past.code == 2 and "must end in the future" in past.text
    monkeypatch.setenv("CCAUDIT_USER", "alice")  # an auditor is not the firm's admin
    refused = ccaudit("user", "inspector", "nobody", "--firm", FIRM, "--until", "2027-03-31")
    assert refused.code == 2 and "alice may not grant inspector access for firm 9A00" in refused.text
    monkeypatch.setenv("CCAUDIT_USER", "ada")
    verified = ccaudit("verify")  # the grants and the revocation are in the trail, rows and trail agree
    assert verified.code == 0 and "verified" in verified.text and "inspector_grant records" in verified.text


def test_a_lost_second_factor_is_reset_by_an_admin(web_env: WebEnv) -> None:
    web_env.login("alice")
    svc = web_env.service
    with pytest.raises(Exception, match="may not reset"):
        svc.reset_mfa("vera", "alice")
    assert svc.reset_mfa("adam", "alice") is True
    _, where = web_env.password_only("alice")
    assert where.startswith("/mfa/enrol")  # enrols again
    assert svc.reset_mfa("ada", "vera") is False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_the_workspace_on_loopback(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "CCAUDIT_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": os.pathsep.join(sys.path)}
    env.pop("CCAUDIT_DB", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "ccaudit", "serve", "--port", str(port), "--insecure-cookies"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 90
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        assert response is not None, server.stdout.read() if server.stdout else ""
        assert response.status_code == 200 and "Log in to ccaudit" in response.text
        assert "server" not in response.headers  # no version banner
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert (tmp_path / "data" / "web-secret.key").stat().st_mode & 0o077 == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
