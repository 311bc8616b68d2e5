"""Generates the demo firm: people and roles, then each area's evidence with its planted gaps."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ccaudit.demo.areas import cloud, iot, mobile, remote, social
from ccaudit.demo.context import FirmContext, Planted
from ccaudit.demo.people import ROLES, make_people
from ccaudit.demo.writer import EvidenceWriter, Style
from ccaudit.evidence.templates import TemplateRegistry

AREAS: list[Callable[[FirmContext], None]] = [cloud.generate, social.generate, mobile.generate, iot.generate,
                                              remote.generate]

DEFAULT_SCOPE: dict[str, bool] = {
    "uses_cloud": True,
    "is_cloud_provider": False,  # a typical brokerage: 12.1.2 is then not applicable
    "has_official_social_pages": True,
    "allows_byod": True,
    "has_iot": True,
    "allows_remote_work": True,
}
PLANTED_FILE = "planted.json"
PLANT_MODES = ("credible", "all")
# The credible firm (the default): gaps only in these checks, so that of the 30 requirements most are
# compliant; 12.2.3.2, 12.2.3.3, 12.3.2.2, 12.5.4 and 12.5.5 are non_compliant, 12.4.5 an observation,
# 12.1.1 compensated (one slow provider under a valid measure), 12.1.2 not applicable (not a cloud
# provider) and 12.5.7 needs review (the gateway register was not handed in). `plant="all"` plants
# every gap of every check: the stress test whose answer key the end-to-end test compares exactly.
CREDIBLE_GAPS = frozenset({
    "cloud_provider_rto_meets_requirement", "social_link_shows_leave_notice",
    "social_account_shows_name_and_contact", "byod_user_signed_agreement", "iot_device_certified",
    "remote_operations_match_sessions", "remote_session_record_complete", "remote_login_used_mfa",
    "remote_channel_encrypted",
})


def generate(
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = 2026,
    as_of: dt.date = dt.date(2026, 11, 30),
    scope: dict[str, bool] | None = None,
    registry: TemplateRegistry | None = None,
    plant: str = "credible",
    firm: tuple[str, str] = ("9A00", "範例證券股份有限公司"),
    fmt: str | None = None,
    evidence_dir: Path | None = None,
    planted_file: Path | None = None,
) -> Planted:
    """Write DIR/evidence/* as a firm would hand them in, and DIR/planted.json (the answer key).

    `plant`: "credible" (a firm mostly in order, with a few findings of every kind) or "all".
    `firm`: its ID and name; `fmt`: one format for every file (parquet) instead of the firm's mix;
    `evidence_dir`, `planted_file`: other places for the evidence and the answer key."""
    if plant not in PLANT_MODES:
        raise ValueError(f"plant must be one of {', '.join(PLANT_MODES)}, not {plant!r}")
    registry = registry or TemplateRegistry.load()
    rng = np.random.default_rng(seed)
    profile: dict[str, Any] = {
        "firm_id": firm[0], "firm_name": firm[1], **DEFAULT_SCOPE, **(scope or {}),
        "review_interval_months": 12,
    }
    writer = EvidenceWriter(evidence_dir or out / "evidence", registry, fmt)
    ctx = FirmContext(
        rng=rng, as_of=as_of, scale=scale, writer=writer, profile=profile,
        people=make_people(rng, max(50, int(3000 * scale)), as_of), roles=[dict(r) for r in ROLES],
        planted=Planted(only=None if plant == "all" else CREDIBLE_GAPS),
    )
    for area in AREAS:
        area(ctx)
    _write_shared(ctx)
    if evidence_dir is None and ctx.policies:  # one firm: its policy documents too (ccaudit policies scan)
        from ccaudit.demo.policy_docs import write_policy_documents

        write_policy_documents(out / "policies", ctx.policies)
    planted_file = planted_file or out / PLANTED_FILE
    planted_file.parent.mkdir(parents=True, exist_ok=True)
    planted_file.write_text(json.dumps(ctx.planted.as_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    return ctx.planted


def _rows_to_columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    columns: dict[str, list[Any]] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, [])
    for row in rows:
        for key in columns:
            columns[key].append(row.get(key))
    return columns


def _write_shared(ctx: FirmContext) -> None:
    w = ctx.writer
    profile_style = Style(fmt="csv", zh_headers=True, bool_style="zh")
    w.write("firm_profile", {k: [v] for k, v in ctx.profile.items()}, profile_style)
    w.write("people", dict(ctx.people), Style(fmt="csv", encoding="cp950", zh_headers=True, roc_dates=True,
                                              bool_style="zh"), name="人員清冊")
    w.write("roles", _rows_to_columns(ctx.roles), Style(fmt="xlsx"))
    if ctx.policies:
        w.write("policy_documents", _rows_to_columns(ctx.policies), Style(fmt="xlsx", roc_dates=True))
    if ctx.measures:
        w.write("compensating_measures", _rows_to_columns(ctx.measures), Style(fmt="csv", encoding="utf-8-sig"))
    if ctx.attestations:
        w.write("attestations", _rows_to_columns(ctx.attestations), Style(fmt="csv", zh_headers=True, roc_dates=True))


def firm_ids(n: int) -> list[tuple[str, str]]:
    """N demo firms' IDs and names, broker-code style: 9A00 … 9A99, 9B00 …"""
    if not 1 <= n <= 2600:
        raise ValueError("the demo makes 1 to 2600 firms")
    return [(f"9{chr(ord('A') + i // 100)}{i % 100:02d}", f"範例{i + 1}號證券股份有限公司") for i in range(n)]


def generate_firms(
    out: Path, n: int, *, scale: float = 1.0, seed: int = 2026, as_of: dt.date = dt.date(2026, 11, 30),
    scope: dict[str, bool] | None = None, plant: str = "credible", fmt: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[str]:
    """N firms, each with its own seed (seed + i) and ID: OUT/firms/<firm_id>/ (evidence, ready for
    `ccaudit inspect --firms OUT/firms`) and OUT/planted/<firm_id>.json (answer keys)."""
    registry = TemplateRegistry.load()
    ids = firm_ids(n)
    for i, (firm_id, name) in enumerate(ids):
        if progress:
            progress(firm_id, i, n)
        evidence, key = out / "firms" / firm_id, out / "planted" / f"{firm_id}.json"
        if key.exists():  # an earlier demo's firm: its files would be combined with the new ones
            shutil.rmtree(evidence, ignore_errors=True)
        generate(out, scale=scale, seed=seed + i, as_of=as_of, scope=scope, registry=registry, plant=plant,
                 firm=(firm_id, name), fmt=fmt, evidence_dir=evidence, planted_file=key)
    return [firm_id for firm_id, _ in ids]
