"""The demo firm's policy documents say what its register says, in words the topic rules find, in every
format it writes; the one deliberate gap (POL-CLD-01 has no article on auditing providers) is found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ccaudit.demo.policy_docs import ARTICLES, EXTRA, write_policy_documents
from ccaudit.policies.models import Proposal
from ccaudit.policies.scan import scan
from ccaudit.settings import Settings

REGISTER = [  # as the demo areas write it (src/ccaudit/demo/areas/*.py), one row per document
    {"doc_id": "POL-CLD-01", "title": "雲端運算服務作業安全規範",
     "topics": ["provider_selection", "audit", "backup", "service_level", "security_protection", "recovery_time"]},
    {"doc_id": "POL-CSP-01", "title": "雲端運算服務安全控管措施",
     "topics": ["legal_compliance", "access_control", "security_protection", "responsibilities"]},
    {"doc_id": "POL-SM-01", "title": "社群媒體資訊安全及使用規範",
     "topics": ["shareable_business_info", "personal_business_distinction"]},
    {"doc_id": "POL-SOP-01", "title": "社群媒體官方專頁經營管理辦法",
     "topics": ["privacy_policy_review", "leave_notice", "page_identity", "account_authorization"]},
    {"doc_id": "POL-MOB-01", "title": "公務行動裝置管理規範", "topics": ["request", "use", "replacement", "return"]},
    {"doc_id": "POL-BYOD-01", "title": "員工自有行動裝置使用管理辦法",
     "topics": ["permitted_purposes", "agreement", "liabilities", "tethering"]},
    {"doc_id": "POL-IOT-01", "title": "物聯網設備資訊安全管理規範",
     "topics": ["inventory", "default_passwords", "security_updates", "network_services", "procurement", "training"]},
    {"doc_id": "POL-RW-01", "title": "遠距辦公資訊安全管理辦法",
     "topics": ["connection_hours", "least_privilege", "client_data_protection"]},
]


def test_the_demo_documents_cover_what_the_register_says_but_one_article(tmp_path: Path) -> None:
    written = write_policy_documents(tmp_path / "policies", REGISTER)
    assert {p.suffix for p in written} == {".docx", ".odt", ".md", ".txt"}
    assert {t for row in REGISTER for t in row["topics"]} | {t for x in EXTRA.values() for t in x} <= set(ARTICLES)
    result = scan([tmp_path / "policies"], tmp_path / "scan", Settings(), as_of=dt.date(2026, 11, 30))
    gaps = {(c.requirement_id, t.topic) for c in result.clauses for t in c.topics if t.status == "not_found"}
    assert gaps == {("12.1.1", "audit")}
    cloud = result.clause("12.1.1")
    assert cloud is not None and cloud.proposal is Proposal.PARTLY_COVERED
    backup = next(t for t in cloud.topics if t.topic == "backup")
    assert all(q.document.startswith("policies/POL-CLD-01") for q in backup.quotes)  # not the IoT rule's


def test_the_register_is_compared_with_the_documents_it_names(tmp_path: Path) -> None:
    write_policy_documents(tmp_path / "policies", REGISTER[:2])
    extra = tmp_path / "policies" / "附件_個資作業說明.md"
    extra.write_text("# 個資作業說明\n\n客戶資料應加密。\n", encoding="utf-8")
    register = tmp_path / "規範文件清冊.csv"  # Big5, Chinese headers, ROC dates: as a firm keeps it
    register.write_bytes(
        "文件編號,文件名稱,適用領域,涵蓋主題,核定人,核定日期\n"
        "POL-CLD-01,雲端運算服務作業安全規範,雲端使用,provider_selection;audit;backup;sla_review,總經理,113/03/01\n"
        "POL-CSP-01,雲端運算服務安全控管措施,雲端服務提供,legal_compliance;access_control,董事會,113/05/01\n"
        "POL-X-09,行動裝置管理規範,公務行動裝置,request,總經理,113/05/01\n".encode("cp950"))
    result = scan([tmp_path / "policies"], tmp_path / "scan", Settings(), as_of=dt.date(2026, 11, 30),
                  register=register)
    rows = {r.doc_id: r for r in result.register_rows}
    cloud = rows["POL-CLD-01"]
    assert cloud.document is not None and cloud.document.startswith("policies/POL-CLD-01")
    assert cloud.found == ["provider_selection", "backup"] and cloud.not_found == ["audit"]
    assert cloud.no_rule == ["sla_review"] and cloud.row == 2 and cloud.policy_area == "cloud_user"
    assert rows["POL-CSP-01"].not_found == [] and rows["POL-X-09"].document is None
    assert result.unregistered == ["policies/附件_個資作業說明.md"]
    assert result.register_file == "規範文件清冊.csv"
