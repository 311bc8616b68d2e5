"""The pages the foundation owns, as a user reads them: home, dashboard, preferences, language, dates."""

from __future__ import annotations

import datetime as dt
import re

from ccaudit.audit.integrity.signing import generate_key, public_pem

from .conftest import FIRM, WebEnv, csrf


def _main(html: str) -> str:
    return html.split("<main>", 1)[1].split("</main>", 1)[0]


def test_home_lists_the_audits_the_user_may_read(shared_env: WebEnv) -> None:
    alice = _main(shared_env.as_user("alice").get("/").text)
    assert f'href="/audits/{shared_env.audit_id}"' in alice
    assert f'href="/audits/{shared_env.other_audit_id}"' not in alice  # another firm's audit
    nobody = _main(shared_env.as_user("nobody").get("/").text)
    assert "/audits/" not in nobody and "ccaudit user grant" in nobody


def test_the_dashboard_shows_results_deficiencies_ageing_and_freshness(shared_env: WebEnv) -> None:
    page = _main(shared_env.as_user("vera").get(f"/audits/{shared_env.audit_id}").text)
    # the fake run fails 12.5.5, 12.5.6 and 12.1.1: three deficiencies, each linked to its requirement page
    deficiencies = page.split("Deficiencies</h2>", 2)[2].split("</section>", 1)[0]
    linked = re.findall(r'/requirements/([0-9.]+)"', deficiencies)
    assert sorted(linked) == ["12.1.1", "12.5.5", "12.5.6"]
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="chart"' in page  # status by area, ageing, trend
    assert "Evidence freshness" in page and "No audit of last year to compare with." in page
    assert "<form" not in page  # reading is all a dashboard does
    audit = shared_env.audit_id
    for where in ("requirements", "evidence", "reports", "review"):  # the audit's work is one click away
        assert f'href="/audits/{audit}/{where}"' in page, where


def test_a_signed_off_audit_is_visibly_read_only(web_env: WebEnv) -> None:
    svc, audit_id = web_env.service, web_env.audit_id
    key_path = web_env.settings.data_dir / "keys" / "bob.pem"
    svc.register_key("bob", public_pem(generate_key(key_path).public_key()))
    _, left = svc.confirm_derived("alice", audit_id)
    for requirement_id in left:
        svc.defer("alice", audit_id, requirement_id, "evidence requested; assessed in the follow-up")
    for item in svc.snapshot(audit_id).remediation:
        svc.update_remediation("alice", item.item_id, owner="carol", due_date=dt.date(2027, 3, 31))
    svc.submit("alice", audit_id)
    from ccaudit.audit.integrity.signing import load_private_key

    svc.signoff("bob", audit_id, load_private_key(key_path))
    page = _main(web_env.login("alice").get(f"/audits/{audit_id}").text)
    assert "Signed off: read-only." in page and "Signed off by bob" in page
    assert "<form" not in page


def test_the_whole_page_switches_to_traditional_chinese(web_env: WebEnv) -> None:
    client = web_env.login("vera")
    page = client.get(f"/audits/{web_env.audit_id}").text
    r = client.post("/prefs/lang", data={"lang": "zh-TW", "next": f"/audits/{web_env.audit_id}",
                                         "csrf_token": csrf(page)})
    assert r.status_code == 303 and r.headers["location"] == f"/audits/{web_env.audit_id}"
    zh = client.get(f"/audits/{web_env.audit_id}").text
    assert '<html lang="zh-Hant-TW">' in zh
    assert "缺失" in zh and "證據時效" in zh and "查核基準日" in zh and "不符合" in zh
    assert "Deficiencies" not in zh and "Evidence freshness" not in zh


def test_the_language_is_chosen_before_log_in_too(web_env: WebEnv) -> None:
    client = web_env.client()
    assert "登入 ccaudit" in client.get("/login", headers={"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}).text
    page = client.get("/login").text
    client.post("/prefs/lang", data={"lang": "zh-TW", "next": "/login", "csrf_token": csrf(page)})
    assert "使用者帳號" in client.get("/login").text


def test_dates_in_roc_style_when_the_user_prefers(web_env: WebEnv) -> None:
    client = web_env.login("vera")
    assert "2026-11-30" in _main(client.get("/").text)
    token = csrf(client.get("/prefs").text)
    r = client.post("/prefs", data={"lang": "en", "date_style": "roc", "csrf_token": token})
    assert r.headers["location"] == "/prefs?saved=1"
    home = _main(client.get("/").text)
    assert "115/11/30" in home and "2026-11-30" not in home
    assert "115/11/30" in client.get(f"/audits/{web_env.audit_id}").text


def test_an_unknown_audit_is_404_and_another_firms_is_403(shared_env: WebEnv) -> None:
    vera = shared_env.as_user("vera")
    assert vera.get("/audits/999").status_code == 404
    refused = vera.get(f"/audits/{shared_env.other_audit_id}")
    assert refused.status_code == 403 and "vera may not read audits for firm 9B00" in refused.text


def test_firm_names_and_other_data_are_escaped(shared_env: WebEnv) -> None:
    ada = shared_env.as_user("ada")
    page = ada.get(f"/audits/{shared_env.other_audit_id}").text
    assert "&lt;b&gt;Other&lt;/b&gt; Securities" in page and "<b>Other</b>" not in page
    assert FIRM in ada.get("/").text


def test_preferences_follow_the_user_to_another_browser(web_env: WebEnv) -> None:
    first = web_env.login("vera")
    token = csrf(first.get("/prefs").text)
    first.post("/prefs", data={"lang": "zh-TW", "date_style": "roc", "csrf_token": token})
    elsewhere = web_env.login("vera")  # a new browser: no cookies of the first
    home = elsewhere.get("/").text
    assert '<html lang="zh-Hant-TW">' in home and "115/11/30" in home
