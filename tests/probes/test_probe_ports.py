"""`ccaudit probe ports` against listeners the tests start on 127.0.0.1: open ports against the type's
baseline, clear-text log-ins and default-login admin pages spotted from greetings, refusals before any packet."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from tests.cli.inprocess import ccaudit
from tests.probes.servers import LOOPBACK, closed_port, listening, reply

HEADER = "device_id,device_type,default_password_changed,address,probe_ports,status\n"
ADMIN = (b"HTTP/1.0 200 OK\r\nServer: GoAhead-Webs\r\nContent-Type: text/html\r\n\r\n"
         b"<html><head><title>NETSurveillance WEB</title></head></html>")


@pytest.fixture(autouse=True)
def _quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCAUDIT_PROBE_TIMEOUT_SECONDS", "3")  # loaded machines: never time out a live server
    monkeypatch.setenv("CCAUDIT_PROBE_RATE_PER_SECOND", "0")


def _rows(out: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (out / "iot_port_observations.csv").open(encoding="utf-8", newline="") as fh:
        return {(r["device_id"], r["port"]): r for r in csv.DictReader(fh)}


def _raw(out: Path) -> dict[str, Any]:
    return json.loads((out / "port_observations.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def test_open_ports_against_the_firms_baseline(tmp_path: Path) -> None:
    telnet = b"\xff\xfd\x18\xff\xfd\x20\r\n\x1b[2Jlogin: "
    with listening(reply(telnet), reply(ADMIN, True), reply(b"RTSP/1.0 200 OK\r\n"), None) as (t, admin, rtsp,
                                                                                                 silent):
        closed = closed_port()
        ports = f"{t.port};{admin.port};{rtsp.port};{closed};{silent.port}"
        register = tmp_path / "物聯網設備清冊.csv"
        register.write_text(HEADER + f"CAM-01,ip_camera,Y,{LOOPBACK},{ports},active\n"
                            f"CAM-02,ip_camera,Y,,,active\nCAM-03,ip_camera,Y,{LOOPBACK},,retired\n",
                            encoding="utf-8")
        baselines = tmp_path / "baselines.csv"
        baselines.write_text(f"device_type,allowed_ports\nip_camera,{admin.port};{rtsp.port}\n", encoding="utf-8")
        out = tmp_path / "ev"
        result = ccaudit("probe", "ports", "--targets", register, "--out", out, "--baselines", baselines)
    assert result.code == 0, result.text
    rows = _rows(out)
    assert set(rows) == {("CAM-01", str(p)) for p in (t.port, admin.port, rtsp.port, closed, silent.port)}
    tel = rows[("CAM-01", str(t.port))]
    assert (tel["state"], tel["service"], tel["allowed_by_baseline"], tel["cleartext_login"]) == (
        "open", "telnet", "false", "true")
    page = rows[("CAM-01", str(admin.port))]
    assert (page["service"], page["allowed_by_baseline"], page["default_login_suspected"]) == ("http", "true", "true")
    assert rows[("CAM-01", str(rtsp.port))]["allowed_by_baseline"] == "true"
    assert rows[("CAM-01", str(closed))]["state"] == "closed"
    assert rows[("CAM-01", str(silent.port))]["state"] in ("open", "filtered")  # accepted by the kernel, mute
    raw = _raw(out)
    assert {s["device_id"] for s in raw["not_probed"]} == {"CAM-02", "CAM-03"}
    banner = next(o for o in raw["observations"] if o["port"] == t.port)["banner"]
    assert "\\x1b[2J" in banner and "\x1b" not in banner
    assert "\x1b" not in result.out + result.err
    assert f"{t.port}/telnet (not in its type's baseline, clear-text log-in)" in result.text
    assert "NETSurveillance" in next(o for o in raw["observations"] if o["port"] == admin.port)["http_title"]


def test_only_outside_the_register_is_refused_before_any_connection(tmp_path: Path) -> None:
    with listening(reply(b"SSH-2.0-x\r\n")) as (ssh,):
        register = tmp_path / "iot_inventory.csv"
        register.write_text(HEADER + f"CAM-01,ip_camera,Y,{LOOPBACK},{ssh.port},active\n", encoding="utf-8")
        for wanted in ("10.0.0.9", f"{LOOPBACK}:{closed_port()}", "CAM-99"):
            result = ccaudit("probe", "ports", "--targets", register, "--out", tmp_path / "ev", "--only", wanted)
            assert result.code == 2 and "is not in the register" in result.text, result.text
        assert ssh.accepted == 0
        assert not (tmp_path / "ev").exists()
        ok = ccaudit("probe", "ports", "--targets", register, "--out", tmp_path / "ev", "--only",
                     f"{LOOPBACK}:{ssh.port}", "--lang", "zh-TW")
    assert ok.code == 0, ok.text
    assert _rows(tmp_path / "ev")[("CAM-01", str(ssh.port))]["service"] == "ssh"
    assert (f"CAM-01 {LOOPBACK}（ip_camera）：開啟 {ssh.port}（共試 1 個）；曝露：{ssh.port}/ssh（不在其類型基準內）"
            in ok.text)
    assert "已探測登錄之 1 台設備中之 1 台" in ok.text


def test_a_register_that_is_not_an_iot_inventory_is_refused(tmp_path: Path) -> None:
    register = tmp_path / "devices.csv"
    register.write_text("name,ip\ncam,127.0.0.1\n", encoding="utf-8")
    result = ccaudit("probe", "ports", "--targets", register, "--out", tmp_path / "ev")
    assert result.code == 2
    assert "devices.csv" in result.text
