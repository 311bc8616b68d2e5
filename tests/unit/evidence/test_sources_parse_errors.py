"""What `sources parse` says when DuckDB cannot go on: the file's encoding only when that is the cause."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from ccaudit.errors import EvidenceError
from ccaudit.rawsources import parse as parse_module
from ccaudit.rawsources.parse import ParseRequest, parse

LINE = ('date=2026-11-02 time=08:15:02 devname="FGT-HQ-01" devid="FG100FTK20000001" tz="+0800" '
        'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" logdesc="SSL VPN tunnel up" '
        'action="tunnel-up" tunneltype="ssl-tunnel" tunnelid=1436452612 remip=203.0.113.7 tunnelip=10.212.134.200 '
        'user="alice" group="VPN-Users" msg="SSL tunnel established"\n')


def _request(tmp_path: Path, log: Path) -> ParseRequest:
    return ParseRequest(source="fortigate", files=(log,), out=tmp_path / "out", zone="Asia/Taipei", zone_origin="test")


def test_bytes_that_are_not_utf8_after_a_utf8_start_name_the_encoding_and_the_line(tmp_path: Path) -> None:
    log = tmp_path / "fgt.log"
    body = LINE.encode() * 2000  # past the first 64 KiB the encoding sniffer reads
    log.write_bytes(body + b'date=2026-03-02 time=09:00:01 user="\xff\xfe" action="tunnel-down"\n')
    with pytest.raises(EvidenceError) as caught:
        parse(_request(tmp_path, log))
    assert "cannot be read as UTF-8 text (line 2001)" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_an_engine_error_that_is_not_about_encoding_is_not_called_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "fgt.log"
    log.write_text(LINE * 5, encoding="utf-8")

    def broken(*_: object, **__: object) -> dict[str, object]:
        raise duckdb.BinderException("Binder Error: Referenced column \"x\" not found")

    monkeypatch.setattr(parse_module, "_parse_file", broken)
    with pytest.raises(EvidenceError) as caught:
        parse(_request(tmp_path, log))
    message = str(caught.value)
    assert "could not be parsed" in message and "Referenced column" in message
    assert "UTF-8" not in message
