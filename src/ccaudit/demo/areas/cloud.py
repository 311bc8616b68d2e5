"""Demo evidence for the cloud area (Article 12.1): the cloud-service register (a Big5 CSV with
Chinese headers and ROC dates, as a firm's administration department keeps it), the endpoints that
carry sensitive data when the firm is itself a cloud provider (an Excel probe report), the policy
documents and the compensating measures for slow provider recovery times.

Planted gaps sit on fixed rows; everything else is clean noise chosen so that no check fails on it
(including rows on the boundaries: an audit exactly 12 months back, an RTO equal to the requirement,
a certificate expiring the day after the as-of date, retired services with gaps).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta

from ccaudit.demo.context import FirmContext
from ccaudit.demo.writer import Column, Style, roc

# (provider, service name, backup arrangement, required RTO hours, provider RTO hours)
SERVICES: list[tuple[str, str, str, float, float]] = [
    ("Microsoft", "Microsoft 365 電子郵件", "微軟地理備援＋每日第三方備份", 8, 4),
    ("Microsoft", "Teams 視訊會議", "原廠多區域備援", 24, 8),
    ("Microsoft", "Azure 異地備援站台", "每日快照，保留35天", 4, 2),
    ("Amazon Web Services", "行情資料分析平台", "S3 跨區域複寫", 8, 4),
    ("Amazon Web Services", "官網主機", "每日AMI快照", 4, 1),
    ("Google Cloud", "客戶行為分析", "BigQuery 時間回溯7天＋每週匯出", 48, 24),
    ("中華電信", "hicloud 雲端主機", "異地每日備份", 4, 4),
    ("中華電信", "雲端防火牆", "設定檔每日備份", 2, 2),
    ("Salesforce", "客戶關係管理 CRM", "每週完整匯出至公司機房", 24, 12),
    ("Zoom", "線上法說會", "錄影檔下載保存", 72, 24),
    ("Cloudflare", "網站防護 CDN", "設定以程式碼管理並備份", 2, 1),
    ("ServiceNow", "IT 服務管理", "原廠每日備份", 24, 8),
    ("Workday", "人資系統", "原廠每日備份＋每月匯出", 48, 24),
    ("SAP", "SuccessFactors 教育訓練", "原廠每日備份", 72, 48),
    ("Oracle", "OCI 資料庫備份", "跨區域備份", 8, 4),
    ("Trend Micro", "雲端郵件防護", "原廠備援", 8, 4),
    ("CrowdStrike", "端點防護 EDR", "原廠多區域備援", 8, 4),
    ("Okta", "單一登入 SSO", "原廠多區域備援", 2, 1),
    ("DocuSign", "電子合約", "合約檔每日下載保存", 48, 24),
    ("Atlassian", "Jira 專案管理", "每日匯出", 48, 24),
    ("GitHub", "程式碼管理", "每日鏡像至公司機房", 24, 8),
    ("Splunk", "Splunk Cloud 日誌分析", "原始日誌同步保存於公司機房", 8, 8),
    ("Box", "檔案分享", "版本保留180天", 24, 12),
    ("Adobe", "Acrobat Sign 電子簽章", "文件每日下載保存", 72, 48),
    ("LINE", "官方帳號管理後台", "訊息紀錄每週匯出", 72, 24),
]
RETIRED: list[tuple[str, str]] = [("Dropbox", "舊檔案分享"), ("Skype", "舊視訊會議")]
MIN_SERVICES = 14  # enough distinct rows for every planted gap plus clean noise


def generate(ctx: FirmContext) -> None:
    if not ctx.in_scope("uses_cloud"):
        return
    _cloud_user_policy(ctx)
    _cloud_services(ctx)
    if ctx.in_scope("is_cloud_provider"):
        _cloud_provider_policy(ctx)
        _sensitive_endpoints(ctx)


def _window_start(ctx: FirmContext) -> dt.date:
    return ctx.as_of - relativedelta(months=12)


def _cloud_user_policy(ctx: FirmContext) -> None:
    # The rule covers everything but recovery time; the old outsourcing rule is past its review.
    ctx.policies.append({
        "doc_id": "POL-CLD-01", "title": "雲端運算服務作業安全規範", "policy_area": "cloud_user",
        "topics": ["provider_selection", "audit", "backup", "service_level", "security_protection",
                   *([] if ctx.plants("cloud_user_policy_covers_topics") else ["recovery_time"])],
        "version": "2.1", "approved_by": "總經理", "approved_on": ctx.days_before(900),
        "last_reviewed_on": ctx.days_before(120),
    })
    ctx.planted.fail("cloud_user_policy_covers_topics", "recovery_time|")


def _cloud_provider_policy(ctx: FirmContext) -> None:
    ctx.policies.append({
        "doc_id": "POL-CSP-01", "title": "雲端運算服務安全控管措施", "policy_area": "cloud_provider",
        "topics": ["legal_compliance", "access_control", "security_protection",
                   *([] if ctx.plants("cloud_provider_policy_covers_topics") else ["responsibilities"])],
        "version": "1.3", "approved_by": "董事會", "approved_on": ctx.days_before(700),
        "last_reviewed_on": ctx.days_before(60),
    })
    ctx.policies.append({
        "doc_id": "POL-CSP-02", "title": "雲端服務權責劃分辦法", "policy_area": "cloud_provider",
        "topics": ["responsibilities"],
        "version": "1.0", "approved_by": "總經理", "approved_on": ctx.days_before(1200),
        "last_reviewed_on": ctx.days_before(460 if ctx.plants("cloud_provider_policy_covers_topics") else 100),
    })
    ctx.planted.fail("cloud_provider_policy_covers_topics", "responsibilities|", "|POL-CSP-02")


def _cloud_services(ctx: FirmContext) -> None:
    rng = ctx.rng
    window_start = _window_start(ctx)
    count = min(len(SERVICES), max(MIN_SERVICES, ctx.n(len(SERVICES))))
    rows: list[dict[str, Any]] = []
    for i, (provider, name, backup, required, committed) in enumerate(SERVICES[:count]):
        rows.append({
            "service_id": f"CS-{i + 1:03d}", "provider": provider, "service_name": name,
            "selection_assessed_on": ctx.days_before(int(rng.integers(400, 2500))),
            "last_audit_on": ctx.days_before(int(rng.integers(15, 330))),
            "backup_arrangement": backup, "required_rto_hours": float(required),
            "provider_rto_hours": float(committed), "status": "使用中",
        })
    # Clean rows on the boundaries: audited exactly 12 months back, assessed on the as-of date.
    rows[1]["last_audit_on"] = window_start
    rows[2]["selection_assessed_on"] = ctx.as_of
    rows[3]["provider_rto_hours"] = rows[3]["required_rto_hours"]

    gap = [int(i) for i in rng.permutation(range(4, count))]
    planted = ctx.planted

    sel = rows[gap[0]]  # adopted by a department without the IT selection process
    sel["selection_assessed_on"] = None if planted.plants("cloud_service_selection_assessed") else \
        ctx.days_before(600)
    planted.fail("cloud_service_selection_assessed", sel["service_id"])

    never, stale = rows[gap[1]], rows[gap[2]]
    if planted.plants("cloud_service_audited_within_year"):
        never["last_audit_on"] = None
        stale["last_audit_on"] = window_start - dt.timedelta(days=int(rng.integers(1, 200)))
    planted.fail("cloud_service_audited_within_year", never["service_id"], stale["service_id"])

    no_backup, blank_backup = rows[gap[3]], rows[gap[4]]
    if planted.plants("cloud_service_backup_defined"):
        no_backup["backup_arrangement"] = "無"
        blank_backup["backup_arrangement"] = None
    planted.fail("cloud_service_backup_defined", no_backup["service_id"], blank_backup["service_id"])

    covered, expired, slow, unknown = (rows[g] for g in gap[5:9])
    # The credible firm keeps only the compensated gap: every other provider meets its RTO.
    for row in (covered, expired, slow) if ctx.every_gap else (covered,):
        row["required_rto_hours"] = 4.0
        row["provider_rto_hours"] = float(rng.choice([8, 12, 24]))
    if ctx.every_gap:
        unknown["provider_rto_hours"] = None
    rto = "cloud_provider_rto_meets_requirement"
    ctx.measures.append({
        "measure_id": "CM-CLD-001", "requirement_id": "12.1.1", "check_id": rto,
        "subject": covered["service_id"], "description": "自建異地熱備援，切換演練RTO 2小時",
        "approved_by": "資安長", "approved_on": ctx.days_before(200),
        "review_by": ctx.as_of + dt.timedelta(days=165),
    })
    ctx.measures.append({  # expired: the gap stays open
        "measure_id": "CM-CLD-002", "requirement_id": "12.1.1", "check_id": rto,
        "subject": expired["service_id"], "description": "人工作業替代程序（待與廠商重新議約）",
        "approved_by": "資訊長", "approved_on": ctx.days_before(500), "review_by": ctx.days_before(45),
    })
    planted.fail(rto, covered["service_id"], compensated=True)
    if ctx.every_gap:
        planted.fail(rto, expired["service_id"], slow["service_id"], unknown["service_id"])

    # Retired services keep their old, incomplete entries; none of them may fail.
    for j, (provider, name) in enumerate(RETIRED):
        rows.append({
            "service_id": f"CS-{count + j + 1:03d}", "provider": provider, "service_name": name,
            "selection_assessed_on": None, "last_audit_on": ctx.days_before(int(rng.integers(800, 1500))),
            "backup_arrangement": "無", "required_rto_hours": 4.0, "provider_rto_hours": 72.0,
            "status": "已停用",
        })
    columns: dict[str, Column] = {k: [r[k] for r in rows] for k in rows[0]}
    ctx.writer.write("cloud_services", columns,
                     Style(fmt="csv", encoding="cp950", zh_headers=True, roc_dates=True),
                     name=f"雲端服務清冊_{roc(ctx.as_of).replace('/', '')}")


def _sensitive_endpoints(ctx: FirmContext) -> None:
    host = "cloud.example-sec.com.tw"
    far = ctx.as_of + dt.timedelta(days=int(ctx.rng.integers(90, 400)))
    # (id, host, port, protocol, tls_version, certificate expiry)
    rows: list[tuple[str, str, int, str, str | None, dt.date | None]] = [
        ("EP-01", f"api.{host}", 443, "https", "TLSv1.3", far),
        ("EP-02", f"sftp.{host}", 22, "sftp", None, None),
        ("EP-03", f"ftps.{host}", 990, "ftps", "TLS 1.2", far),
        ("EP-04", f"mq.{host}", 8883, "tls", "tlsv1.2", far),
        ("EP-05", f"bastion.{host}", 22, "ssh", None, None),
        ("EP-06", f"legacy-api.{host}", 443, "https", "TLS 1.1", far),  # gap: TLS below 1.2
        ("EP-07", f"report.{host}", 443, "https", "TLSv1.2", ctx.days_before(9)),  # gap: certificate expired
        ("EP-08", f"batch.{host}", 21, "ftp", None, None),  # gap: plain FTP
        ("EP-09", f"callback.{host}", 80, "http", None, None),  # gap: plain HTTP
        ("EP-10", f"portal.{host}", 443, "https", "TLSv1.2, TLSv1.3", ctx.as_of + dt.timedelta(days=1)),
    ]
    if not ctx.plants("sensitive_data_sent_encrypted"):
        rows[7:9] = [("EP-08", f"batch.{host}", 22, "sftp", None, None),
                     ("EP-09", f"callback.{host}", 443, "https", "TLSv1.3", far)]
    if not ctx.plants("sensitive_endpoint_tls_sound"):
        rows[5:7] = [(r[0], r[1], r[2], r[3], "TLSv1.2", far) for r in rows[5:7]]
    ctx.planted.fail("sensitive_data_sent_encrypted", "EP-08", "EP-09")
    ctx.planted.fail("sensitive_endpoint_tls_sound", "EP-06", "EP-07")
    names = ("endpoint_id", "host", "port", "protocol", "tls_version", "certificate_expires_on")
    columns: dict[str, Column] = {name: [r[i] for r in rows] for i, name in enumerate(names)}
    ctx.writer.write("sensitive_endpoints", columns, Style(fmt="xlsx"), name="敏感資料端點_探測報告")
