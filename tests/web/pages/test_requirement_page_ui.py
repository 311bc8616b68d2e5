"""What an auditor sees on the requirement page: offending rows under the dataset templates' own labels in
their language, dates in their style, each row's reason; empty and out-of-range pages said plainly; the form
their role and the requirement's state call for open and the others folded; a refused change keeps its form
open."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from tests.unit.audit.audit_fakes import make_result_dir

from .conftest import AS_OF, Env, token

REQ = "12.5.5"  # remote_login_used_mfa (5 rows) and remote_channel_encrypted (3 rows) fail
CHECK = "remote_login_used_mfa"
ATTEST_FIRST = "12.2.1.1"  # the catalog asks for an attestation beside its check (attestation_mode: required)
ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")
ROC_TIME = re.compile(r"\b11[45]/\d\d/\d\d \d\d:\d\d:\d\d\b")
DETAILS = re.compile(r'<details class="action" id="act-(\w+)" data-testid="work-\w+"( open)?>')


def get(env: Env, client: TestClient, path: str = "", **params: str) -> str:
    response = client.get(f"/audits/{env.audit_id}/requirements/{REQ}{path}", params=params)
    assert response.status_code == 200, response.text
    return response.text


def headers(html: str) -> dict[str, str]:
    """The offending-row table's data columns: field name -> the header shown."""
    found = re.findall(r'<th scope="col" title="(\w+)" data-testid="rows-header" data-field="\w+">([^<]+)</th>', html)
    return dict(found)


def cells(html: str, testid: str) -> list[str]:
    return re.findall(rf'data-testid="{testid}">([^<]*)<', html)


def forms(html: str) -> dict[str, bool]:
    """The work panel's folded forms: action -> shown open."""
    return {action: bool(opened) for action, opened in DETAILS.findall(html)}


def choose(client: TestClient, html: str, lang: str, date_style: str) -> None:
    response = client.post("/prefs", data={"lang": lang, "date_style": date_style, "csrf_token": token(html)})
    assert response.status_code == 303


def test_columns_carry_the_templates_labels_in_each_language(env: Env) -> None:
    alice = env.login("alice")
    html = get(env, alice, check=CHECK)
    english = headers(html)
    assert english["person_id"] == "Person ID" and english["gateway_id"] == "Gateway ID"
    assert english["mfa_method"] == "MFA method" and english["start_time"] == "Start time"
    choose(alice, html, "zh-TW", "iso")
    chinese = headers(get(env, alice, check=CHECK))
    # remote_sessions.yaml's own `zh:` labels, as the firm's template shows them
    assert (chinese["person_id"], chinese["gateway_id"], chinese["mfa_method"], chinese["start_time"]) == (
        "員工編號", "閘道編號", "多因子驗證方式", "開始時間")
    assert not any(re.fullmatch(r"[a-z_]+", h) for h in chinese.values())  # no raw field name left


def test_each_row_says_why_it_fails_with_dates_in_the_users_style(env: Env) -> None:
    alice = env.login("alice")
    html = get(env, alice, check=CHECK)
    reasons = cells(html, "row-why")
    assert len(reasons) == 5
    assert all("logged in remotely without a second factor (session S" in r for r in reasons)
    choose(alice, html, "zh-TW", "roc")
    fragment = alice.get(f"/audits/{env.audit_id}/requirements/{REQ}/rows", params={"check": CHECK})
    zh = cells(fragment.text, "row-why")
    assert len(zh) == 5 and all("遠端登入未使用多因子驗證（連線 S" in r and ROC_TIME.search(r) for r in zh)
    table = fragment.text.split("<tbody>")[1]
    assert ROC_TIME.search(table) and not ISO_DAY.search(table)  # every date of the rows in ROC, none in ISO


def test_no_match_a_page_past_the_end_and_paging_say_so(env: Env) -> None:
    alice = env.login("alice")
    base = f"/audits/{env.audit_id}/requirements/{REQ}/rows"
    none = alice.get(base, params={"check": CHECK, "q": "no such value"}).text
    assert "No row matches the filter (the check has 5 offending rows)." in none
    assert 'data-testid="offending-row"' not in none and 'data-testid="rows-clear"' in none
    assert 'data-testid="rows-csv"' not in none  # nothing to export
    past = alice.get(base, params={"check": CHECK, "page": "40"}).text
    assert "This page is past the end: 5 rows match, on 1 pages." in past
    counted = alice.get(base, params={"check": CHECK}).text
    assert "Rows 1–5 of 5 matching" in counted and "Export the 5 matching rows as CSV" in counted
    assert 'data-testid="rows-goto"' not in counted  # one page: no pager


