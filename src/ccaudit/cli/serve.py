"""`ccaudit serve`: the web workspace and its REST API (src/ccaudit/web), on uvicorn."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer

from ccaudit.cli.audit.common import DbOpt, load_settings
from ccaudit.cli.console import print_line
from ccaudit.cli.texts import say
from ccaudit.textsafe import visible


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    db: DbOpt = None,
    insecure_cookies: Annotated[bool, typer.Option(
        "--insecure-cookies", help="session cookies without Secure, for plain-HTTP development on loopback only "
        "(same as CCAUDIT_WEB_SECURE_COOKIES=false)")] = False,
    forwarded_allow_ips: Annotated[str, typer.Option(
        "--forwarded-allow-ips", help="proxies whose X-Forwarded-For/-Proto are believed (comma-separated IPs or "
        "networks; '*' trusts anyone who can reach the port)")] = "127.0.0.1",
    workers: Annotated[int, typer.Option(
        "--workers", min=1, max=32, help="server processes, one per free core (sessions, caches' keys and "
        "browser-started runs are in the database, so any worker answers; see docs/web.md)")] = 1,
    access_log: Annotated[bool, typer.Option(
        "--access-log/--no-access-log", help="log each request (method, path, status, client address); off "
        "behind a reverse proxy that logs them already (a few percent of the CPU a request)")] = True,
) -> None:
    """Start the web workspace (default http://127.0.0.1:8000) on the audit database (--db or CCAUDIT_DB)."""
    import uvicorn

    from ccaudit.web.app import create_app

    settings = load_settings(db)
    if insecure_cookies:
        settings = settings.model_copy(update={"web_secure_cookies": False})
    if not settings.web_secure_cookies and host not in ("127.0.0.1", "::1", "localhost"):
        print_line(say("serve_plain_http", settings.lang, host=visible(host)))
    scheme = say("serve_https_proxy", settings.lang) if settings.web_secure_cookies else "http"
    common: dict[str, Any] = {
        "host": host, "port": port, "proxy_headers": True, "forwarded_allow_ips": forwarded_allow_ips,
        "server_header": False, "date_header": True, "log_level": "info", "access_log": access_log,
    }
    if workers == 1:
        app = create_app(settings)
        print_line(say("serve_on", settings.lang, host=visible(host), port=port, scheme=scheme,
                       database=_where(settings.database_url())))
        uvicorn.run(app, **common)
        return
    # Several processes: migrate the database and create the server key once, here, then let each worker
    # build its app from the same settings, passed down as the CCAUDIT_* environment.
    create_app(settings).state.web.service.close()
    os.environ["CCAUDIT_DB"] = settings.database_url()
    os.environ["CCAUDIT_WEB_SECURE_COOKIES"] = "true" if settings.web_secure_cookies else "false"
    print_line(say("serve_on_workers", settings.lang, host=visible(host), port=port, scheme=scheme, workers=workers,
                   database=_where(settings.database_url())))
    uvicorn.run("ccaudit.web.app:app_from_environment", factory=True, workers=workers, **common)


def _where(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
