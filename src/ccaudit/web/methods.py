"""Which methods a path takes, for the `Allow` header of a 405 answer (RFC 9110 15.5.6): a path the app knows,
asked with a method it does not take, is answered 405 with every method it does take, never 404.

Found by asking the routes themselves (Starlette's `BaseRoute.matches`) whether each method would be a full
match for the request's path, so the answer follows the routes as they are declared."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

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
