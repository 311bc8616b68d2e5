"""The audit walk-through as a user drives it: the real entry point (`ccaudit.cli.main.main`) in-process with exactly
the environment a shell would give it, real exit codes (`python -m ccaudit` itself: tests/cli/test_db_option.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit_with_env

from .audit_fakes import make_result_dir


class Cli:
    def __init__(self, tmp: Path, db: str) -> None:
        self.env = {
            "PATH": "/usr/bin:/bin",
            "COLUMNS": "200",
            "HOME": str(tmp),
            "CCAUDIT_DATA_DIR": str(tmp / "data"),
            "CCAUDIT_DB": db,
        }

    def __call__(self, user: str, *args: str | Path, code: int = 0) -> str:
        out = ccaudit_with_env({**self.env, "CCAUDIT_USER": user}, *args)
        assert out.code == code, f"{args}: exit {out.code}\n{out.out}\n{out.err}"
        return out.out + out.err


@pytest.mark.slow
def test_walkthrough_on_the_command_line(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, db_url)
    result = make_result_dir(tmp_path / "result", offending={"remote_login_used_mfa": 2})
    cli("admin", "user", "add", "admin", "--name", "Ada Admin")
    cli("admin", "firm", "add", "9A00", "範例證券")
    for user, role in [("alice", "auditor"), ("bob", "reviewer")]:
        cli("admin", "user", "add", user, "--name", user.title())
        cli("admin", "user", "grant", user, "9A00", role)
    assert "audit 1 opened" in cli("alice", "audit", "open", "9A00", "2026", "--as-of", "2026-11-30")
    assert "unknown firm" in cli("alice", "audit", "open", "ZZ99", "2026", "--as-of", "2026-11-30", code=2)
    assert "run 1 attached (2 offending rows" in cli("alice", "audit", "attach", "1", result)
    assert "user000001" in cli("alice", "audit", "rows", "1", "remote_login_used_mfa")
    assert "justification is required" in cli(
        "alice", "audit", "assess", "1", "12.5.5", "--result", "compliant", code=2
    )
    assert "not an assessable requirement" in cli("alice", "audit", "assess", "1", "99.9", code=2)
    cli("alice", "audit", "remediate", "1", "--owner", "carol", "--due", "2027-03-31")
    measure = ["audit", "measure", "1", "CM-1", "--requirement", "12.5.5", "--description", "MFA at the gateway"]
    measure += ["--approver", "CISO Wang", "--approved-on", "2026-09-01", "--review-by", "2027-06-30"]
    assert "must say what it covers" in cli("alice", *measure, code=2)
    assert "covering remote_login_used_mfa (user000000)" in cli(
        "alice", *measure, "--check", "remote_login_used_mfa", "--subject", "user000000"
    )
    shown = cli("alice", "audit", "show", "1", "--requirement", "12.5.5")
    assert "result non_compliant" in shown  # one of the two failing rows is covered, not the requirement
    assert "remote_login_used_mfa: 1 offending row(s) not covered by any compensating measure" in shown
    refused = " ".join(cli("alice", "audit", "submit", "1", code=2).split())  # as one line, unwrapped
    assert "30 requirement(s) not settled" in refused and "ccaudit audit defer 1 REQUIREMENT" in refused
    assert len(cli("alice", "audit", "show", "1", "--open").split()) == 30
    assert "deferred" in cli("alice", "audit", "defer", "1", "12.5.8", "--justification", "memo requested")
    assert "29 derived result(s) confirmed" in cli("alice", "audit", "assess", "1", "--all-derived")
    assert cli("alice", "audit", "show", "1", "--open").strip() == ""
    assert "deferred: memo requested" in cli("alice", "audit", "show", "1")
    cli("alice", "audit", "submit", "1")
    assert "registered key fingerprint" in cli("bob", "user", "key")
    assert "may not sign off audits" in cli(
        "alice", "audit", "signoff", "1", "--key", tmp_path / "data" / "keys" / "bob.pem", code=2
    )
    out = cli("bob", "audit", "signoff", "1")
    assert "signed off and frozen" in out and "digest (SHA-256)" in out
    assert "frozen" in cli("alice", "audit", "assess", "1", "12.5.5", code=2)
    cli("bob", "audit", "export", "1", "--out", tmp_path / "audit.zip")
    assert "verified" in cli("bob", "verify", tmp_path / "audit.zip")
    assert "verified the audit database" in cli("bob", "verify")
    assert "audit 2 opened from audit 1: 1 remediation item(s)" in cli("alice", "audit", "carryover", "1")
    assert "12.5.5" in cli("alice", "audit", "diff", "1", "2")
    assert "1 overdue item(s)" in cli("alice", "audit", "overdue", "--on", "2028-01-01")
    if db_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(db_url.removeprefix("sqlite:///")) as conn:
            conn.execute("DROP TRIGGER trail_no_update")  # someone with full rights on the file
            conn.execute("UPDATE trail SET actor = 'mallory' WHERE seq = 7")
        out = cli("bob", "verify", code=1)
        assert "first mismatch: trail entry #7" in out
    assert (tmp_path / "audit.zip").stat().st_mode & 0o222 == 0
