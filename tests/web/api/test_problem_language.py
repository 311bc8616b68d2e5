"""API problem documents (RFC 9457) in the caller's language: Accept-Language: zh-TW, else the user's own
language setting, else English; the title and the detail in Chinese, the values (IDs) as they are."""

from __future__ import annotations

import datetime as dt

from tests.zh_text import english

from ccaudit.audit.storage.models import WebPreferences

from .conftest import World

ZH = {"Accept-Language": "zh-TW,zh;q=0.9,en;q=0.5"}
ASSESS = "/api/v1/audits/{audit}/requirements/12.5.5/assessment"


def _call(world: World, method: str, path: str, user: str = "viewer_a", headers: dict[str, str] | None = None,
          **kwargs: object) -> dict[str, object]:
    response = world.client.request(method, path.format(audit=world.audit),
                                    headers={**world.as_user(user), **(headers or {})}, **kwargs)  # type: ignore[arg-type]
    assert response.status_code >= 400 and response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    body["_lang"] = response.headers.get("content-language")
    return body


def test_problems_in_chinese_when_asked_and_in_english_otherwise(world: World) -> None:
    denied = _call(world, "POST", ASSESS, json={}, headers=ZH)
    assert denied["status"] == 403 and denied["title"] == "無權執行" and denied["_lang"] == "zh-TW"
    assert denied["detail"] == "viewer_a 無權為公司 9A00 評估查核項目：需具管理者或查核人員角色"
    plain = _call(world, "POST", ASSESS, json={})
    assert plain["title"] == "Forbidden" and plain["_lang"] == "en"
    assert plain["detail"] == "viewer_a may not assess requirements for firm 9A00: needs the admin or auditor role"
    asked: list[dict[str, object]] = [
        denied,
        _call(world, "POST", ASSESS, "auditor_a", ZH, json={"result": "non_compliant"}),  # 422: no justification
        _call(world, "POST", ASSESS, "auditor_a", ZH, json={"justification": "x" * 20_000}),  # 422: schema
        _call(world, "GET", "/api/v1/audits/99999", headers=ZH),  # 404
        _call(world, "PUT", "/api/v1/audits/{audit}", headers=ZH),  # 405
        _call(world, "GET", "/api/v1/nowhere", headers=ZH),  # 404: no such path
        _call(world, "GET", "/api/v1/audits", "viewer_a", {**ZH, "Authorization": "Bearer cca_wrong"}),  # 401
    ]
    assert [p["status"] for p in asked] == [403, 422, 422, 404, 405, 404, 401]
    for p in asked:
        texts = [str(p["title"]), str(p["detail"])] + [str(e["message"]) for e in p.get("errors") or []]  # type: ignore[union-attr]
        assert not english(" ".join(texts), frozenset({"body.justification"})), p  # a field's name is a name
    assert asked[2]["errors"] == [{"location": ["body", "justification"], "message": "長度不得超過 10000 個字元"}]


def test_without_a_header_the_users_own_language_setting_counts(world: World) -> None:
    with world.service.db.transaction() as s:  # chosen in the workspace (/prefs/lang), kept for the user
        s.add(WebPreferences(user_id="viewer_a", lang="zh-TW", updated_at=dt.datetime.now(dt.UTC)))
    assert _call(world, "POST", ASSESS, json={})["title"] == "無權執行"
    assert _call(world, "POST", ASSESS, json={}, headers={"Accept-Language": "en-US"})["title"] == "Forbidden"
    read = world.client.get(f"/api/v1/audits/{world.audit}/requirements/12.5.5", headers=world.as_user("viewer_a"))
    reasons = read.json()["reasons_text"]  # the reasons too (these were stored as English text: read back)
    assert read.status_code == 200 and all(not english(r) for r in reasons), reasons
