"""Fuzzing `ccaudit inspect` with broken evidence in every format it reads (issue 9).

For any mutation of a valid folder (CSV UTF-8 and Big5, XLSX, JSON, NDJSON, Parquet, evidence.yaml):
the command exits 0 or 2 and never raises; a refusal names a file of the folder and leaves no result
folder (nor a temporary one) behind; a success leaves one consistent result folder. A few resource
bombs run as subprocesses under an address-space limit and a timeout.

CI runs a short, derandomised slice. Run it long with, e.g.:
    CCAUDIT_FUZZ_EXAMPLES=2000 CCAUDIT_FUZZ_SEED=random .venv/bin/pytest tests/fuzz -q
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
from io import BytesIO
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccaudit.textsafe import visible

from ..cli.inprocess import inspect
from .corpus import NAMES, PAYLOADS, files, rezip, write, xlsx_bytes

EXAMPLES = int(os.environ.get("CCAUDIT_FUZZ_EXAMPLES", "30"))
RANDOM = os.environ.get("CCAUDIT_FUZZ_SEED") == "random"
TEXT_FILES = ("firm_profile.csv", "remote_sessions.csv", "iot_inventory.json", "network_events.ndjson",
              "evidence.yaml")
SHEET = "xl/worksheets/sheet1.xml"


@st.composite
def mutation(draw: st.DrawFn, content: dict[str, bytes]) -> tuple[str, str, bytes, str]:
    """(file, kind, new bytes, new name) for one file of the folder."""
    name = draw(st.sampled_from(sorted(content)))
    data = content[name]
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "payload", "rename", "member"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if kind == "flip" and data:
        data = data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    elif kind == "truncate":
        data = data[:at]
    elif kind == "insert":
        data = data[:at] + draw(st.binary(min_size=1, max_size=24)) + data[at:]
    elif kind == "payload" and name in TEXT_FILES and _is_utf8(data):
        text = data.decode("utf-8-sig")
        tokens = [t for t in ("E1", "S1", "D1", "N1", "9A00", "2026-10-01", "2026-10-31", "ssl_vpn", "camera",
                              "big5", "people.csv") if t in text]
        if tokens:
            payload = draw(st.sampled_from(PAYLOADS))
            if name.endswith((".json", ".ndjson")):
                payload = json.dumps(payload)[1:-1]
            text = text.replace(draw(st.sampled_from(tokens)), payload, 1)
            data = text.encode()
    elif kind == "member" and name.endswith(".xlsx") and data == files().get(name):  # not yet broken
        with zipfile.ZipFile(BytesIO(data)) as book:
            sheet = book.read(SHEET).decode()
        payload = draw(st.sampled_from([*PAYLOADS[:12], "<c", "</row>", "&amp", "]]>", "\x00"]))
        sheet = sheet.replace(draw(st.sampled_from(["R1", "管理者", "role_id", "<row", "</sheetData>"])), payload, 1)
        data = rezip(data, {SHEET: sheet.encode(errors="surrogatepass")})
    new_name = name
    if kind == "rename" and name != "evidence.yaml":
        stem, dot, suffix = name.partition(".")
        new_name = f"{stem}_{draw(st.sampled_from(NAMES))}{dot}{suffix}"
    return name, kind, data, new_name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def _check(folder: Path, out: Path) -> None:
    run = inspect(folder, out)  # raises (fails the example) on anything but SystemExit
    assert run.code in (0, 2), run.text
    assert "Traceback" not in run.err
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.ccaudit-")]
    assert not leftovers, leftovers
    if run.code == 2:
        names = [visible(p.name) for p in folder.rglob("*")] + ["evidence.yaml"]
        assert any(n in run.text for n in names), run.text
        assert not out.exists(), "a refused run left a result folder"
    else:
        findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
        manifest = json.loads((out / "evidence" / "manifest.json").read_text(encoding="utf-8"))
        assert findings["run_id"] == manifest["run_id"] is not None


@settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_broken_folder_exits_0_or_2_and_never_leaves_half_a_result(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    content = files()
    for _ in range(data.draw(st.integers(1, 3))):
        name, _kind, new, new_name = data.draw(mutation(content))
        del content[name]
        content[new_name] = new
    root = tmp_path_factory.mktemp("fuzz")
    write(root / "ev", {n: b for n, b in content.items() if "\x00" not in n})
    _check(root / "ev", root / "r")


# --- resource bombs, in a subprocess with bounded memory and time -----------------------------------

LIMIT = 3 << 30


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _bomb_yaml(levels: int) -> bytes:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return ("\n".join(lines) + "\n").encode()


def _xlsx_bomb() -> bytes:
    book = xlsx_bytes([["role_id", "role_name"], ["R1", "x"]])
    sheet = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>role_id</t></is></c></row><row r="2"><c r="A2" '
             f't="inlineStr"><is><t>{"A" * 50_000_000}</t></is></c></row></sheetData></worksheet>')
    return rezip(book, {SHEET: sheet.encode()})


@pytest.mark.parametrize(("name", "make", "says"), [
    ("evidence.yaml", lambda: _bomb_yaml(10), "aliases"),
    ("evidence.yaml", lambda: b"a: " + b"[" * 100_000 + b"]" * 100_000, "nested more than"),
    ("roles.xlsx", _xlsx_bomb, "CCAUDIT_XLSX_MAX_COMPRESSION_RATIO"),
    ("remote_sessions.csv", lambda: b"session_id,person_id,start_time\n" + b"S" * 30_000_000, "remote_sessions.csv"),
])
def test_resource_bombs_are_refused_within_bounded_memory_and_time(
    tmp_path: Path, name: str, make: object, says: str
) -> None:
    content = files()
    content[name] = make()  # type: ignore[operator]
    write(tmp_path / "ev", content)
    env = {**os.environ, "COLUMNS": "250", "CCAUDIT_DUCKDB_MEMORY_LIMIT": "1GB", "CCAUDIT_DUCKDB_THREADS": "2"}
    run = subprocess.run(
        [sys.executable, "-m", "ccaudit", "inspect", tmp_path / "ev", "--as-of", "2026-11-30", "--out", tmp_path / "r"],
        capture_output=True, text=True, env=env, preexec_fn=_bounded, timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and says in " ".join(run.stderr.split())
    assert not (tmp_path / "r").exists()
