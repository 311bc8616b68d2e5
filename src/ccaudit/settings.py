"""All configuration in one typed object, read from CCAUDIT_* environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    duckdb_memory_limit: str = Field("2GB", description="DuckDB memory limit; larger work spills to disk.")
    duckdb_threads: int | None = Field(None, description="DuckDB worker threads (default: all cores).")
    content_paths: list[Path] = Field(
        default_factory=list, description="Extra check packs / catalogs loaded after the built-in content."
    )
