"""`ccaudit probe tls` against servers the tests start on 127.0.0.1: what a user reads in
sensitive_endpoints.csv, tls_observations.json and on the terminal, and that the output feeds 12.1.2."""

from __future__ import annotations

import csv
import datetime as dt
import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import FIRM_HEADER, ccaudit
from tests.probes.servers import LOOPBACK, NOW, Pki, closed_port, listening, reply, smtp_handler, tls_handler

HEADER = "endpoint_id,host,port,protocol,http_port,ssh_port,ftp_port,telnet_port\n"
REDIRECT = b"HTTP/1.1 301 Moved Permanently\r\nLocation: https://127.0.0.1/\r\nContent-Length: 0\r\n\r\n"
PLAIN = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<html><title>Login</title></html>"


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCAUDIT_PROBE_TIMEOUT_SECONDS", "3")  # loaded machines: never time out a live server
    monkeypatch.setenv("CCAUDIT_PROBE_RATE_PER_SECOND", "0")


@pytest.fixture()
def pki(tmp_path: Path) -> Pki:
    folder = tmp_path / "pki"
    folder.mkdir()
    return Pki.make(folder)


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {r["endpoint_id"]: r for r in csv.DictReader(fh)}


def _observations(out: Path, endpoint: str, test: str) -> list[dict[str, Any]]:
    doc = json.loads((out / "tls_observations.json").read_text(encoding="utf-8"))
    return [o for o in doc["observations"] if o["endpoint_id"] == endpoint and o["test"] == test]


def test_good_expired_wrong_name_and_plain_http(tmp_path: Path, pki: Pki) -> None:
    good = pki.leaf("good", ip=LOOPBACK)
    expired = pki.leaf("expired", ip=LOOPBACK, not_before=NOW - dt.timedelta(days=400),
                       not_after=NOW - dt.timedelta(days=5))
    wrong = pki.leaf("wrong", dns="other.example.com.tw")
    with listening(tls_handler(*good), tls_handler(*expired), tls_handler(*wrong), reply(REDIRECT, True),
                   reply(PLAIN, True)) as (g, e, w, redirect, plain):
        register = tmp_path / "sensitive_endpoints.csv"
        register.write_text(HEADER + f"EP-GOOD,{LOOPBACK},{g.port},https,{redirect.port},,,\n"
                            f"EP-EXP,{LOOPBACK},{e.port},https,{plain.port},,,\n"
                            f"EP-NAME,{LOOPBACK},{w.port},https,{closed_port()},,,\n", encoding="utf-8")
        out = tmp_path / "evidence"
        result = ccaudit("probe", "tls", "--targets", register, "--out", out, "--ca", pki.ca_pem)
    assert result.code == 0, result.text
    rows = _rows(out / "sensitive_endpoints.csv")

    assert rows["EP-GOOD"]["tls_version"] == "TLSv1.2, TLSv1.3"
    assert rows["EP-GOOD"]["certificate_expires_on"] == (NOW + dt.timedelta(days=90)).date().isoformat()
    assert rows["EP-GOOD"]["host_name_matches"] == "true"
    assert rows["EP-GOOD"]["chain_verified"] == "true"
    assert rows["EP-GOOD"]["plain_http"] == "redirects_to_https"
    versions = {o["version"]: o["result"] for o in _observations(out, "EP-GOOD", "tls_version")}
    assert versions["TLSv1.2"] == versions["TLSv1.3"] == "accepted"
    assert versions["TLSv1"] in ("refused", "could_not_test")  # never "accepted" from a TLS 1.2+ server

    assert rows["EP-EXP"]["certificate_expires_on"] == (NOW - dt.timedelta(days=5)).date().isoformat()
    assert rows["EP-EXP"]["chain_verified"] == "false"
    assert "expired" in _observations(out, "EP-EXP", "chain")[0]["detail"]
    assert _observations(out, "EP-EXP", "certificate")[0]["days_to_expiry"] < 0
    assert rows["EP-EXP"]["plain_http"] == "serves_plain"

    assert rows["EP-NAME"]["host_name_matches"] == "false"
    assert rows["EP-NAME"]["chain_verified"] == "true"  # the chain is sound; only the name is wrong
    assert rows["EP-NAME"]["plain_http"] == "refused"
    assert "host name matches: no" in result.text


