"""The audit team's year in the browser, as one journey (each step needs the one before): the auditor
logs in with TOTP, uploads evidence (first a file with a bad date: the row-level message), runs the
inspection, attests, overrides a result with a justification and submits; the reviewer logs in, signs
off on his own machine (`ccaudit audit sign-digest`, TOTP again) and anchors the sign-off; the audit is then
read-only; the workbook downloads as a real XLSX; the language switch turns the pages to zh-TW.

One test on purpose: the steps share one server and one audit whose state moves forward, and CI runs
the suite on two workers (pytest -n 2), which would split separate tests across two servers.
Screenshots of the main pages go to the artifacts folder (CCAUDIT_E2E_ARTIFACTS)."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
from playwright.sync_api import Browser, BrowserContext, Page, expect
from tests.e2e.conftest import Site
from tests.e2e.people import Authenticator, log_in, shoot

from ccaudit.audit.service import AuditService
from ccaudit.demo.workspace import Member, Workspace
from ccaudit.settings import Settings

REGISTER = "雲端服務清冊_1151130.csv"  # the cloud-service register: Big5, ROC dates, as the demo writes it
ATTESTED = "12.2.1.1"  # needs an attestation (the social-media policy)
OVERRIDDEN = "12.5.7"  # needs_review in the demo firm: the gateway register was not handed in
OFFENDING = ("12.5.5", "remote_login_used_mfa")  # non_compliant: remote log-ins without MFA
SLOW_MS = 180_000  # an import or an inspection of the demo firm, on a loaded CI machine


def test_audit_team_journey(site: Site, browser: Browser, tmp_path: Path) -> None:
    ws = site.workspace
    shots = site.artifacts
    authenticator = Authenticator()
    audit = f"/audits/{ws.audit_id}"

    auditor_ctx = _context(browser, site)
    page = auditor_ctx.new_page()

    # 1. The auditor logs in: password, then the code of her authenticator app.
    log_in(page, ws.members["alice"], authenticator, shots)
    expect(page.locator(".who")).to_contain_text("alice")
    page.get_by_role("link", name="Dashboard").first.click()  # the audit list's link to this year's audit
    expect(page).to_have_url(re.compile(rf"{audit}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ws.firm_name} {ws.firm_id} · audit 2026")
    expect(page.get_by_role("heading", name="Status by area")).to_be_visible()
    shoot(page, shots, "02-dashboard")
    page.goto(f"{audit}/requirements")
    expect(page.get_by_test_id("requirement-row")).to_have_count(30)

    # 2. The firm's evidence folder, uploaded at once, but with a copy of the cloud-service register
    #    holding a date that is no date: the batch is refused and the page says where (file, row,
    #    column, value); nothing is kept.
    page.goto(f"{audit}/evidence")
    files = sorted(Path(ws.evidence_dir).iterdir())
    bad = _bad_register(Path(ws.evidence_dir) / REGISTER, tmp_path / REGISTER)
    _upload(page, [bad if f.name == REGISTER else f for f in files])
    issue = page.get_by_test_id("upload-issue").first
    expect(page.get_by_test_id("upload-refused")).to_contain_text(REGISTER)
    expect(issue).to_contain_text(REGISTER)
    expect(issue.locator("td").nth(1)).to_have_text("3")
    expect(issue).to_contain_text("選商評估日期")
    expect(issue).to_contain_text("115/13/45")
    shoot(page, shots, "03-upload-error")
    expect(page.get_by_test_id("uploaded-file")).to_have_count(0)

    # 3. The folder as the firm wrote it is kept, and the inspection runs from the page.
    _upload(page, files)
    expect(page.get_by_test_id("upload-kept")).to_have_count(len(files))
    expect(page.get_by_test_id("uploaded-file")).to_have_count(len(files))
    page.get_by_test_id("run-start").click()
    expect(page.get_by_test_id("run-done")).to_be_visible(timeout=SLOW_MS)
    expect(page.get_by_test_id("run-done")).to_contain_text("Non-compliant 5")

    # 4. The requirement page: the automated result with its offending rows, then an attestation.
    requirement_id, check_id = OFFENDING
    page.goto(f"{audit}/requirements/{requirement_id}?check={check_id}")
    expect(page.get_by_test_id("result")).to_contain_text("Non-compliant")
    expect(page.locator("#offending")).to_be_visible()
    expect(page.get_by_test_id("rows-header").filter(has_text="MFA method")).to_be_visible()  # the template's label
    expect(page.get_by_test_id("row-why").first).to_contain_text("logged in remotely without a second factor")
    expect(page.get_by_test_id("assess-form")).to_be_visible()  # a deficiency: the assessment is the next step...
    expect(page.get_by_test_id("measure-form")).to_be_hidden()  # ... the other forms folded until asked for
    page.get_by_test_id("work-measure").locator("summary").click()
    expect(page.get_by_test_id("measure-form")).to_be_visible()
    shoot(page, shots, "04-requirement")

    page.goto(f"{audit}/requirements/{ATTESTED}")
    attest = page.get_by_test_id("attest-form")
    attest.locator("select[name=result]").select_option("met")
    attest.locator("input[name=attested_by]").fill("林雅文 (compliance officer)")
    attest.locator("input[name=attested_on]").fill("115/11/20")  # ROC, as the firm writes it
    attest.locator("input[name=document_ref]").fill("POL-SOC-2026")
    page.get_by_test_id("attest-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("attestation")).to_contain_text("POL-SOC-2026")
    expect(page.get_by_test_id("attestation")).to_contain_text("2026-11-20")

    # 5. An override, with its justification, shown back as the assessed result.
    page.goto(f"{audit}/requirements/{OVERRIDDEN}")
    justification = "The gateway register was not handed in by 2026-12-15; treated as a deficiency."
    page.get_by_test_id("action-override").check()
    page.get_by_test_id("override-result").select_option("non_compliant")
    page.get_by_test_id("justification-input").fill(justification)
    page.get_by_test_id("assess-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("assessed")).to_contain_text("Non-compliant")
    expect(page.get_by_test_id("justification")).to_have_text(justification)

    # 6. The rest is settled as the CLI does it (`ccaudit audit assess --all-derived`, remediation owners), then
    #    the auditor submits in the browser.
    _settle_the_rest(ws)
    page.goto(f"{audit}/review")
    page.get_by_test_id("submit-button").click()
    expect(page.get_by_test_id("review-status")).to_contain_text("Submitted")
    auditor_ctx.close()

    # 7. The reviewer (who did none of the work) signs off the default way, on his own machine: the page
    #    shows the digest, he signs it with `ccaudit audit sign-digest` and pastes the signature with a
    #    fresh TOTP code; then the sign-off's trail anchor is signed the same way and uploaded.
    reviewer_ctx = _context(browser, site)
    page = reviewer_ctx.new_page()
    bob = ws.members["bob"]
    log_in(page, bob, authenticator)
    page.goto(f"{audit}/review")
    page.get_by_test_id("prepare-link").click()
    digest = page.get_by_test_id("prepared-digest").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", digest), digest
    page.get_by_test_id("signature-input").fill(_sign_digest(bob, [digest], tmp_path / "signature.txt"))
    page.get_by_test_id("signed-code").fill(authenticator.code(bob))
    page.get_by_test_id("signed-submit").click()
    expect(page.get_by_test_id("review-status")).to_contain_text("Signed")
    expect(page.get_by_test_id("frozen-banner")).to_be_visible()
    expect(page.get_by_test_id("signoff-digest")).to_have_text(digest)
    expect(page.get_by_test_id("anchor-state")).to_have_text("not written yet")
    with page.expect_download() as anchor_download:
        page.get_by_test_id("anchor-request").click()
    request_file = tmp_path / anchor_download.value.suggested_filename
    anchor_download.value.save_as(request_file)
    anchor_form = page.get_by_test_id("anchor-form")
    anchor_form.locator("textarea[name=signature]").fill(
        _sign_digest(bob, ["--anchor", str(request_file)], tmp_path / "anchor-signature.txt")
    )
    anchor_form.locator("button").click()
    expect(page.get_by_test_id("anchor-state")).to_have_text("written")  # the trail anchor, as on the CLI
    assert any(site.anchor_dir.rglob("*")), f"no trail anchor in {site.anchor_dir}"
    shoot(page, shots, "05-signoff")

    # 8. Signed off, the audit is visibly read-only: the banner, and no form on the requirement page.
    page.goto(f"{audit}/requirements/{OVERRIDDEN}")
    expect(page.get_by_test_id("frozen-banner")).to_be_visible()
    expect(page.locator("main form")).to_have_count(0)

    # 9. The workbook downloads as a real XLSX with the requirements in it.
    page.goto(f"{audit}/reports")
    with page.expect_download() as download_info:
        page.get_by_test_id("download-xlsx-en").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.path()).read_bytes()), read_only=True)
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert {OVERRIDDEN, ATTESTED, requirement_id} <= cells, sorted(cells)[:50]

    # 10. The language switch turns the pages to Traditional Chinese, and they stay so.
    page.goto(audit)
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{ws.firm_name} {ws.firm_id} · 2026 年度查核")
    expect(page.get_by_role("heading", name="各領域查核結果")).to_be_visible()
    shoot(page, shots, "06-dashboard-zh-TW")
    page.goto(f"{audit}/requirements/{OVERRIDDEN}")
    expect(page.get_by_test_id("audit-status")).to_have_text("已簽核")
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    page.goto(f"{audit}/requirements/{requirement_id}?check={check_id}")
    expect(page.get_by_test_id("rows-header").filter(has_text="多因子驗證方式")).to_be_visible()
    expect(page.get_by_test_id("row-why").first).to_contain_text("遠端登入未使用多因子驗證")
    shoot(page, shots, "07-requirement-zh-TW-phone")
    reviewer_ctx.close()


def _context(browser: Browser, site: Site) -> BrowserContext:
    """A fresh browser profile: no cookies, a laptop's screen, English first, downloads kept; the
    pages' "are you sure?" questions are answered yes, as the user would."""
    ctx = browser.new_context(
        base_url=site.url, viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="en-US"
    )
    ctx.set_default_timeout(20_000)
    ctx.on("page", _accept_dialogs)
    return ctx