def test_an_auditor_sees_the_assessment_open_on_a_deficiency(env: Env) -> None:
    html = get(env, env.login("alice"))
    shown = forms(html)
    assert list(shown) == ["assess", "measure", "remediation", "attest"]  # the most called-for first
    assert [a for a, opened in shown.items() if opened] == ["assess"]
    assert "Decide the result" in html


def test_an_attestation_the_catalog_asks_for_comes_first(env: Env) -> None:
    alice = env.login("alice")
    html = alice.get(f"/audits/{env.audit_id}/requirements/{ATTEST_FIRST}").text
    shown = forms(html)
    assert next(iter(shown)) == "attest" and [a for a, opened in shown.items() if opened] == ["attest"]
    assert "needs a written attestation" in html


def test_a_control_owner_sees_only_their_remediation_item_open(env: Env) -> None:
    [item] = [i for i in env.service.snapshot(env.audit_id).remediation if i.requirement_id == REQ]
    env.service.update_remediation("alice", item.item_id, owner="carol")
    html = get(env, env.login("carol"))
    assert forms(html) == {"remediation": True}
    assert 'data-testid="assess-form"' not in html and 'data-testid="attest-form"' not in html
    form = html.split('data-testid="remediation-form"')[1].split("</form>")[0]
    assert 'name="owner"' not in form and 'name="due_date"' not in form  # not hers to change
    assert 'value="accepted"' not in form  # closing as risk accepted is not a control owner's
    assert "You own the remediation" in html


def test_a_viewer_is_told_the_page_is_read_only(env: Env) -> None:
    html = get(env, env.login("vera"))
    assert forms(html) == {} and 'data-testid="work-read-only"' in html
    assert '<form method="post" action="/audits' not in html


def test_a_refused_change_keeps_its_form_open_with_the_message(env: Env) -> None:
    alice = env.login("alice")
    html = get(env, alice)
    refused = alice.post(f"/audits/{env.audit_id}/requirements/{REQ}/attest", data={
        "result": "met", "attested_by": "Lin", "attested_on": "15/11/15", "csrf_token": token(html)})
    assert refused.status_code == 400 and 'data-testid="error"' in refused.text
    assert [a for a, opened in forms(refused.text).items() if opened] == ["attest"]


def test_a_large_table_is_paged_with_counts_a_person_reads(env: Env, tmp_path: Path) -> None:
    result = make_result_dir(tmp_path / "large", offending={CHECK: 1050}, firm_id="9B00")
    audit_id = env.service.open_audit("xavier", "9B00", 2026, AS_OF)
    env.service.attach_run("xavier", audit_id, result)
    xavier = env.login("xavier")
    base = f"/audits/{audit_id}/requirements/{REQ}"
    first = xavier.get(base, params={"check": CHECK}).text
    assert "Rows 1–50 of 1,050 matching" in first and "page 1 of 21" in first
    assert first.count('data-testid="offending-row"') == 50
    assert 'data-testid="rows-prev"' not in first and 'data-testid="rows-last"' in first
    assert 'data-testid="rows-goto"' in first  # a page number to go to, without JavaScript
    last = xavier.get(f"{base}/rows", params={"check": CHECK, "page": "21"}).text
    assert "Rows 1,001–1,050 of 1,050 matching" in last and last.count('data-testid="offending-row"') == 50
    assert 'data-testid="rows-next"' not in last and 'data-testid="rows-first"' in last
    choose(xavier, first, "en", "roc")
    roc = xavier.get(f"{base}/rows", params={"check": CHECK, "page": "2"}).text
    table = roc.split("<tbody>")[1]
    assert re.search(r"\b115/0\d/1\d 08:00:00\b", table) and not ISO_DAY.search(table)  # a computed column too


def test_missing_evidence_points_to_the_upload_with_the_assessment_open(env: Env) -> None:
    alice = env.login("alice")
    html = alice.get(f"/audits/{env.audit_id}/requirements/12.5.7").text  # the gateway register not handed in
    assert [a for a, opened in forms(html).items() if opened] == ["assess"]
    step = html.split('data-testid="next-step">')[1].split("</p>")[0]
    assert "was not handed in" in step and f'href="/audits/{env.audit_id}/evidence"' in step
