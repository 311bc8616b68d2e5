"""On the command line: ROC dates wherever a date is typed, and positional IDs that say what they are
(an attestation, measure or remediation item ID is never the audit's ID)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from .conftest import FIRM, Team, sign
from .test_cli_audit import Cli

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def test_roc_dates_and_explicit_ids(team: Team, result_dir: Path, tmp_path: Path, db_url: str) -> None:
    svc, cli = team.service, Cli(tmp_path, db_url)
    out = cli("alice", "audit", "open", FIRM, "2026", "--as-of", "民國115年11月30日")
    assert "audit 1 opened" in out and "as of 2026-11-30" in out
    svc.attach_run("alice", 1, result_dir)
    for requirement in ("12.5.8", "12.2.2"):  # attestation IDs 1, 2; next year's copies 3, 4
        cli("alice", "audit", "attest", "1", requirement, "--result", "met", "--by", "Lin", "--on", "115/11/20")
    assert [a.attested_on for a in svc.snapshot(1).attestations] == ["2026-11-20", "2026-11-20"]

    items = cli("alice", "audit", "remediation", "1", "--unassigned").split()
    assert items and all(i.isdigit() for i in items)
    for item in items:
        assert f"remediation item {item} updated" in cli(
            "alice", "audit", "remediate", item, "--owner", "carol", "--due", "116/03/31"
        )
    assert {i.due_date for i in svc.snapshot(1).remediation} == {"2027-03-31"}
    assert f"{len(items)} overdue item(s) on 2027-04-01" in cli("alice", "audit", "overdue", "--on", "1160401")
    refused = " ".join(cli("alice", "audit", "overdue", "--on", "16/04/01", code=2).split())
    assert "two-digit year is ambiguous: ROC 16 = 1927-04-01, or 2016-04-01" in refused
    assert "is not a date" in " ".join(cli("alice", "audit", "overdue", "--on", "soon", code=2).split())

    sign(team, 1)
    assert "audit 2 opened from audit 1" in cli("alice", "audit", "carryover", "1", "--as-of", "116/11/30")
    assert svc.snapshot(2).as_of == "2027-11-30"
    to_reconfirm = cli("alice", "audit", "show", "2", "--reconfirm").split()
    assert to_reconfirm == ["3", "4"]  # what `reconfirm` takes: the attestations' IDs, not the audit's
    assert "attestation 3 re-confirmed" in cli(
        "alice", "audit", "reconfirm", "3", "--by", "Lin", "--on", "民國116年11月15日"
    )
    assert cli("alice", "audit", "show", "2", "--reconfirm").split() == ["4"]
    assert next(a for a in svc.snapshot(2).attestations if a.attestation_id == 3).attested_on == "2027-11-15"


def test_help_names_each_positional_id(tmp_path: Path, db_url: str) -> None:
    cli = Cli(tmp_path, db_url)
    for command, name, hint in [
        ("reconfirm", "ATTESTATION_ID", "audit show AUDIT --reconfirm"),
        ("measure-review", "MEASURE_ID", "audit measure"),
        ("remediate", "ITEM_ID", "audit remediation AUDIT"),
    ]:
        out = " ".join(cli("alice", "audit", command, "--help").split())
        assert f"[OPTIONS] {name}" in out.replace("{", "").replace("}", "") and hint in out
        assert "the audit's" in out  # says it is not the audit's ID


def test_measure_review_takes_a_roc_date(team: Team, result_dir: Path, tmp_path: Path, db_url: str) -> None:
    svc, cli = team.service, Cli(tmp_path, db_url)
    audit_id = svc.open_audit("alice", FIRM, 2026, dt.date(2026, 11, 30))
    svc.attach_run("alice", audit_id, result_dir)
    measure_id = svc.add_measure(
        "alice", audit_id, "CM-1", "MFA at gateway", ["12.5.5"], "CISO", dt.date(2026, 1, 1), dt.date(2027, 6, 30),
        whole_requirement=True,
    )
    out = cli("alice", "audit", "measure-review", str(measure_id), "--review-by", "116/12/31")
    assert f"measure {measure_id}: review by 2027-12-31" in out
    assert svc.snapshot(audit_id).measures[0].review_by == "2027-12-31"
