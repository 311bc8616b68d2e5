"""The audit's uploaded evidence folder through the service (what the web page and the REST API call):
one file or a batch, kept only if the folder still imports with it, refused by name, type or size first."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from ccaudit.audit.errors import PermissionDeniedError
from ccaudit.evidence.upload_check import UploadRefused

from .conftest import FIRM, Team

HEADER = "session_id,person_id,gateway_id,start_time,end_time,channel,mfa_method,source_ip\n"
ROW = "S1,E1,VPN-01,2025-11-29 08:45:00,2025-11-29 09:35:00,ipsec_vpn,none,1.2.3.4\n"


def test_one_file_or_a_batch_kept_only_whole(team: Team) -> None:
    svc = team.service
    audit_id = svc.open_audit("alice", FIRM, 2026, dt.date(2026, 11, 30))
    one = svc.upload_evidence("alice", audit_id, "remote_sessions.csv", io.BytesIO((HEADER + ROW).encode()))
    assert one.stored is not None and one.dataset == "remote_sessions" and one.rows == 1 and not one.replaced
    with pytest.raises(UploadRefused, match=r"does not read \.exe"):
        svc.upload_evidence("alice", audit_id, "x.exe", io.BytesIO(b"MZ"))
    bad = svc.upload_evidence("alice", audit_id, "remote_sessions.csv",
                              io.BytesIO((HEADER + ROW.replace("2025-11-29 08", "2025-13-29 08")).encode()))
    assert bad.stored is None and bad.issues[0].row == 2 and bad.issues[0].column == "start_time"
    batch = svc.upload_evidence_files("alice", audit_id, [
        ("remote_sessions_2.csv", io.BytesIO((HEADER + ROW.replace("S1", "S2")).encode())),
        ("payload.exe", io.BytesIO(b"MZ")),
    ])
    assert not batch.ok and not batch.kept
    assert [f.name for f in svc.uploaded_evidence("vic", audit_id)] == ["remote_sessions.csv"]
    with pytest.raises(PermissionDeniedError):
        svc.upload_evidence_files("vic", audit_id, [("remote_sessions_3.csv", io.BytesIO(b"x"))])
