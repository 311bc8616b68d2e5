"""Evidence upload and inspection runs through HTTP: the same importer as the CLI decides what is kept
(row-level problems shown, nothing half-written); size, extension and content are checked before
anything is stored; a run started from the page works in the background and is attached as
`ccaudit audit run` attaches it."""

from __future__ import annotations

import io
import shutil
import time
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from ccaudit.audit.snapshot import AuditStatus

from .conftest import Env, token

PROFILE = (
    "公司代號,公司名稱,使用雲端服務,提供雲端服務,經營社群媒體官方專頁,允許員工自有行動裝置,使用物聯網設備,"
    "允許遠距辦公,定期檢視週期月數\n9A00,範例證券股份有限公司,是,否,是,是,是,是,12\n"
)
HEADER = "session_id,person_id,gateway_id,start_time,end_time,channel,mfa_method,source_ip\n"
GOOD_ROW = "S1,E00046,VPN-01,2025-11-29 08:45:00,2025-11-29 09:35:00,ipsec_vpn,none,1.2.3.4\n"
BAD_ROW = "S2,E00046,VPN-01,2025-13-45 08:45:00,2025-11-29 09:35:00,ipsec_vpn,none,1.2.3.4\n"


def upload(env: Env, client: TestClient, *files: tuple[str, bytes]) -> tuple[int, str]:
    path = f"/audits/{env.audit_id}/evidence"
    form = client.get(path)
    response = client.post(path, data={"csrf_token": token(form.text)},
                           files=[("files", (name, data, "application/octet-stream")) for name, data in files])
    return response.status_code, response.text


def folder(env: Env) -> Path:
    return env.service.evidence_folders.folder(env.audit_id)


def test_a_good_file_is_kept_and_a_bad_row_is_shown_with_nothing_kept(env: Env) -> None:
    alice = env.login("alice")
    status, html = upload(env, alice, ("firm_profile.csv", PROFILE.encode("utf-8")))
    assert status == 200 and 'data-testid="upload-ok"' in html and "firm_profile" in html
    [kept] = env.service.uploaded_evidence("alice", env.audit_id)
    assert kept.name == "firm_profile.csv" and kept.sha256 in html

    bad = (HEADER + GOOD_ROW + BAD_ROW).encode("big5")
    status, html = upload(env, alice, ("remote_sessions_2025-11.csv", bad))
    assert status == 422 and 'data-testid="upload-refused"' in html
    issue = html.split('data-testid="upload-issue"')[1].split("</tr>")[0]
    assert "remote_sessions_2025-11.csv" in issue and ">3<" in issue and "start_time" in issue  # file, row, column
    assert "2025-13-45" in issue  # the value, and what was expected
    assert sorted(p.name for p in folder(env).iterdir()) == ["firm_profile.csv"]  # nothing half-written
    assert not any(p.name.startswith(".") for p in folder(env).parent.iterdir() if p.name != "lock")

    good = (HEADER + GOOD_ROW).encode("utf-8")
    status, html = upload(env, alice, ("remote_sessions_2025-11.csv", good), ("遠端連線紀錄_2025-12.csv", bad))
    assert status == 422 and "遠端連線紀錄_2025-12.csv" in html  # one upload: all kept, or none
    assert sorted(p.name for p in folder(env).iterdir()) == ["firm_profile.csv"]
    fixed = (HEADER + GOOD_ROW.replace("S1,", "S3,")).encode("big5")
    status, html = upload(env, alice, ("remote_sessions_2025-11.csv", good), ("遠端連線紀錄_2025-12.csv", fixed))
    assert status == 200 and html.count('data-testid="upload-kept"') == 2
    assert sorted(p.name for p in folder(env).iterdir()) == [
        "firm_profile.csv", "remote_sessions_2025-11.csv", "遠端連線紀錄_2025-12.csv"]


def test_type_name_and_size_are_checked_before_anything_is_stored(env: Env) -> None:
    alice = env.login("alice")
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    cases = [
        ("remote_sessions.csv", b"MZ\x90\x00" + b"\x00" * 200, "not a text file"),
        ("remote_sessions.xlsx", docx.getvalue(), "not a XLSX spreadsheet"),
        ("payload.exe", b"MZ", "does not read .exe"),
        (".remote_sessions.csv", (HEADER + GOOD_ROW).encode(), "hidden file"),
        ("holiday_photos.csv", b"a,b\n1,2\n", "matches no dataset"),
        ("firm_profile.json", b"not json at all", "is not JSON"),
    ]
    for name, data, message in cases:
        status, html = upload(env, alice, (name, data))
        assert status == 422 and message in html, (name, html[-3000:])
    assert not folder(env).exists() or not any(folder(env).iterdir())

    from ccaudit.web.app import create_app

    small = create_app(env.settings.model_copy(update={"web_max_upload_mb": 1}), env.service, env.clock)
    client = TestClient(small, base_url="https://testserver", follow_redirects=False)
    client.cookies.update(alice.cookies)
    path = f"/audits/{env.audit_id}/evidence"
    big = client.post(path, data={"csrf_token": token(client.get(path).text)},
                      files=[("files", ("remote_sessions.csv", b"x" * (3 * 1024 * 1024), "text/csv"))])
    assert big.status_code == 413
    client.close()


