"""The requirement page through HTTP: text in both languages, the automated result with every offending
row (filtered, paged, exported as CSV safely), the evidence files with their hashes, and the auditor's
work (override with justification, defer, attest, measures, remediation), each through the service."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.unit.audit.audit_fakes import make_result_dir

from ccaudit.audit.snapshot import AuditStatus

from .conftest import AS_OF, Env, token

REQ = "12.5.5"  # the demo firm: remote_login_used_mfa (5 rows) and remote_channel_encrypted (3 rows) fail


def page(env: Env, client: TestClient, requirement: str = REQ, query: str = "") -> str:
    response = client.get(f"/audits/{env.audit_id}/requirements/{requirement}{query}")
    assert response.status_code == 200, response.text
    return response.text


def test_shows_text_result_offending_rows_and_evidence_hashes(env: Env) -> None:
    alice = env.login("alice")
    html = page(env, alice)
    snap = env.service.snapshot(env.audit_id)
    req = snap.requirement(REQ)
    assert req.title in html and req.title_zh in html  # English first, the Chinese under "中文條文"
    assert 'data-testid="result"' in html and "Non-compliant" in html
    rows = re.findall(r'data-testid="offending-row"', html)
    assert len(rows) == 5 and "遠端連線紀錄_2026-03.csv" in html  # each row names its file (and row)
    for evidence in snap.runs[0].evidence:
        if evidence.dataset == "remote_sessions":
            assert evidence.sha256 in html
    alice.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": token(html)})
    zh = page(env, alice)
    assert "自動化檢查" in zh and "不符合" in zh and "不符合資料列" in zh


def test_rows_filtered_in_the_database_and_exported_as_csv(env: Env) -> None:
    alice = env.login("alice")
    base = f"/audits/{env.audit_id}/requirements/{REQ}"
    exported = alice.get(f"{base}/rows.csv", params={"check": "remote_login_used_mfa"})
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="ccaudit-audit{env.audit_id}-12.5.5-remote_login_used_mfa-rows.csv"')
    text = exported.content.decode("utf-8")
    assert text.startswith("\ufeff")
    records = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(records) == 5 and len({r["subject"] for r in records}) == 5  # the demo: five people, one each
    assert all(r["source_file"] and r["source_row"] for r in records)
    person = records[0]["subject"]  # an employee ID such as E00004, typed in lower case
    fragment = alice.get(f"{base}/rows", params={"check": "remote_login_used_mfa", "q": person.lower()})
    assert fragment.status_code == 200
    assert fragment.text.count('data-testid="offending-row"') == 1 and person in fragment.text
    none = alice.get(f"{base}/rows", params={"check": "remote_login_used_mfa", "q": "100%_"})
    assert none.text.count('data-testid="offending-row"') == 0  # LIKE wildcards are taken literally
    unknown = alice.get(f"{base}/rows.csv", params={"check": "no_such_check"})
    assert unknown.status_code == 404


def test_hostile_rows_are_escaped_on_the_page_and_neutralised_in_the_csv(env: Env, tmp_path: Path) -> None:
    svc = env.service
    result = make_result_dir(tmp_path / "hostile", offending={"remote_login_used_mfa": 2}, firm_id="9B00")
    path = result / "offending" / "remote_login_used_mfa.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("user000000", '=HYPERLINK("http://evil")', 1).replace(
        "no MFA 多因子", "<script>alert(1)</script>\u202egnp.exe")
    lines[1] = re.sub(r'=HYPERLINK\("http://evil"\)', '"=HYPERLINK(""http://evil"")"', lines[1])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    audit_id = svc.open_audit("xavier", "9B00", 2026, AS_OF)
    svc.attach_run("xavier", audit_id, result)
    xavier = env.login("xavier")
    html = xavier.get(f"/audits/{audit_id}/requirements/{REQ}").text
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # a right-to-left override would show 'exe.png' on the page: it is spelled out instead (textsafe)
    assert "\u202e" not in html and "&lt;/script&gt;\\u202egnp.exe" in html
    exported = xavier.get(f"/audits/{audit_id}/requirements/{REQ}/rows.csv", params={"check": "remote_login_used_mfa"})
    records = list(csv.reader(io.StringIO(exported.content.decode("utf-8").lstrip("\ufeff"))))
    assert records[1][1] == "'=HYPERLINK(\"http://evil\")"  # the OWASP rule: a leading quote, never a formula
    # and nobody from firm 9A00 reads firm 9B00's rows
    assert env.login("alice").get(f"/audits/{audit_id}/requirements/{REQ}").status_code == 403


def test_a_row_from_a_raw_export_names_the_line_of_that_file(env: Env, tmp_path: Path) -> None:
    # a gateway's log read from the evidence folder: its derived rows cite the raw file's line (第 N 行), a
    # register's rows their row (第 N 列)
    from ccaudit.evidence.store import RAW_EXPORT, EvidenceStore

    result = make_result_dir(tmp_path / "raw", offending={"remote_login_used_mfa": 2}, firm_id="9B00")
    store = EvidenceStore(result / "evidence")
    manifest = store.read_manifest()
    entry = manifest.files[0].model_copy(update={"dataset": RAW_EXPORT, "original_name": "fgt.log"})
    store.write_manifest(manifest.model_copy(update={"files": [entry]}))
    audit_id = env.service.open_audit("xavier", "9B00", 2026, AS_OF)
    env.service.attach_run("xavier", audit_id, result)
    xavier = env.login("xavier")
    rows = f"/audits/{audit_id}/requirements/{REQ}/rows"
    english = xavier.get(rows, params={"check": "remote_login_used_mfa"}).text
    assert "line 2" in english and "row 2" not in english
    xavier.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": token(xavier.get("/").text)})
    chinese = xavier.get(rows, params={"check": "remote_login_used_mfa"}).text
    assert "第 2 行" in chinese and "第 2 列" not in chinese
    registers = env.login("alice").get(f"/audits/{env.audit_id}/requirements/{REQ}/rows",
                                        params={"check": "remote_login_used_mfa"}).text
    assert re.search(r"row \d", registers) and not re.search(r"line \d", registers)


def test_override_needs_a_justification_and_is_in_the_history(env: Env) -> None:
    alice = env.login("alice")
    base = f"/audits/{env.audit_id}/requirements/{REQ}"
    html = page(env, alice)
    version = re.search(r'name="version" value="(\d*)"', html)
    assert version
    refused = alice.post(f"{base}/assess", data={"action": "override", "result": "compliant", "justification": "",
                                                 "version": version.group(1), "csrf_token": token(html)})
    assert refused.status_code == 400 and "justification" in refused.text
    assert env.service.snapshot(env.audit_id).requirement(REQ).assessed_result is None  # nothing changed
    done = alice.post(f"{base}/assess", data={
        "action": "override", "result": "compliant", "justification": "MFA enforced on 2026-11-20 (WP-7) <b>",
        "version": version.group(1), "csrf_token": token(html)})
    assert done.status_code == 303
    after = page(env, alice, query="?done=assessed")
    assert "MFA enforced on 2026-11-20 (WP-7) &lt;b&gt;" in after and 'data-testid="done"' in after
    req = env.service.snapshot(env.audit_id).requirement(REQ)
    assert req.assessed_result is not None and req.assessed_result.value == "compliant" and req.assessed_by == "alice"
    assert "assessment.assess" in after or "assessment" in after.split('data-testid="history"')[1]
    stale = alice.post(f"{base}/assess", data={"action": "confirm", "version": version.group(1),
                                               "csrf_token": token(html)})
    assert stale.status_code == 409 and "changed by someone else" in stale.text


def test_attest_with_a_roc_date_measure_with_scope_and_remediation(env: Env) -> None:
    alice = env.login("alice")
    base = f"/audits/{env.audit_id}/requirements/{REQ}"
    html = page(env, alice)
    csrf = token(html)
    bad = alice.post(f"{base}/attest", data={"result": "met", "attested_by": "Lin", "attested_on": "15/11/15",
                                             "csrf_token": csrf})
    assert bad.status_code == 400 and "attested on" in bad.text  # a two-digit year is ambiguous: refused
    ok = alice.post(f"{base}/attest", data={"result": "met", "attested_by": "Lin, Head of Compliance",
                                            "attested_on": "115/11/15", "document_ref": "MEMO-117", "csrf_token": csrf})
    assert ok.status_code == 303
    [att] = [a for a in env.service.snapshot(env.audit_id).attestations if a.requirement_id == REQ]
    assert att.attested_on == "2026-11-15" and att.recorded_by == "alice"
    measure = alice.post(f"{base}/measures", data={
        "ref": "CM-2026-01", "description": "Token issued to E00004", "approver": "CISO Wang",
        "approved_on": "2026-09-01", "review_by": "2027-06-30", "scope": "checks",
        "checks": ["remote_login_used_mfa"], "subjects": "E00004", "csrf_token": csrf})
    assert measure.status_code == 303
    html = page(env, alice)
    assert "CM-2026-01 for E00004" in html  # the CLI's words for what it covers
    [m] = [m for m in env.service.snapshot(env.audit_id).measures if m.ref == "CM-2026-01"]
    assert m.whole_requirement is False and [(c.check_id, c.subjects) for c in m.checks] == [
        ("remote_login_used_mfa", ["E00004"])]
    [item] = [i for i in env.service.snapshot(env.audit_id).remediation if i.requirement_id == REQ]
    updated = alice.post(f"{base}/remediation/{item.item_id}", data={
        "owner": "carol", "due_date": "116/03/31", "status": "in_progress", "note": "tokens ordered",
        "csrf_token": csrf})
    assert updated.status_code == 303
    [item] = [i for i in env.service.snapshot(env.audit_id).remediation if i.requirement_id == REQ]
    assert (item.owner, item.due_date, item.status.value) == ("carol", "2027-03-31", "in_progress")
    assert item.notes[-1].endswith("alice: tokens ordered")


def test_viewer_sees_no_forms_and_is_refused_by_the_service(env: Env) -> None:
    vera = env.login("vera")
    html = page(env, vera)
    assert 'data-testid="assess-form"' not in html and 'data-testid="attest-form"' not in html
    assert 'data-testid="remediation-form"' not in html
    refused = vera.post(f"/audits/{env.audit_id}/requirements/{REQ}/assess",
                        data={"action": "confirm", "csrf_token": token(html)})
    assert refused.status_code == 403 and "needs the admin or auditor role" in refused.text
    assert vera.post(f"/audits/{env.audit_id}/requirements/{REQ}/assess", data={"action": "confirm"}).status_code == 403


def test_control_owner_updates_only_their_own_item(env: Env) -> None:
    svc = env.service
    items = [i for i in svc.snapshot(env.audit_id).remediation]
    mine, other = items[0], items[1]
    svc.update_remediation("alice", mine.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    carol = env.login("carol")
    html = page(env, carol, mine.requirement_id)
    assert f'data-item="{mine.item_id}"' in html and 'data-testid="remediation-form"' in html
    done = carol.post(f"/audits/{env.audit_id}/requirements/{mine.requirement_id}/remediation/{mine.item_id}",
                      data={"status": "in_progress", "note": "started", "csrf_token": token(html)})
    assert done.status_code == 303
    refused = carol.post(f"/audits/{env.audit_id}/requirements/{other.requirement_id}/remediation/{other.item_id}",
                         data={"status": "done", "csrf_token": token(html)})
    assert refused.status_code == 403
    assert svc.snapshot(env.audit_id).status == AuditStatus.DRAFT


def test_remediation_titles_in_the_readers_language_and_a_typed_one_as_typed(env: Env) -> None:
    alice = env.login("alice")
    base = f"/audits/{env.audit_id}/requirements/{REQ}"
    csrf = token(page(env, alice))
    alice.post("/prefs/lang", data={"lang": "zh-TW", "next": "/", "csrf_token": csrf})
    [item] = [i for i in env.service.snapshot(env.audit_id).remediation if i.requirement_id == REQ]
    zh = page(env, alice)
    said = item.say_title("zh-TW")
    assert said.startswith("12.5.5 不符合：") and said in zh and item.title not in zh  # never the English sentence
    # saving the form with the title as shown keeps ccaudit's title (still said in each reader's language)
    kept = alice.post(f"{base}/remediation/{item.item_id}", data={"title": said, "note": "已下單", "csrf_token": csrf})
    assert kept.status_code == 303
    [item] = [i for i in env.service.snapshot(env.audit_id).remediation if i.requirement_id == REQ]
    assert item.title_source is not None and not item.title_source.typed
    typed = alice.post(f"{base}/remediation/{item.item_id}",
                       data={"title": "導入 OTP 權杖 <script>", "csrf_token": csrf})
    assert typed.status_code == 303
    alice.post("/prefs/lang", data={"lang": "en", "next": "/", "csrf_token": csrf})
    en = page(env, alice)
    assert "導入 OTP 權杖 &lt;script&gt;" in en and "<script>" not in en.split("</head>")[1]  # as typed, escaped
    api = alice.get(f"/api/v1/audits/{env.audit_id}/requirements/{REQ}", params={"lang": "zh-TW"})
    assert [i["title_text"] for i in api.json()["remediation"]] == ["導入 OTP 權杖 <script>"]


def test_a_control_owner_is_told_the_auditor_records_attestations_and_cannot_record_one(env: Env) -> None:
    carol = env.login("carol")
    html = page(env, carol, "12.2.1.1")  # the catalog asks for an attestation here
    assert 'data-testid="attest-by-auditor"' in html and 'data-testid="attest-form"' not in html
    refused = carol.post(f"/audits/{env.audit_id}/requirements/12.2.1.1/attest", data={
        "result": "met", "attested_by": "carol", "attested_on": "2026-11-15", "csrf_token": token(html)})
    assert refused.status_code == 403 and not [
        a for a in env.service.snapshot(env.audit_id).attestations if a.requirement_id == "12.2.1.1"]
    assert 'data-testid="attest-by-auditor"' not in page(env, carol)  # 12.5.5 asks for none
    assert 'data-testid="attest-by-auditor"' not in page(env, env.login("alice"), "12.2.1.1")  # she records it