def test_without_the_ca_the_chain_is_not_verified(tmp_path: Path, pki: Pki) -> None:
    with listening(tls_handler(*pki.leaf("good", ip=LOOPBACK))) as (g,):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"EP-1,{LOOPBACK},{g.port},tls,,,,\n", encoding="utf-8")
        assert ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev").code == 0
    assert _rows(tmp_path / "ev" / "sensitive_endpoints.csv")["EP-1"]["chain_verified"] == "false"


def test_tls_1_0_is_flagged_or_reported_untestable(tmp_path: Path, pki: Pki) -> None:
    handler = tls_handler(*pki.leaf("legacy", ip=LOOPBACK), minimum=ssl.TLSVersion.TLSv1, legacy=True)
    with listening(handler) as (legacy,):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"EP-OLD,{LOOPBACK},{legacy.port},tls,,,,\n", encoding="utf-8")
        result = ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev", "--ca", pki.ca_pem)
    assert result.code == 0, result.text
    tls1 = next(o for o in _observations(tmp_path / "ev", "EP-OLD", "tls_version") if o["version"] == "TLSv1")
    if tls1["result"] == "accepted":
        assert "TLSv1," in _rows(tmp_path / "ev" / "sensitive_endpoints.csv")["EP-OLD"]["tls_version"]
        assert "below 1.2: TLSv1" in result.text
    else:  # this machine's OpenSSL would not offer it: said so, not passed off as refused
        assert tls1["result"] == "could_not_test"
        assert "could not test TLSv1" in result.text


def test_file_transfer_sftp_offered_ftp_answers_telnet_refused(tmp_path: Path) -> None:
    hostile = b"220 \x1b[31mFTP ready\x1b[0m\r\n"
    with listening(reply(b"SSH-2.0-OpenSSH_9.6\r\n"), reply(hostile)) as (ssh, ftp):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"EP-SFTP,{LOOPBACK},{ssh.port},sftp,,,{ftp.port},{closed_port()}\n",
                            encoding="utf-8")
        result = ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev", "--lang", "zh-TW")
    assert result.code == 0, result.text
    assert "提供SFTP：是，拒絕明文FTP：否，拒絕Telnet：是" in result.text
    row = _rows(tmp_path / "ev" / "sensitive_endpoints.csv")["EP-SFTP"]
    assert (row["sftp_offered"], row["plain_ftp_refused"], row["telnet_refused"]) == ("true", "false", "true")
    assert row["tls_version"] == ""  # SFTP is not TLS: nothing claimed
    ftp_seen = _observations(tmp_path / "ev", "EP-SFTP", "plain_ftp")[0]
    assert ftp_seen["result"] == "ftp" and "\\x1b[31m" in ftp_seen["detail"]
    assert "\x1b" not in result.out + result.err


def test_only_outside_the_register_is_refused_before_any_connection(tmp_path: Path) -> None:
    with listening(reply(b"")) as (server,):
        register = tmp_path / "敏感資料端點.csv"  # Big5, Chinese headers: read by the evidence importer
        register.write_bytes(f"端點編號,主機,埠號,通訊協定\nEP-1,{LOOPBACK},{server.port},https\n".encode("cp950"))
        result = ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev",
                         "--only", f"{LOOPBACK}:{server.port}", "--only", "192.0.2.7:443")
        assert result.code == 2
        assert "192.0.2.7:443 is not in the register" in result.text
        assert server.accepted == 0
    assert not (tmp_path / "ev").exists()


def test_a_target_that_never_answers_is_reported_timed_out(tmp_path: Path) -> None:
    with listening(None) as (silent,):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"EP-1,{LOOPBACK},{silent.port},https,{closed_port()},,,\n", encoding="utf-8")
        result = ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev",
                         "--only", f"{LOOPBACK}:{silent.port}")
    assert result.code == 0, result.text
    results = {o["result"] for o in _observations(tmp_path / "ev", "EP-1", "tls_version")}
    assert results <= {"timed_out", "could_not_test"} and "timed_out" in results
    assert _rows(tmp_path / "ev" / "sensitive_endpoints.csv")["EP-1"]["tls_version"] == ""


