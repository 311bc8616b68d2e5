"""Load on the web workspace: the dashboard and the requirement pages of the demo firm, from N concurrent
clients, over loopback only, bounded in requests AND time (whichever comes first), then stops by itself.

    .venv/bin/python bench/web_load.py                                  # seeds the demo firm on SQLite, serves it
    .venv/bin/python bench/web_load.py --postgres "$(scripts/start-postgres.sh)"   # the same on PostgreSQL
    .venv/bin/python bench/web_load.py --keep /tmp/ws-load        # seed once into a folder, reuse it after
    .venv/bin/python bench/web_load.py --url http://127.0.0.1:8000 --workspace ws.json   # a running server

Without --url it seeds a fresh workspace (ccaudit.demo.workspace: last year's audit signed off and
carried over, this year's demo evidence inspected and attached; on PostgreSQL in a database created
for the run and dropped after it), starts `ccaudit serve` on a free loopback port and stops it at the
end. It logs in as the firm's viewer (password only: viewers need no second factor), warms up, then
sends --requests requests (at most --duration seconds) from --concurrency clients, alternating the
dashboard and the 30 requirement pages. Prints requests/s, p50/p95/p99 latency and errors (any
status other than 200, or no answer), per page kind and in all, against the target: 200 requests/s
with p99 < 300 ms. The client shares the machine with the server: its own CPU time is printed too.

The load comes from `wrk` (Debian package wrk; a C client using a fraction of the CPU the Python client
needs, so the measure is the server's) when it is installed, driven by bench/web_load.lua: the same
session cookie, the same rotation of page paths, bounded by --requests and --duration, every answer but
200 counted as an error. Without wrk (or with --client python) the Python client (httpx, asyncio) does
it and also splits the figures by page kind; wrk's figures are for all pages together.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import httpx

from ccaudit.demo.server import Served

TARGET_RPS = 200.0
TARGET_P99_MS = 300.0


@dataclass
class Sample:
    kind: str
    seconds: float
    ok: bool


@dataclass
class Tally:
    samples: list[Sample] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)


def require_loopback(url: str) -> None:
    """Refuse any target but this machine's loopback: an address in 127.0.0.0/8 or ::1, or `localhost`
    (no other name is looked up: a DNS query is already traffic this script must not cause)."""
    host = urlsplit(url).hostname
    if not host:
        raise SystemExit(f"--url {url!r} names no host")
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise SystemExit(f"--url {url!r}: {host} is not a loopback address (127.0.0.0/8, ::1 or localhost)")


class _Forms(HTMLParser):
    """Every <form>'s action, method and inputs (name -> value), in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "method": values.get("method", "get"), "inputs": {}})
        elif tag in ("input", "button") and self.forms and values.get("name"):
            inputs = self.forms[-1]["inputs"]
            assert isinstance(inputs, dict)
            inputs.setdefault(values["name"], values.get("value", ""))


def submit_form(client: httpx.Client, page_url: str, fields: dict[str, str]) -> httpx.Response:
    """Fill the page's first form that has all `fields` (with its hidden inputs, e.g. the CSRF token)."""
    reply = client.get(page_url)
    reply.raise_for_status()
    parser = _Forms()
    parser.feed(reply.text)
    for form in parser.forms:
        inputs = form["inputs"]
        assert isinstance(inputs, dict)
        if all(name in inputs for name in fields):
            data = {**inputs, **fields}
            return client.post(urljoin(str(reply.url), str(form["action"]) or str(reply.url)), data=data)
    raise SystemExit(f"no form on {page_url} with the fields {', '.join(fields)}")


def login(client: httpx.Client, base: str, user_id: str, password: str) -> None:
    """The log-in form, as a browser fills it (user, password, its CSRF token); a viewer needs no TOTP."""
    reply = submit_form(client, base + "/login", {"user": user_id, "password": password})
    if reply.status_code >= 400 or urlsplit(str(reply.url)).path in ("/login", "/mfa", "/mfa/enrol"):
        raise SystemExit(f"logging in as {user_id} failed: HTTP {reply.status_code} at {reply.url}")


def page_paths(audit_id: int, requirement_ids: list[str]) -> list[tuple[str, str]]:
    """(kind, path): the dashboard between every requirement page, so half the requests are each."""
    paths: list[tuple[str, str]] = []
    for requirement_id in requirement_ids:
        paths.append(("dashboard", f"/audits/{audit_id}"))
        paths.append(("requirement", f"/audits/{audit_id}/requirements/{requirement_id}"))
    return paths


