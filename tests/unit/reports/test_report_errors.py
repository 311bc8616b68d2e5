"""`ccaudit report` on bad input or an unwritable folder: exit 2 with one clear message, and nothing
half-written (every format is staged in a temporary folder and moved into place at the end)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from ccaudit.cli import main as cli_main
from ccaudit.reports import from_result_dir, generate, report_to_json
from ccaudit.reports.model import ReportError
from ccaudit.settings import Settings


def _report(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    monkeypatch.setattr("sys.argv", ["ccaudit", "report", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli_main.main()
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.err


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


@pytest.fixture
def results(make_result_dir: Callable[..., Path]) -> Path:
    return make_result_dir("r", big=30)


def test_an_unwritable_out_folder_exits_2(results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    code, err = _report(monkeypatch, capsys, str(results), "--out", str(blocker / "reports"), "--format", "all")
    assert code == 2
    assert "cannot write the reports into" in err and "a-file" in err and "Traceback" not in err
    assert blocker.read_text() == "not a folder"


def test_an_impossible_as_of_exits_2_before_any_format_is_written(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    findings = results / "findings.json"
    doc = json.loads(findings.read_text(encoding="utf-8"))
    doc["as_of"] = "2026-02-30"
    findings.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    code, err = _report(monkeypatch, capsys, str(results), "--out", str(out), "--format", "xlsx,json,pdf")
    assert code == 2
    assert "as_of is '2026-02-30', not a date" in err and "Traceback" not in err
    assert _files(out) == []


def test_a_missing_offending_file_exits_2(results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    doc = json.loads((results / "findings.json").read_text(encoding="utf-8"))
    named = next(c for f in doc["findings"] for c in f["checks"] if c.get("offending_file"))
    (results / named["offending_file"]).unlink()
    out = tmp_path / "out"
    code, err = _report(monkeypatch, capsys, str(results), "--out", str(out), "--format", "all")
    assert code == 2
    assert named["offending_file"] in err and named["check_id"] in err and "is missing" in err
    assert _files(out) == []


def test_a_failure_mid_way_leaves_the_last_reports_as_they_were(
    results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    inp = from_result_dir.load(results, settings)
    out = tmp_path / "out"
    generate.generate(inp, ["xlsx", "csv"], out, "zh-TW", settings)
    before = {name: (out / name).read_bytes() for name in _files(out) if (out / name).is_file()}

    def disk_full(*args: object, **kwargs: object) -> Path:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_to_json, "write_json", disk_full)
    with pytest.raises(ReportError, match="No space left on device"):
        generate.generate(inp, ["xlsx", "csv", "json"], out, "zh-TW", settings)
    assert {name: (out / name).read_bytes() for name in _files(out) if (out / name).is_file()} == before


def test_a_new_run_replaces_a_folder_format_whole(results: Path, tmp_path: Path, settings: Settings) -> None:
    inp = from_result_dir.load(results, settings)
    out = tmp_path / "out"
    (out / "csv").mkdir(parents=True)
    (out / "csv" / "from-another-firm.csv").write_text("x")
    written = generate.generate(inp, ["csv"], out, "zh-TW", settings)
    assert all(p.is_file() and p.is_relative_to(out / "csv") for p in written)
    assert not (out / "csv" / "from-another-firm.csv").exists()
    assert [p.name for p in out.iterdir()] == ["csv"]  # no staging folder left behind


def test_the_schema_refuses_impossible_dates() -> None:
    root = report_to_json.schema()
    date = jsonschema.Draft202012Validator({"$ref": "#/$defs/date", "$defs": root["$defs"]},
                                           format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    date.validate("2028-02-29")
    for bad in ("2026-02-30", "2026-13-01", "20261130"):
        with pytest.raises(jsonschema.ValidationError):
            date.validate(bad)