def _accept_dialogs(page: Page) -> None:
    page.on("dialog", lambda dialog: dialog.accept())


def _sign_digest(member: Member, what: list[str], out: Path) -> str:
    """What the reviewer runs on his own machine: `ccaudit audit sign-digest ... --key bob.pem`."""
    assert member.key_path and member.key_passphrase
    done = subprocess.run(
        [sys.executable, "-m", "ccaudit", "audit", "sign-digest", *what, "--key", member.key_path, "--out", str(out)],
        env={**os.environ, "CCAUDIT_KEY_PASSPHRASE": member.key_passphrase},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return out.read_text(encoding="ascii").strip()


def _upload(page: Page, files: list[Path]) -> None:
    """Choose the files and send them; the answer comes once the whole folder has been imported."""
    page.get_by_test_id("upload-input").set_input_files(files)
    with page.expect_navigation(timeout=SLOW_MS):
        page.get_by_test_id("upload-submit").click(no_wait_after=True)


def _bad_register(good: Path, out: Path) -> Path:
    """The firm's cloud-service register (Big5) with an impossible ROC date in its second record (row 3)."""
    lines = good.read_bytes().decode("cp950").splitlines()
    cells = lines[2].split(",")
    cells[3] = "115/13/45"
    lines[2] = ",".join(cells)
    out.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp950"))
    return out


def _settle_the_rest(ws: Workspace) -> None:
    """What the auditor does from the CLI: confirm every derived result still unassessed, defer what is
    left with a reason, give every remediation item an owner and a due date."""
    settings = Settings(data_dir=Path(ws.data_dir), db=ws.db_url)
    service = AuditService.open(settings)
    try:
        _, left = service.confirm_derived("alice", ws.audit_id)
        for requirement_id in left:
            service.defer("alice", ws.audit_id, requirement_id, "evidence requested; assessed in the follow-up")
        for item in service.snapshot(ws.audit_id, "alice").remediation:
            if item.owner is None:
                service.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    finally:
        service.close()
