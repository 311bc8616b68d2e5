"""All configuration in one typed object, read from CCAUDIT_* environment variables."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "ccaudit"


LANGS = ("en", "zh-TW")
ENGINES = ("duckdb", "postgres", "spark")  # where checks run: Settings.engine


def normalise_lang(value: str) -> str:
    """en or zh-TW, whatever the case (zh, zh-tw, ZH-TW); ValueError for another language."""
    for lang in LANGS:
        if value.strip().lower() == lang.lower() or (lang == "zh-TW" and value.strip().lower() == "zh"):
            return lang
    raise ValueError(f"{value!r} is not a language ccaudit speaks: en or zh-TW")


_MEMORY_SIZE = re.compile(r"(?i)^\s*\d+(\.\d+)?\s*((k|m|g|t)i?)?b\s*$")  # DuckDB's memory_limit spellings


class Settings(BaseSettings):
    """Settings for one ccaudit process; pass it down, never read globals."""

    model_config = SettingsConfigDict(env_prefix="CCAUDIT_", extra="ignore")

    firm_timezone: str = Field(
        "Asia/Taipei", description="Zone that naive timestamps are read in and local hours are judged in."
    )
    max_issues_per_file: int = Field(50, description="Validation problems collected per file before stopping.")
    sample_rows: int = Field(5, description="Offending rows quoted per check in findings.json.")
    parquet_threshold_rows: int = Field(
        100_000, description="Offending-row lists at least this long are also written as Parquet."
    )
    xlsx_max_uncompressed_bytes: int = Field(
        256 << 20, gt=0, description="A workbook that would expand to more than this many bytes is refused."
    )
    xlsx_max_compression_ratio: int = Field(
        200, gt=0, description="A workbook member compressed more than this many times is refused (zip bomb)."
    )
    max_cell_chars: int = Field(32_767, gt=0, description="Longest workbook cell accepted (Excel's own limit).")
    duckdb_memory_limit: str = Field(
        "1GB", description="DuckDB memory limit; larger work spills to disk. A process's resident memory runs "
        "a little past it (1GB: the checks at 10M sessions peak at 1.11 GiB, 1.56 with 1.5GB, at the same CPU; "
        "bench/README.md).")
    duckdb_threads: int | None = Field(None, description="DuckDB worker threads (default: all cores).")
    engine: Literal["duckdb", "postgres", "spark"] = Field(
        "duckdb", description="Where the checks run: duckdb (embedded), postgres or spark."
    )
    engine_url: SecretStr | None = Field(
        None,
        description="postgres: postgresql://user:password@host/db; spark: a master URL (local[2], "
        "spark://host:7077; default local[*]).",
    )
    engine_keep: bool = Field(
        False, description="postgres: keep the run's schema (ccaudit_run_<run id>) instead of dropping it."
    )
    engine_conf: dict[str, str] = Field(
        default_factory=dict, description="spark: extra session settings, as JSON (spark.driver.memory, ...)."
    )
    engine_scratch: Path | None = Field(
        None,
        description="spark: where evidence is staged as Parquet for the executors (on a cluster: a path "
        "every node mounts); default a temporary folder.",
    )
    content_paths: list[Path] = Field(
        default_factory=list, description="Extra check packs / catalogs loaded after the built-in content."
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where audits keep their runs (evidence, findings) and the default SQLite database.",
    )
    db: str | None = Field(
        None, description="Audit database URL: sqlite:///PATH or postgresql+psycopg://… (default in data_dir)"
    )
    user: str | None = Field(None, description="The acting user's ID for audit commands (named in the trail)")
    lang: str = Field(
        "en", description="Language of the audit commands' terminal output (tables, statuses, reasons): en or zh-TW"
    )
    key_path: Path | None = Field(
        None, description="The acting user's Ed25519 private key (PEM); default data_dir/keys/<user>.pem."
    )
    key_passphrase: SecretStr | None = Field(None, description="Passphrase of that private key, if any.")
    anchor_dir: Path | None = Field(
        None,
        description="Where sign-off and `audit anchor` write signed trail heads; default data_dir/anchors. "
        "Keep it apart from the database: write-once storage or another machine.",
    )
    probe_timeout_seconds: float = Field(
        3.0, gt=0, le=60, description="Live probes: seconds to wait for a connection, a handshake or a reply."
    )
    probe_concurrency: int = Field(8, ge=1, le=64, description="Live probes: targets probed at the same time.")
    probe_rate_per_second: float = Field(
        20.0, ge=0, description="Live probes: new connections a second across all targets (0: no limit)."
    )
    probe_banner_bytes: int = Field(
        1024, ge=64, le=65536, description="Live probes: most bytes read from a service's greeting or reply."
    )
    # web pages (requirement page, evidence upload, runs, downloads, sign-off)
    web_signoff_default: Literal["own_machine", "sealed"] = Field(
        "own_machine",
        description="Web sign-off offered first: sign the digest on the reviewer's own machine, or with the key "
        "the server keeps sealed under their passphrase (both stay available).",
    )

    # --- web workspace (ccaudit serve; src/ccaudit/web) ---
    web_secure_cookies: bool = Field(
        True,
        description="Session cookies carry Secure (sent over HTTPS only); turn off only for plain-HTTP loopback "
        "development.",
    )
    web_session_idle_minutes: int = Field(
        30, ge=1, le=24 * 60, description="A web session unused this long ends (idle expiry)."
    )
    web_session_hours: int = Field(
        12, ge=1, le=24 * 7, description="A web session ends this many hours after log-in, used or not."
    )
    web_secret_key: SecretStr | None = Field(
        None,
        description="The server key (base64 of 32 bytes) that encrypts TOTP secrets at rest and signs log-in "
        "forms; default: data_dir/web-secret.key, created with mode 0600 on first start.",
    )
    web_login_max_failures: int = Field(
        5, ge=1, le=100, description="Failed log-ins for one user name within the window before it is locked."
    )
    web_login_window_minutes: int = Field(15, ge=1, description="Window in which failed log-ins are counted.")
    web_lockout_minutes: int = Field(15, ge=1, description="How long a user name stays locked after too many failures.")
    web_max_upload_mb: int = Field(64, ge=1, le=4096, description="Largest evidence upload accepted, in MiB.")
    # --- policy documents (ccaudit policies scan) ---
    policy_max_file_bytes: int = Field(
        64 << 20, gt=0, description="Policy documents: a file larger than this many bytes is refused."
    )
    policy_max_pages: int = Field(2_000, gt=0, description="Policy documents: most pages read from one PDF.")
    policy_max_chars: int = Field(
        5_000_000, gt=0, description="Policy documents: most characters of text taken from one document."
    )

    # probe site / probe pages (area: site)
    probe_chromium_path: Path = Field(
        Path("/usr/bin/chromium"), description="Live probes: the Chromium that `probe site` and `probe pages` drive "
        "(Debian's; nothing is ever downloaded)."
    )
    probe_site_max_pages: int = Field(
        50, ge=1, le=2000, description="`probe site`: most pages read per registered website (same host only)."
    )
    probe_site_max_depth: int = Field(
        2, ge=0, le=10, description="`probe site`: most links followed from a registered start page."
    )

    # -- scale (issue 12): many firms in one command
    firm_workers: int = Field(
        1, ge=1, le=32,
        description="inspect --firms: firms inspected at the same time (each imports with its own DuckDB, "
        "whose memory limit applies per firm).",
    )

    # -- object stores (issue 12): evidence folders at s3://bucket/prefix/
    object_store_max_bytes: int = Field(
        50 << 30, gt=0,
        description="inspect s3://…: most bytes copied from one evidence folder in an object store (refused "
        "before any copy when the listing is larger).",
    )

    # -- importpeak (issue 12): the evidence import's own memory limit
    duckdb_import_memory_limit: str = Field(
        "800MB",
        description="DuckDB memory limit while evidence is imported (larger work spills to disk; the "
        "checks keep CCAUDIT_DUCKDB_MEMORY_LIMIT). 800MB: the import at 10M sessions peaks under 1.2 GiB "
        "(bench/README.md).")

    # -- rawleft (issue 11): compressed raw exports (rawsources/compressed.py)
    raw_max_uncompressed_bytes: int = Field(
        16 << 30, gt=0,
        description="A compressed raw export (.gz, .bz2, .xz, .zst, .zip) that would expand to more than this "
        "many bytes is refused.")
    raw_max_compression_ratio: int = Field(
        500, gt=0,
        description="A compressed raw export that expands more than this many times (past 64 MiB) is refused "
        "(a zip bomb).")

    # -- sparkunion (issue 12): many firms on Spark as one run
    spark_union: bool = Field(
        True,
        description="inspect --firms --engine spark: run each check once for all firms (one table per dataset with "
        "the firm as a column); false: firm by firm, as for one firm (for comparison).",
    )

    # -- rawio (issue 11): a zip of several raw exports
    raw_max_zip_members: int = Field(
        10_000, gt=0,
        description="A zip of raw exports holding more files than this is refused (a year of hourly rotated logs "
        "is 8,760).")

    @field_validator("duckdb_import_memory_limit")
    @classmethod
    def _memory_size(cls, value: str) -> str:
        if not _MEMORY_SIZE.match(value):
            raise ValueError("expected a size DuckDB understands, such as 800MB, 1.5GB or 2GiB")
        return value.strip()

    @field_validator("lang", mode="before")
    @classmethod
    def _known_lang(cls, value: object) -> str:
        return normalise_lang(str(value))

    def database_url(self) -> str:
        return self.db or f"sqlite:///{self.data_dir / 'ccaudit.db'}"

    def signing_key_path(self) -> Path:
        return self.key_path or self.data_dir / "keys" / f"{self.user or 'user'}.pem"

    def anchor_path(self) -> Path:
        return self.anchor_dir or self.data_dir / "anchors"

    def web_key_path(self) -> Path:
        return self.data_dir / "web-secret.key"


def settings_problem(exc: ValidationError) -> str:
    """A settings error in the words of the environment: which CCAUDIT_* variable, what is wrong."""
    lines = []
    for error in exc.errors():
        name = "CCAUDIT_" + "_".join(str(part) for part in error["loc"][:1]).upper()
        lines.append(f"setting {name}={error.get('input')!r}: {error['msg']}")
    return "; ".join(lines) or str(exc)
