"""A killed run's folders under DATA_DIR/runs are removed by the next run; a running one's never are;
`verify` keeps naming what is left, and says which belongs to a run in progress."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import FIRM, Team
from .test_cli_audit import Cli

pytestmark = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)

# A process that starts a run as `audit run` does (lock, then its folders), then waits to be killed.
RUNNER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from ccaudit.audit.workflow.leftovers import RunLock
    runs, uid = Path(sys.argv[1]), sys.argv[2]
    with RunLock(runs, uid):
        (runs / f".partial-{uid}" / "evidence").mkdir(parents=True)
        (runs / f"..partial-{uid}.ccaudit-new-0a1b2c").mkdir()
        print("ready", flush=True)
        time.sleep(600)
    """
)


def _start(runs: Path, uid: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, str(runs), uid], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_next_run_removes_a_killed_runs_folders_only(
    team: Team, result_dir: Path, tmp_path: Path, db_url: str
) -> None:
    runs = tmp_path / "data" / "runs"
    team.service.open_audit("alice", FIRM, 2026, dt.date(2026, 11, 30))
    killed, running = "a" * 32, "b" * 32
    dead = _start(runs, killed)
    os.kill(dead.pid, signal.SIGKILL)
    dead.wait()
    alive = _start(runs, running)
    try:
        cli = Cli(tmp_path, db_url)
        out = " ".join(cli("bob", "verify").split())
        assert f".partial-{running} belongs to a run in progress: leave it" in out
        assert f".partial-{killed} is not recorded in the database" in out and "audit attach` removes it" in out

        out = cli("alice", "audit", "attach", "1", result_dir)
        assert f"removed {runs / ('.partial-' + killed)}" in " ".join(out.split())
        left = sorted(p.name for p in runs.iterdir())
        assert not [name for name in left if killed in name]
        assert {f".partial-{running}", f"..partial-{running}.ccaudit-new-0a1b2c", f".partial-{running}.lock"} <= set(
            left
        )  # the concurrent run's folders are untouched
    finally:
        alive.kill()
        alive.wait()
    out = " ".join(Cli(tmp_path, db_url)("bob", "verify").split())
    assert f".partial-{running} is not recorded in the database" in out  # its process is gone now
    assert "verified the audit database" in out
