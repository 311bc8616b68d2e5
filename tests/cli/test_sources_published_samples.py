"""Forms seen in vendors' and other projects' published sample logs that ccaudit first read wrongly (docs/sources.md,
*Published sample logs tried*), each as a fixture written here from the format fact, not copied: what an auditor
would check (the user, the instant, the address, the kind) is asserted."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from tests.cli.inprocess import ccaudit


def _parse(tmp_path: Path, name: str, lines: list[str], *args: str) -> tuple[list[dict[str, str]], dict[str, Any]]:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "auto", path, "--out", out, *args)
    assert result.code == 0, result.text
    with (out / "remote_access_events.csv").open(encoding="utf-8", newline="") as fh:
        events = list(csv.DictReader(fh))
    return events, json.loads((out / "parse_report.json").read_text(encoding="utf-8"))


def test_entra_diagnostic_record_times_in_every_published_form(tmp_path: Path) -> None:
    # a diagnostic setting's `time` as Azure's samples show it: culture dates with or without AM/PM, a culture time
    # followed by its offset, ISO without a zone, with 2, 7 or 9 fraction digits, with Z, +00:00 or +02:00
    times = ["01/09/2026 09:41:00", "1/9/2026 9:41:00 AM", "1/9/2026 10:41:00 AM +01:00", "2026-01-09T09:41:00",
             "2026-01-09T09:41:00.22Z", "2026-01-09T09:41:00.6816663Z", "2026-01-09T09:41:00.535404056Z",
             "2026-01-09T09:41:00.992099+00:00", "2026-01-09T11:41:00+02:00"]
    lines = [json.dumps({"time": t, "category": "SignInLogs", "properties": {
        "userPrincipalName": f"user{i}@corp.example.com", "ipAddress": "203.0.113.1", "status": {"errorCode": 0},
        "authenticationRequirement": "singleFactorAuthentication"}}) for i, t in enumerate(times)]
    events, report = _parse(tmp_path, "SignInLogs.json", lines, "--date-order", "mdy")
    assert report["files"][0]["malformed"] == 0
    assert {e["utc_time"][:19] for e in events} == {"2026-01-09T09:41:00"}
    assert len(events) == len(times)