def test_probe_output_feeds_the_12_1_2_checks(tmp_path: Path, pki: Pki) -> None:
    expired = pki.leaf("expired", ip=LOOPBACK, not_before=NOW - dt.timedelta(days=400),
                       not_after=NOW - dt.timedelta(days=5))
    with listening(tls_handler(*pki.leaf("good", ip=LOOPBACK)), tls_handler(*expired),
                   tls_handler(*pki.leaf("wrong", dns="other.example.com.tw")), reply(PLAIN, True)) as (g, e, w, plain):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"EP-GOOD,{LOOPBACK},{g.port},https,{closed_port()},,,\n"
                            f"EP-EXP,{LOOPBACK},{e.port},https,{closed_port()},,,\n"
                            f"EP-NAME,{LOOPBACK},{w.port},https,{closed_port()},,,\n"
                            f"EP-PLAIN,{LOOPBACK},{g.port},https,{plain.port},,,\n", encoding="utf-8")
        evidence = tmp_path / "ev"
        assert ccaudit("probe", "tls", "--targets", register, "--out", evidence, "--ca", pki.ca_pem).code == 0
    (evidence / "firm_profile.csv").write_text(FIRM_HEADER + "9A00,Test,N,Y,N,N,N,N\n", encoding="utf-8")
    result = ccaudit("inspect", evidence, "--as-of", NOW.date().isoformat(), "--out", tmp_path / "r")
    assert result.code == 0, result.text

    def offending(check: str) -> dict[str, str]:
        with (tmp_path / "r" / "offending" / f"{check}.csv").open(encoding="utf-8-sig") as fh:
            return {r["endpoint_id"]: r["problem"] for r in csv.DictReader(fh)}

    assert offending("sensitive_endpoint_tls_sound") == {
        "EP-EXP": "certificate expired on or before the as-of date",
        "EP-NAME": "certificate does not match the host name"}
    assert offending("sensitive_data_sent_encrypted") == {
        "EP-PLAIN": "plain HTTP serves content beside the encrypted endpoint"}


def test_a_register_left_beside_the_probe_file_is_pointed_out(tmp_path: Path) -> None:
    evidence = tmp_path / "ev"
    evidence.mkdir()
    register = evidence / "敏感資料端點.csv"  # the register under its Chinese name, in the evidence folder
    register.write_text(HEADER + f"EP-1,{LOOPBACK},{closed_port()},sftp,,,{closed_port()},{closed_port()}\n",
                        encoding="utf-8")
    result = ccaudit("probe", "tls", "--targets", register, "--out", evidence)
    assert result.code == 0, result.text
    assert "敏感資料端點.csv is the same dataset as the probe's file: keep one" in result.text
    row = _rows(evidence / "sensitive_endpoints.csv")["EP-1"]
    assert (row["sftp_offered"], row["plain_ftp_refused"], row["telnet_refused"]) == ("false", "true", "true")


def test_smtp_starttls_is_found_and_its_tls_tested_through_it(tmp_path: Path, pki: Pki) -> None:
    with listening(smtp_handler(*pki.leaf("mail", ip=LOOPBACK)), smtp_handler(None, None)) as (tls_mail, plain_mail):
        register = tmp_path / "endpoints.csv"
        register.write_text(HEADER + f"MX-TLS,{LOOPBACK},{tls_mail.port},smtp,,,,\n"
                            f"MX-PLAIN,{LOOPBACK},{plain_mail.port},smtp,,,,\n", encoding="utf-8")
        result = ccaudit("probe", "tls", "--targets", register, "--out", tmp_path / "ev", "--ca", pki.ca_pem)
    assert result.code == 0, result.text
    rows = _rows(tmp_path / "ev" / "sensitive_endpoints.csv")
    assert rows["MX-TLS"]["starttls_offered"] == "true"
    assert rows["MX-TLS"]["tls_version"] == "TLSv1.2, TLSv1.3"  # each version offered after EHLO and STARTTLS
    assert (rows["MX-TLS"]["host_name_matches"], rows["MX-TLS"]["chain_verified"]) == ("true", "true")
    assert rows["MX-PLAIN"]["starttls_offered"] == "false" and rows["MX-PLAIN"]["tls_version"] == ""
    assert "250-mail.test" in _observations(tmp_path / "ev", "MX-PLAIN", "starttls")[0]["detail"]
