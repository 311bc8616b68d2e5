"""`ccaudit audit attach` refuses a result folder whose findings.json and evidence/manifest.json come from
two inspection runs (each names the run that wrote it): exit 2, nothing recorded, nothing copied."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.inprocess import Outcome, ccaudit_with_env

from .audit_fakes import AS_OF, make_result_dir
from .conftest import FIRM


def _set_run_id(path: Path, run_id: str) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["run_id"] = run_id
    path.write_text(json.dumps(doc), encoding="utf-8")


def _cli(tmp: Path, db: str, *args: str | Path) -> Outcome:
    """The real entry point in-process, with exactly this environment (a traceback fails the test)."""
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "250", "HOME": str(tmp), "CCAUDIT_DATA_DIR": str(tmp / "data"),
           "CCAUDIT_DB": db, "CCAUDIT_USER": "alice"}
    return ccaudit_with_env(env, *args)


def test_attach_refuses_a_folder_mixed_from_two_runs(tmp_path: Path, db_url: str) -> None:
    from ccaudit.audit.service import AuditService
    from ccaudit.settings import Settings

    svc = AuditService.open(Settings(data_dir=tmp_path / "data", db=db_url))
    try:
        svc.add_user("admin", "admin", "Ada Admin")
        svc.add_firm("admin", FIRM, "範例證券")
        svc.add_user("admin", "alice", "Alice")
        svc.grant("admin", "alice", FIRM, "auditor")
        audit_id = svc.open_audit("alice", FIRM, 2026, AS_OF)
    finally:
        svc.close()
    mixed = make_result_dir(tmp_path / "mixed", offending={"remote_login_used_mfa": 2})
    _set_run_id(mixed / "findings.json", "a" * 32)  # the findings of one run ...
    _set_run_id(mixed / "evidence" / "manifest.json", "b" * 32)  # ... the evidence of another
    out = _cli(tmp_path, db_url, "audit", "attach", str(audit_id), mixed)
    text = out.out + out.err
    assert out.code == 2, text
    assert "mixes two inspection runs: findings.json is run " + "a" * 32 in " ".join(text.split())
    assert "nothing attached" in text and "Traceback" not in text
    shown = json.loads(_cli(tmp_path, db_url, "audit", "show", str(audit_id), "--json").out)
    assert shown["runs"] == []
    runs = tmp_path / "data" / "runs"
    assert not runs.exists() or not [p for p in runs.iterdir() if not p.name.endswith(".lock")]

    _set_run_id(mixed / "evidence" / "manifest.json", "a" * 32)  # one run after all: attached
    out = _cli(tmp_path, db_url, "audit", "attach", str(audit_id), mixed)
    assert out.code == 0 and "run 1 attached" in out.out, out.out + out.err
