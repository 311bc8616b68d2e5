"""`ccaudit token create|list|revoke` as a user drives it: the token shown once, stored as a hash only,
its scope and expiry as asked, refused mistakes with exit 2, and both ends in the trail."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from ccaudit.audit.people.tokens import token_hash
from ccaudit.audit.service import AuditService
from ccaudit.audit.storage.models import ApiToken, TrailEntry
from ccaudit.cli.console import console, err_console
from ccaudit.cli.main import main
from ccaudit.settings import Settings

TOKEN = re.compile(r"\bcca_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {"CCAUDIT_DATA_DIR": str(tmp_path / "data"), "CCAUDIT_USER": "ada", "CCAUDIT_LANG": "en"}
    svc = AuditService.open(Settings(data_dir=tmp_path / "data"))
    svc.add_user("ada", "ada", "Ada")
    svc.add_firm("ada", "9A00", "範例證券")
    svc.add_user("ada", "pipe", "Nightly pipeline")
    svc.grant("ada", "pipe", "9A00", "auditor")
    svc.close()
    return env


class Cli:
    """`ccaudit ...` in this process, through its entry point (exit status and messages as a user sees them)."""

    def __init__(self, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
        self.env, self.monkeypatch, self.capsys = env, monkeypatch, capsys

    def __call__(self, *args: str, user: str = "ada", code: int = 0) -> str:
        for name, value in {**self.env, "CCAUDIT_USER": user, "COLUMNS": "200"}.items():
            self.monkeypatch.setenv(name, value)
        for shared in (console, err_console):  # made at import, before COLUMNS was set: a width of our own
            self.monkeypatch.setattr(shared, "_width", 200)
        self.monkeypatch.setattr(sys, "argv", ["ccaudit", *args])
        with pytest.raises(SystemExit) as exited:
            main()
        out = self.capsys.readouterr()
        assert exited.value.code == code, f"{args}: exit {exited.value.code}\n{out.out}\n{out.err}"
        return " ".join((out.out + out.err).split())  # as read, whatever the wrapping


@pytest.fixture
def run(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Cli:
    return Cli(env, monkeypatch, capsys)


def test_create_list_revoke(run: Cli, tmp_path: Path) -> None:
    out = run("token", "create", "nightly VPN upload", "--firm", "9A00", "--read-only", "--expires",
              "116/03/31", user="pipe")  # fmt: skip
    token = TOKEN.search(out)
    assert token, out
    assert "firm 9A00 only, read-only" in out and "expires 2027-04-01 00:00:00 +08:00" in out
    listed = run("token", "list", user="pipe")
    assert "nightly VPN" in listed and "active" in listed and token.group(0) not in listed
    assert "no tokens" in run("token", "list")  # ada has none of her own
    assert "nightly VPN" in run("token", "list", "--all")  # but as superuser sees everyone's
    run("token", "revoke", "1", user="pipe")
    assert "revoked" in run("token", "list", user="pipe")
    svc = AuditService.open(Settings(data_dir=tmp_path / "data"))
    try:
        assert svc.tokens.authenticate(token.group(0)) is None
        with svc.db.read() as s:
            actions = [e.action for e in s.scalars(select(TrailEntry).order_by(TrailEntry.seq))]
            assert s.scalar(select(ApiToken.token_hash)) == token_hash(token.group(0))
        assert actions[-2:] == ["token.create", "token.revoke"]
        assert svc.verify(check_files=False).ok
    finally:
        svc.close()


def test_mistakes_exit_2_and_make_nothing(run: Cli) -> None:
    assert "unknown firm" in run("token", "create", "x", "--firm", "9Z99", code=2)
    assert "that day has passed" in run("token", "create", "x", "--expires", "2020-01-01", code=2)
    assert "one of --expires" in run("token", "create", "x", "--days", "3", "--no-expiry", code=2)
    assert "may not make tokens for another user" in run("token", "create", "x", "--user", "ada", user="pipe",
                                                         code=2)  # fmt: skip
    assert "no token 7 of yours" in run("token", "revoke", "7", code=2)
    assert "no tokens" in run("token", "list", "--all")


def test_zh_tw(run: Cli) -> None:
    out = run("token", "create", "每晚上傳", "--no-expiry", "--lang", "zh-TW", user="pipe")
    assert "此權杖僅顯示這一次" in out and "永不到期" in out
    assert "有效" in run("token", "list", "--lang", "zh-TW", user="pipe")
