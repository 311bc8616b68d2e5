"""Which methods a path takes, for the `Allow` header of a 405 answer (RFC 9110 15.5.6): a path the app knows,
asked with a method it does not take, is answered 405 with every method it does take, never 404.

Found by asking the routes themselves (Starlette's `BaseRoute.matches`) whether each method would be a full
match for the request's path, so the answer follows the routes as they are declared."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def route_path(scope: Scope) -> str:
    """The request's path as routes match it (without the root path a proxy mounts the app under)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope, path: str | None = None) -> list[str]:
    """The methods of METHODS some route takes on `path` (default: the request's own path)."""
    probe = {**scope, "path": route_path(scope) if path is None else path, "root_path": ""}
    found = list(routes)
    return [m for m in METHODS if any(r.matches({**probe, "method": m})[0] is Match.FULL for r in found)]


def pages_take_head(routes: Iterable[BaseRoute]) -> None:
    """Every page a GET reaches also answers HEAD (RFC 9110 9.3.2: the same status and headers, no body), as
    monitors and link checkers ask it; the REST API keeps the methods its OpenAPI document declares."""
    for route in routes:
        methods = getattr(route, "methods", None)
        path = str(getattr(route, "path", ""))
        if isinstance(methods, set) and "GET" in methods and not path.startswith(("/api", "/api/")):
            methods.add("HEAD")


class HeadWithoutBody:
    """A HEAD request's answer goes out without the body the GET handler made (its headers, Content-Length
    included, as GET's); servers drop it too, this makes it so whatever serves the app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, headers_only)