async def _worker(
    client: httpx.AsyncClient, paths: list[tuple[str, str]], start: int, stop_at: float, budget: list[int],
    tally: Tally,
) -> None:  # fmt: skip
    i = start
    while budget[0] > 0 and time.monotonic() < stop_at:
        budget[0] -= 1
        kind, path = paths[i % len(paths)]
        i += 1
        began = time.perf_counter()
        try:
            reply = await client.get(path)
            await reply.aread()
            ok, status = reply.status_code == 200, str(reply.status_code)
        except httpx.HTTPError as exc:
            ok, status = False, type(exc).__name__
        tally.samples.append(Sample(kind, time.perf_counter() - began, ok))
        tally.statuses[status] = tally.statuses.get(status, 0) + 1


async def load(
    base: str, cookies: httpx.Cookies, paths: list[tuple[str, str]], requests: int, duration: float, concurrency: int
) -> tuple[Tally, float]:
    tally = Tally()
    budget = [requests]
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, limits=limits, timeout=30.0) as client:
        began = time.monotonic()
        stop_at = began + duration
        step = max(1, len(paths) // concurrency)
        await asyncio.gather(*(_worker(client, paths, n * step, stop_at, budget, tally) for n in range(concurrency)))
        return tally, time.monotonic() - began


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=1000, method="inclusive")[round(q * 10) - 1]


def report(tally: Tally, elapsed: float, concurrency: int, cpu: float) -> bool:
    print(f"\n{len(tally.samples)} requests in {elapsed:.1f} s from {concurrency} clients "
          f"(load client CPU {cpu:.1f} s); statuses: {json.dumps(tally.statuses, sort_keys=True)}")  # fmt: skip
    heads = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'pages':<12} " + " ".join(f"{h:>8}" for h in heads) + f" {'errors':>7}")
    met = True
    for kind in [*sorted({s.kind for s in tally.samples}), "all"]:
        rows = [s for s in tally.samples if kind in ("all", s.kind)]
        ms = [s.seconds * 1000 for s in rows]
        errors = sum(not s.ok for s in rows)
        rps = len(rows) / elapsed if elapsed else 0.0
        print(f"{kind:<12} {len(rows):>8} {rps:>8.1f} {percentile(ms, 50):>8.1f} {percentile(ms, 95):>8.1f} "
              f"{percentile(ms, 99):>8.1f} {max(ms):>8.1f} {errors:>7}")  # fmt: skip
        if kind == "all":
            met = rps >= TARGET_RPS and percentile(ms, 99) < TARGET_P99_MS and errors == 0
    verdict = "met" if met else "NOT met"
    print(f"target {TARGET_RPS:.0f} req/s with p99 < {TARGET_P99_MS:.0f} ms and no errors: {verdict}")
    return met


