"""What a zh-TW reader should not meet: English words in text meant for them. Shared by the tests that render
an output in zh-TW (pages, API problems, reports, exports, the CLI) and look for English left behind."""

from __future__ import annotations

import re

# Written in Latin letters in Taiwanese documents too (products, protocols, formats, units), or codes the
# reader types themselves; anything else in Latin letters is a miss.
ALLOWED = {
    "VPN", "IPsec", "SSL", "ZTNA", "VDI", "RDP", "SSH", "Telnet", "HTTP", "HTTPS", "SFTP", "FTPS", "FTP",
    "TLS", "SMTP", "STARTTLS", "OTP", "TOTP", "SMS", "IoT", "IP", "VLAN", "SHA", "ID", "UPS", "CISO", "RTO", "DLP",
    "MFA", "BYOD", "App", "ISO", "SOC", "UTC", "ccaudit", "API", "CSRF", "JSON", "CSV", "PDF", "HTML", "XLSX",
    "Excel", "ZIP", "XML", "OSCAL", "POA", "PEM", "URL", "URI", "ROC", "CCAUDIT", "Bearer", "Authorization",
    "TWSE", "CC", "QR", "Asia", "Taipei", "Ed25519", "SHA-256", "UTF-8", "Big5", "OpenAPI", "GET", "POST",
    "PATCH", "DELETE", "HEAD", "PUT", "OPTIONS", "Parquet", "YAML", "AWS", "Intune", "Jamf", "Entra", "FortiGate",
    "OpenVPN", "GlobalProtect", "Cisco", "Windows", "Chromium", "SQLite", "PostgreSQL", "DuckDB", "Spark",
    "htmx", "MB", "KB", "GB", "MiB", "KiB", "YYYY-MM-DD", "duckdb", "postgres", "spark",
    "Email", "LINE", "Facebook", "Instagram", "YouTube", "Google", "Microsoft",
    "CloudTrail", "CloudFront", "Cookie", "CA", "CDN", "DOCX", "ODT", "Markdown",
    "Java", "Hadoop", "Maven", "JAR", "SDK", "SSO",
    "English",  # the language switch names English in English
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
# placeholders, command lines quoted in backticks, command-line options with their value, e-mail addresses,
# URLs, paths and file names
_NOT_PROSE = re.compile(
    r"\{[^}]*\}|`[^`]*`|--[a-z-]+(?: [a-z]+)?|\S+@\S+|https?://\S+|(?<![\w.])/[\w/.{}-]+"
    r"|\bccaudit(?: [a-z][\w.-]*)+"  # a command the reader types
    r"|\burn:\S+"  # a catalog's URN
    r"|[^\s（(|:：,、]+\.(?:csv|xlsx|xlsm|xls|json|ndjson|parquet|pdf|html|zip|log|txt|evtx|yaml|md|docx|odt)\b"
)


def english(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Latin-letter words not on the allow-list; identifiers with digits or underscores (CM-2026-01,
    viewer_a, remote_login_used_mfa) are names, not prose."""
    words = (w.rstrip(".-") for w in _WORD.findall(_NOT_PROSE.sub(" ", text)))
    return [w for w in words if w and w not in ALLOWED and w not in allowed and not re.search(r"[\d_]", w)]


def english_lines(text: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """The lines of a command's output that still say something in English, each with its words: what a test
    prints when a zh-TW output is not wholly Chinese, so the line to fix is named."""
    return [f"{line.strip()}  <- {' '.join(words)}" for line in text.splitlines()
            if (words := english(line, allowed))]