def test_a_viewer_cannot_upload_or_run(env: Env) -> None:
    vera = env.login("vera")
    html = vera.get(f"/audits/{env.audit_id}/evidence").text
    assert 'data-testid="upload-form"' not in html
    status, html = upload(env, vera, ("firm_profile.csv", PROFILE.encode()))
    assert status == 403 and not folder(env).exists()
    started = vera.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(html)})
    assert started.status_code == 403


def test_a_run_started_from_the_page_is_attached_with_its_progress_shown(env: Env, demo_evidence: Path) -> None:
    shutil.copytree(demo_evidence, folder(env))  # as if every file had been uploaded
    alice = env.login("alice")
    page = alice.get(f"/audits/{env.audit_id}/evidence").text
    assert page.count('data-testid="uploaded-file"') == len(list(demo_evidence.iterdir()))
    started = alice.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(page)})
    assert started.status_code == 303
    job_url = started.headers["location"]
    again = alice.post(f"/audits/{env.audit_id}/runs", data={"csrf_token": token(page)})
    assert again.status_code in (303, 409)  # refused while the first runs; allowed if it already finished
    deadline = time.monotonic() + 600  # a bound on waiting, not a speed requirement
    state = ""
    while time.monotonic() < deadline:
        fragment = alice.get(job_url, headers={"HX-Request": "true"})
        assert fragment.status_code == 200
        state = fragment.text.split('data-state="')[1].split('"')[0]
        if state in ("done", "failed"):
            break
        assert 'hx-trigger="load delay:1s"' in fragment.text  # the page polls while the run works
        time.sleep(0.5)
    assert state == "done", fragment.text
    snap = env.service.snapshot(env.audit_id)
    assert len(snap.runs) >= 2 and snap.runs[-1].attached_by == "alice"
    assert snap.status == AuditStatus.DRAFT
    names = {e.original_name for e in snap.runs[-1].evidence}
    assert "人員清冊.csv" in names  # the uploaded folder, imported by the same importer
    assert "run-done" in fragment.text


def test_a_kept_file_is_removed_by_name_only_inside_the_folder(env: Env) -> None:
    alice = env.login("alice")
    status, html = upload(env, alice, ("firm_profile.csv", PROFILE.encode("utf-8")))
    assert status == 200
    path = f"/audits/{env.audit_id}/evidence/remove"
    outside = alice.post(path, data={"name": "../audit.db", "csrf_token": token(html)})
    assert outside.status_code == 404 and (env.settings.data_dir.parent / "audit.db").exists()
    removed = alice.post(path, data={"name": "firm_profile.csv", "csrf_token": token(html)})
    assert removed.status_code == 303 and not any(folder(env).iterdir())


OPENVPN_LOG = (
    "2026-11-02 08:15:02 203.0.113.7:51642 TLS: Username/Password authentication succeeded for username 'alice'\n"
    "2026-11-02 08:15:02 203.0.113.7:51642 [alice-laptop] Peer Connection Initiated with [AF_INET]203.0.113.7:51642\n"
    "2026-11-02 09:00:00 alice-laptop/203.0.113.7:51642 SIGTERM[soft,remote-exit] received, client-instance exiting\n"
    "2026-11-02 10:00:00 203.0.113.50:1000 Peer Connection Initiated with [AF_INET]203.0.113.50:1000\n"
)


def test_a_raw_exports_warnings_are_shown_in_the_readers_language(env: Env) -> None:
    alice = env.login("alice")
    home = alice.get("/")
    alice.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": token(home.text)})
    status, html = upload(env, alice, ("vpn-01.log", OPENVPN_LOG.encode("utf-8")))
    assert status == 200 and 'data-testid="upload-ok"' in html, html
    warnings = html.split('class="warnings"')[1].split("</ul>")[0]
    assert "vpn-01.log：1 行無用戶端名稱（第 4 行）" in warnings  # why the line was not read, in Chinese
    assert "malformed" not in warnings and "no client name" not in warnings