@contextlib.contextmanager
def postgres_database(server_url: str, drop: bool = True) -> Iterator[str]:
    """A fresh database on the server for this run, dropped at the end (unless `drop` is false)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"ccaudit_bench_{uuid.uuid4().hex[:12]}"
    url = make_url(server_url)
    require_loopback(f"http://{url.host or '127.0.0.1'}/")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        if drop:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def requirement_ids() -> list[str]:
    from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
    from ccaudit.demo.workspace import AS_OF

    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, AS_OF)
    return [r.id for r in catalog.requirements if r.assessable]


LUA = Path(__file__).with_name("web_load.lua")


def wrk_load(
    base: str, cookies: httpx.Cookies, paths: list[tuple[str, str]], requests: int, duration: float, concurrency: int,
    threads: int = 1,
) -> tuple[dict[str, object], float]:  # fmt: skip
    """Run wrk against `base` (loopback, checked by the caller) and return its WEBLOAD figures and its CPU."""
    require_loopback(base)
    header = "; ".join(f"{c.name}={c.value}" for c in cookies.jar)
    threads = max(1, min(threads, concurrency))
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as listing:
        listing.write("".join(f"{path}\n" for _, path in paths))
    try:
        command = ["wrk", f"-t{threads}", f"-c{concurrency}", f"-d{max(1, round(duration))}s", "--timeout", "30s",
                   "-s", str(LUA), "-H", f"Cookie: {header}", base + "/", "--", listing.name, str(requests),
                   str(threads)]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 120, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    finally:
        os.unlink(listing.name)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WEBLOAD ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed (exit {done.returncode}): {(done.stderr or done.stdout)[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    figures: dict[str, object] = json.loads(line.removeprefix("WEBLOAD "))
    return figures, cpu


def report_wrk(figures: dict[str, object], concurrency: int, cpu: float) -> bool:
    requests = int(str(figures["requests"]))
    elapsed = int(str(figures["duration_us"])) / 1e6
    errors = int(str(figures["errors"])) + sum(int(v) for v in dict(figures["socket_errors"]).values())  # type: ignore[call-overload]
    rps = requests / elapsed if elapsed else 0.0
    ms = {k: int(str(figures[f"{k}_us"])) / 1000 for k in ("p50", "p95", "p99", "max")}
    print(f"\n{requests} requests in {elapsed:.1f} s from {concurrency} connections (wrk, CPU {cpu:.1f} s); "
          f"statuses: {json.dumps(figures['statuses'], sort_keys=True)}, socket errors: "
          f"{json.dumps(figures['socket_errors'], sort_keys=True)}")  # fmt: skip
    heads = ("requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"{'pages':<12} " + " ".join(f"{h:>8}" for h in heads) + f" {'errors':>7}")
    print(f"{'all':<12} {requests:>8} {rps:>8.1f} {ms['p50']:>8.1f} {ms['p95']:>8.1f} {ms['p99']:>8.1f} "
          f"{ms['max']:>8.1f} {errors:>7}")  # fmt: skip
    met = rps >= TARGET_RPS and ms["p99"] < TARGET_P99_MS and errors == 0
    verdict = "met" if met else "NOT met"
    print(f"target {TARGET_RPS:.0f} req/s with p99 < {TARGET_P99_MS:.0f} ms and no errors: {verdict}")
    return met


def use_wrk(choice: str) -> bool:
    if choice == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("--client wrk: wrk is not installed (apt-get install wrk)")
    return choice == "wrk" or (choice == "auto" and shutil.which("wrk") is not None)


def profile(out: Path, pid: int, duration: float) -> subprocess.Popen[bytes]:
    """py-spy sampling the server process (its --workers children too) while the load runs: only threads
    holding the GIL (`--gil`), so the samples are where the interpreter spends its CPU, not where it waits."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [spy, "record", "--pid", str(pid), "--subprocesses", "--duration", str(max(1, round(duration) - 2)),
               "--format", "raw", "--output", str(out), "--nonblocking", "--gil"]  # fmt: skip
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def run(args: argparse.Namespace, base: str, workspace_file: Path, served: Served | None = None) -> bool:
    from ccaudit.demo.workspace import Workspace

    workspace = Workspace.read(workspace_file)
    viewer = workspace.members[args.user]
    with httpx.Client(base_url=base, follow_redirects=True, timeout=30.0) as client:
        try:
            login(client, base, viewer.user_id, viewer.password)
        except httpx.HTTPError as exc:
            raise SystemExit(f"cannot log in at {base}: {exc}") from None
        cookies = client.cookies
        paths = [p for p in page_paths(workspace.audit_id, requirement_ids()) if p[0] in args.pages]
        for kind, path in paths[: len(args.pages)]:
            reply = client.get(path)
            if reply.status_code != 200:
                raise SystemExit(f"GET {path} ({kind}) answered {reply.status_code}: check the page paths")
    wrk = use_wrk(args.client)
    if args.warmup is None:
        args.warmup = 4 * len(paths) * args.workers
    if args.warmup:
        if wrk:
            wrk_load(base, cookies, paths, args.warmup, args.duration, args.concurrency, args.threads)
        else:
            asyncio.run(load(base, cookies, paths, args.warmup, args.duration, args.concurrency))
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    server0 = served.cpu_seconds() if served else 0.0
    spy = profile(args.profile, served.pid, args.duration) if args.profile and served else None
    if wrk:
        figures, cpu = wrk_load(base, cookies, paths, args.requests, args.duration, args.concurrency, args.threads)
        count = int(str(figures["requests"]))
    else:
        tally, elapsed = asyncio.run(load(base, cookies, paths, args.requests, args.duration, args.concurrency))
        cpu1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
        count = len(tally.samples)
    server_cpu = (served.cpu_seconds() - server0) if served else 0.0
    if spy is not None:
        spy.wait(timeout=args.duration + 60)
        print(f"py-spy samples of the server: {args.profile} (collapsed stacks)")
    print(f"server {base}, database {workspace.db_url.split('://', 1)[0]}, load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")  # fmt: skip
    met = report_wrk(figures, args.concurrency, cpu) if wrk else report(tally, elapsed, args.concurrency, cpu)
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True, check=False).stdout.strip()}")
    if served and count:
        per_request = server_cpu / count
        print(f"server CPU {per_request * 1000:.1f} ms per request ({args.workers} process(es)): at most "
              f"{1 / per_request:.0f} requests/s for each core it has to itself")  # fmt: skip
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running server (loopback only); needs --workspace")
    parser.add_argument("--workspace", type=Path, help="workspace.json written when that server's database was seeded")
    parser.add_argument("--postgres", metavar="SERVER_URL", help="seed and serve on PostgreSQL (a fresh database)")
    parser.add_argument("--scale", type=float, default=1.0, help="demo firm size (1 = the demo firm)")
    parser.add_argument("--requests", type=int, default=6000, help="at most this many requests (default 6000)")
    parser.add_argument("--duration", type=float, default=30.0, help="and at most this many seconds (default 30)")
    parser.add_argument("--concurrency", type=int, default=8, help="clients at once (default 8)")
    parser.add_argument("--warmup", type=int, default=None, help="requests sent first, not counted (default: 4 per "
                        "page path and worker, so that every worker's caches are warm)")
    parser.add_argument("--workers", type=int, default=1, help="server processes (ccaudit serve --workers)")
    parser.add_argument("--pages", default="dashboard,requirement", type=lambda v: tuple(v.split(",")),
                        help="page kinds to request, comma-separated (default dashboard,requirement)")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="seed into DIR and keep it; a later run with the "
                        "same DIR serves that workspace again instead of seeding")
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto",
                        help="load client: wrk when installed (auto), or the Python client")
    parser.add_argument("--profile", type=Path, metavar="FILE", help="sample the server with py-spy during the "
                        "load and write its collapsed stacks to FILE")
    parser.add_argument("--no-access-log", dest="access_log", action="store_false",
                        help="start the server with --no-access-log (default: it logs each request, as by default)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: the server needs the cores)")
    parser.add_argument("--user", default="vic", help="workspace member to log in as (default vic, the viewer)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.duration <= 0 or not 1 <= args.concurrency <= 256:
        parser.error("--requests >= 1, --duration > 0 and --concurrency 1..256")
    if not args.pages or set(args.pages) - {"dashboard", "requirement"}:
        parser.error("--pages: dashboard, requirement or both")
    if args.url:
        require_loopback(args.url)
        if not args.workspace:
            parser.error("--url needs --workspace (the workspace.json of that server's database)")
        return 0 if run(args, args.url.rstrip("/"), args.workspace) else 1
    if args.keep and (args.keep / "workspace.json").is_file():  # seeded by an earlier run: serve it again
        from ccaudit.demo.workspace import Workspace

        return 0 if serve_and_run(args, args.keep, Workspace.read(args.keep / "workspace.json").db_url, False) else 1
    with tempfile.TemporaryDirectory(prefix="ccaudit-web-load-") as tmp, contextlib.ExitStack() as stack:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        if args.postgres:
            db = stack.enter_context(postgres_database(args.postgres, drop=args.keep is None))
        else:
            db = f"sqlite:///{root}/audit.db"
        return 0 if serve_and_run(args, root, db, True) else 1


def serve_and_run(args: argparse.Namespace, root: Path, db: str, seed: bool) -> bool:
    from ccaudit.demo.server import serving
    from ccaudit.demo.workspace import seed_workspace
    from ccaudit.settings import Settings

    env = {"CCAUDIT_DATA_DIR": str(root / "data"), "CCAUDIT_ANCHOR_DIR": str(root / "anchors"), "CCAUDIT_DB": db}
    if seed:
        settings = Settings(data_dir=root / "data", anchor_dir=root / "anchors", db=db)
        began = time.monotonic()
        workspace = seed_workspace(settings, root / "demo", scale=args.scale)
        workspace.write(root / "workspace.json")
        print(f"seeded the demo firm (scale {args.scale}) in {time.monotonic() - began:.0f} s", file=sys.stderr)
    extra = ("--insecure-cookies", "--workers", str(args.workers), *(() if args.access_log else ("--no-access-log",)))
    with serving(db, env, root / "server.log", extra_args=extra) as served:
        return run(args, served.url, root / "workspace.json", served)

if __name__ == "__main__":
    sys.exit(main())
