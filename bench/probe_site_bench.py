"""How long `ccaudit probe site` takes per page read and per link clicked, against a synthetic website served
on 127.0.0.1 (nothing else is touched): PAGES pages in a chain from the start page, each with LINKS links to
social media, alternately with a confirm() notice and without one.

    .venv/bin/python bench/probe_site_bench.py [--pages 10] [--links 3]

Prints the wall time of the whole probe (browser start, crawl, clicks, files), seconds per page and per
click, and checks that every link was classified as served (a notice where there is one, none elsewhere).
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PLATFORMS = ["https://www.facebook.com/p{}", "https://www.instagram.com/p{}", "https://line.me/R/ti/p/@p{}",
             "https://www.youtube.com/@p{}"]


def page(n: int, pages: int, links: int) -> bytes:
    out = [f"<html><head><title>page {n}</title></head><body><h1>page {n}</h1>"]
    if n + 1 < pages:
        out.append(f'<a href="/p{n + 1}">next</a>')
    for i in range(links):
        href = PLATFORMS[i % len(PLATFORMS)].format(f"{n}-{i}")
        notice = " onclick=\"return confirm('您即將離開本網站')\"" if i % 2 == 0 else ""
        out.append(f'<footer><a href="{href}"{notice}>link {i}</a></footer>')
    out.append("</body></html>")
    return "\n".join(out).encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--links", type=int, default=3)
    args = parser.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # http.server's name
            n = 0 if self.path == "/" else int(self.path.lstrip("/p") or 0)
            body = page(n, args.pages, args.links)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        register = Path(tmp) / "official_websites.csv"
        register.write_text(f"site_id,url\nWEB-01,http://127.0.0.1:{server.server_address[1]}/\n", encoding="utf-8")
        env = {**os.environ, "CCAUDIT_PROBE_RATE_PER_SECOND": "0",
               "CCAUDIT_PROBE_SITE_MAX_DEPTH": str(args.pages), "CCAUDIT_PROBE_SITE_MAX_PAGES": str(args.pages)}
        started = time.perf_counter()
        command = [sys.executable, "-c", "from ccaudit.cli.main import main; main()", "probe", "site",
                   "--targets", str(register), "--out", str(Path(tmp) / "ev")]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            sys.exit(f"probe failed ({done.returncode}): {done.stderr[-2000:]}")
        with (Path(tmp) / "ev" / "website_outbound_links.csv").open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    server.shutdown()
    clicks = len(rows)
    right = sum(1 for r in rows if (r["notice_kind"] == "dialog") == r["link_url"].split("/")[-1].endswith(
        tuple(f"-{i}" for i in range(0, args.links, 2))))
    print(f"pages {args.pages}, links clicked {clicks} (expected {args.pages * args.links}), "
          f"classified as served: {right}/{clicks}")
    print(f"wall {seconds:.1f} s (browser start, crawl, clicks, files); "
          f"{seconds / max(clicks, 1):.2f} s per click including the page's reload")


if __name__ == "__main__":
    main()
