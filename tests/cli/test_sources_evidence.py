"""Raw gateway logs handed in inside the evidence folder, as an inspector follows them: the log itself kept
unchanged under its SHA-256 and listed in the manifest, and every finding citing the log's own line."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit
from tests.cli.test_sources import FORTIGATE, OPENVPN_LOG


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Inspected:
    evidence: Path
    results: Path
    text: str


@pytest.fixture(scope="module")
def inspected(tmp_path_factory: pytest.TempPathFactory) -> Inspected:
    """A FortiGate log found by its lines and an OpenVPN log named in evidence.yaml, inspected once."""
    root = tmp_path_factory.mktemp("raw")
    evidence = root / "evidence"
    evidence.mkdir()
    (evidence / "fgt-2026-11.log").write_text(FORTIGATE, encoding="utf-8")
    (evidence / "vpn02.txt").write_text(OPENVPN_LOG, encoding="utf-8")
    (evidence / "evidence.yaml").write_text(
        "files:\n  vpn02.txt: {source: openvpn-log, gateway: VPN-02, tz: Asia/Taipei}\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", root / "results")
    assert result.code == 0, result.text
    return Inspected(evidence, root / "results", result.text)


def test_the_raw_log_is_stored_unchanged_and_listed_with_what_it_became(inspected: Inspected) -> None:
    evidence, results = inspected.evidence, inspected.results
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    by_name = {f["original_name"]: f for f in manifest["files"]}
    raw = by_name["fgt-2026-11.log"]
    digest = hashlib.sha256((evidence / "fgt-2026-11.log").read_bytes()).hexdigest()
    assert (raw["dataset"], raw["sha256"], raw["source"], raw["rows"]) == ("raw_export", digest, "fortigate", 9)
    assert (results / "evidence" / "blobs" / digest).read_bytes() == (evidence / "fgt-2026-11.log").read_bytes()
    assert by_name["fgt-2026-11.log.remote_sessions.csv"]["derived_from"] == digest
    assert by_name["vpn02.txt"]["source"] == "openvpn-log"
    assert "fgt-2026-11.log" not in manifest["ignored_reasons"]  # imported, not passed over
    assert "column(s) not in the template" not in inspected.text  # ccaudit's own extra columns are no warning


def test_findings_cite_the_raw_file_and_line(inspected: Inspected) -> None:
    evidence, results = inspected.evidence, inspected.results
    # sessions without an end: FortiGate tunnel 88001 (line 4) and 999 (line 7), neither ever closed
    rows = _rows(results / "offending" / "remote_session_record_complete.csv")
    cited = {(r["subject"], r["source_file"], r["source_row"]) for r in rows}
    assert {("bob", "fgt-2026-11.log", "4"), ("dave", "fgt-2026-11.log", "7")} <= cited
    digest = hashlib.sha256((evidence / "fgt-2026-11.log").read_bytes()).hexdigest()
    assert {r["source_sha256"] for r in rows if r["source_file"] == "fgt-2026-11.log"} == {digest}
    report = json.loads((results / "findings.json").read_text(encoding="utf-8"))
    check = next(c for f in report["findings"] for c in f["checks"]
                 if c["check_id"] == "remote_session_record_complete")
    assert "fgt-2026-11.log" in {e["original_name"] for e in check["evidence"] if e["dataset"] == "raw_export"}
    assert all(row["source_file"] in ("fgt-2026-11.log", "vpn02.txt") for row in check["sample"])


def test_a_bad_value_in_a_raw_log_is_reported_at_its_line(tmp_path: Path) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    lines = FORTIGATE.splitlines()
    # a tunnel-up whose device clock was never set: no eventtime, a 1980 date (the import takes 1990 on)
    lines.insert(2, 'date=1980-01-01 time=00:00:10 devname="FGT-HQ-01" logid="0101039424" type="event" '
                    'subtype="vpn" action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=4242 remip=203.0.113.50 '
                    'user="frank"')
    (evidence / "fgt.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "results")
    assert result.code == 2
    assert "fgt.log, row 3, column 'start_time'" in result.text


# Three gateways' tunnel-ups at the same wall time, none stating a zone but FGT-UTC's (an epoch).
GATEWAYS_LOG = "\n".join(
    f'date=2026-11-02 time=08:15:02 devname="{gw}" {extra}logid="0101039424" type="event" subtype="vpn" vd="root" '
    f'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid={n} remip=203.0.113.{n} user="{user}"'
    for n, (gw, user, extra) in enumerate([("FGT-TPE", "alice", ""), ("FGT-TYO", "bob", ""),
                                           ("FGT-UTC", "carol", "eventtime=1793578502 ")], start=1)) + "\n"


def _utc(path: Path) -> dict[str, str]:
    return {e["account"]: e["utc_time"] for e in _rows(path)}


def test_each_gateway_is_read_in_its_own_zone_and_the_report_says_which(tmp_path: Path) -> None:
    log = tmp_path / "gw.log"
    log.write_text(GATEWAYS_LOG, encoding="utf-8")
    out = tmp_path / "out"
    result = ccaudit("sources", "parse", "fortigate", log, "--out", out, "--gateway-tz", "FGT-TYO=Asia/Tokyo")
    assert result.code == 0, result.text
    assert _utc(out / "remote_access_events.csv") == {
        "alice": "2026-11-02T00:15:02Z", "bob": "2026-11-01T23:15:02Z", "carol": "2026-11-02T00:15:02Z"}
    zones = json.loads((out / "parse_report.json").read_text(encoding="utf-8"))["time_zone"]["by_gateway"]
    assert [(z["gateway_id"], z["zone"], z["events_with_assumed_zone"]) for z in zones] == [
        ("FGT-TPE", "Asia/Taipei", 1), ("FGT-TYO", "Asia/Tokyo", 1)]
    assert "FGT-TYO had no zone: read as Asia/Tokyo (--gateway-tz FGT-TYO)" in result.text
    # --tz states the zone of the whole file: it wins over a gateway's
    assert ccaudit("sources", "parse", "fortigate", log, "--out", out, "--tz", "UTC",
                   "--gateway-tz", "FGT-TYO=Asia/Tokyo").code == 0
    assert _utc(out / "remote_access_events.csv")["bob"] == "2026-11-02T08:15:02Z"
    bad = ccaudit("sources", "parse", "fortigate", log, "--out", out, "--gateway-tz", "FGT-TYO=Asia/Tokio")
    assert bad.code == 2 and "FGT-TYO" in bad.text and "Asia/Tokio" in bad.text


def test_inspect_takes_a_gateways_zone_from_the_register_or_evidence_yaml(tmp_path: Path) -> None:
    import duckdb

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "gw.log").write_text(GATEWAYS_LOG, encoding="utf-8")
    (evidence / "remote_gateways.csv").write_text(
        "閘道編號,產品,版本,時區\nFGT-TYO,FortiGate,7.2.8,Asia/Tokyo\n", encoding="utf-8")  # zh-TW headers
    (evidence / "evidence.yaml").write_text("gateways:\n  FGT-TPE: {tz: Asia/Shanghai}\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    assert "gateway FGT-TYO give no zone: read as Asia/Tokyo (remote_gateways.csv row 2" in result.text
    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    times = dict(con.execute("SELECT account, utc_time FROM remote_access_events").fetchall())
    con.close()
    assert times == {"alice": "2026-11-02T00:15:02Z", "bob": "2026-11-01T23:15:02Z", "carol": "2026-11-02T00:15:02Z"}
    digest = hashlib.sha256(GATEWAYS_LOG.encode()).hexdigest()
    stored = json.loads((results / "evidence" / "parse_reports" / f"{digest}.parse_report.json").read_text("utf-8"))
    assert {z["gateway_id"]: z["zone"] for z in stored["time_zone"]["by_gateway"]} == {
        "FGT-TPE": "Asia/Shanghai", "FGT-TYO": "Asia/Tokyo"}
    # two statements of one gateway's zone that disagree: refused, naming both
    (evidence / "evidence.yaml").write_text("gateways:\n  fgt-tyo: {tz: UTC}\n", encoding="utf-8")
    refused = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", tmp_path / "again")
    assert refused.code == 2 and "two time zones" in refused.text and "remote_gateways.csv row 2" in refused.text


def test_exports_named_after_no_dataset_are_recognised(tmp_path: Path) -> None:
    from tests.cli.test_sources_variants import FORTIGATE_CEF
    from tests.cli.test_sources_vendors import GET_WINEVENT_CSV

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "Security.csv").write_text(GET_WINEVENT_CSV, encoding="utf-8")  # Get-WinEvent | Export-Csv
    (evidence / "faz-download.csv").write_text(FORTIGATE_CEF, encoding="utf-8")
    (evidence / "assets.csv").write_text("name,owner\nNB-01,alice\n", encoding="utf-8")  # no dataset, no source
    # its times (11/2/2026 ...) do not say whether the month or the day comes first: the firm says so
    (evidence / "evidence.yaml").write_text("files:\n  Security.csv: {date_order: mdy}\n", encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    manifest = json.loads((results / "evidence" / "manifest.json").read_text(encoding="utf-8"))
    raw = {f["original_name"]: f["source"] for f in manifest["files"] if f["dataset"] == "raw_export"}
    assert raw == {"Security.csv": "windows-security", "faz-download.csv": "fortigate"}
    assert "matches no dataset" in manifest["ignored_reasons"]["assets.csv"]


def test_entra_sign_ins_in_the_folder_give_vpn_sessions_their_mfa(tmp_path: Path) -> None:
    from tests.cli.test_sources_vendors import _signin

    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "fgt.log").write_text(FORTIGATE, encoding="utf-8")  # alice's tunnel-up at 00:15:02Z, no MFA logged
    page = {"value": [json.loads(_signin("2026-11-02T00:14:40Z", "alice@corp.example.com", 0,
                                         "multiFactorAuthentication",
                                         [("Password", True), ("Mobile app notification", True)]))]}
    (evidence / "InteractiveSignIns.json").write_text(json.dumps(page, indent=2), encoding="utf-8")
    results = tmp_path / "results"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", results)
    assert result.code == 0, result.text
    assert "fgt.log: 1 session(s) without MFA in the gateway's log took it from identity-provider sign-ins in " \
           "InteractiveSignIns.json" in result.text
    import duckdb

    con = duckdb.connect(str(results / "workspace.duckdb"), read_only=True)
    mfa = dict(con.execute("SELECT person_id, mfa_method FROM remote_sessions").fetchall())
    con.close()
    assert mfa["alice"] == "push" and mfa["dave"] is None  # dave signed in nowhere
