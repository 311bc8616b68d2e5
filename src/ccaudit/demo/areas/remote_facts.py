"""The remote-work demo's fixed facts: gateways, advisories, channels, MFA methods, functions, courses,
and how each month's session export looks. Shared by the area's session and register generators."""

from __future__ import annotations

from zoneinfo import ZoneInfo

FIRM_TZ = ZoneInfo("Asia/Taipei")
SESSIONS_BASE = 1_000_000
LOG_RATE = 0.3
DORMANT_DAYS = 90  # as in remote_account_not_dormant's vars
RECENT_DAYS = 60  # every ordinary remote user has a session within this many days of the as-of date
VENDOR = "VND-0042"  # a vendor's shared account that is in no register
OPERATIONS_CHECK = "remote_operations_match_sessions"
CHECKS = (
    "remote_account_not_dormant", "remote_channel_encrypted", "remote_endpoint_controls_apps",
    "remote_endpoint_protects_client_data", "remote_gateway_not_known_vulnerable",
    "remote_gateway_updated_within_year", "remote_login_used_mfa", "remote_operations_match_sessions",
    "remote_permission_within_role", "remote_session_record_complete", "remote_session_within_allowed_hours",
    "remote_user_authorized", "remote_workers_trained_within_year",
)

# (gateway_id, product, version, last updated: days before as-of, or None for exactly 12 months back)
GATEWAYS: list[tuple[str, str, str, int | None]] = [
    ("VPN-01", "ExampleVPN", "9.1.4", 81),
    ("VPN-02", "ExampleVPN", "9.1.2", 290),  # on an advised version (planted)
    ("ZT-01", "ZeroGate ZTNA", "3.4.1", None),  # updated exactly 12 months back: clean
    ("VDI-01", "DeskCloud VDI", "2203.1", 520),  # not updated within the year (planted)
]
GATEWAY_WEIGHTS = [0.45, 0.25, 0.20, 0.10]
ADVISORIES: list[tuple[str, str, str, str]] = [  # product, affected version, advisory, fixed version
    ("ExampleVPN", "9.1.2", "CVE-2026-10231", "9.1.3"),
    ("ExampleVPN", "9.0.7", "CVE-2025-31337", "9.0.8"),
    ("ExampleVPN", "8.4.11", "CVE-2024-21762", "8.4.12"),
    ("ZeroGate ZTNA", "9.1.4", "ZG-SA-2026-004", "9.1.5"),  # VPN-01's version of another product: clean
    ("ZeroGate ZTNA", "3.2.0", "ZG-SA-2025-017", "3.2.1"),
    ("DeskCloud VDI", "2106", "DC-2025-0042", "2203"),
]
# Coded columns: sessions carry small integers, turned into text per file.
CHANNELS = ["ssl_vpn", "ipsec_vpn", "ztna", "vdi", "rdp_direct", "telnet", "http"]
GATEWAY_CHANNEL = [0, 1, 2, 3]  # VPN-01 ssl_vpn, VPN-02 ipsec_vpn (or ssl_vpn), ZT-01 ztna, VDI-01 vdi
MFA = ["totp", "push", "otp", "hardware_token", "certificate", "sms", "none", ""]
MFA_WEIGHTS = [0.35, 0.28, 0.10, 0.10, 0.12, 0.05, 0.0, 0.0]
MFA_ZH = {"otp": "動態密碼", "sms": "簡訊", "certificate": "憑證", "none": "無"}
FUNCTION_SYSTEM = {
    "order_entry": "下單系統", "quote": "行情系統", "client_lookup": "客戶管理系統", "risk_view": "風控系統",
    "server_admin": "主機管理", "monitoring": "監控系統", "ticketing": "工單系統", "settlement": "交割系統",
    "reporting": "報表系統", "audit_view": "稽核系統", "email": "郵件系統",
}
COURSES = {
    "prior": ("RW-SEC-2025", "遠距辦公資安警覺（114年度）"),
    "current": ("RW-SEC-2026", "遠距辦公資安警覺（115年度）"),
}
# How each month's export looks, by months before the as-of month (for 2026-11-30: 2026-01 is -10);
# months not listed are plain UTF-8 with naive local time.
MONTH_STYLE = {-10: "iso_t", -8: "big5_roc", -7: "utc", -6: "utc", -5: "parquet", -4: "iso_t", -2: "utc",
               -1: "offset", 0: "utc"}

