"""A failing row as a sentence an auditor can paste into a working paper."""

from __future__ import annotations

import datetime as dt
import string
from typing import Any


class _Row(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(template: str, row: dict[str, Any]) -> str:
    fields = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    values = _Row({k: _text(row.get(k)) for k in fields if k in row})
    return template.format_map(values)


def jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in row.items():
        if isinstance(value, dt.datetime | dt.date):
            out[key] = value.isoformat()
        elif isinstance(value, float | int | str | bool) or value is None:
            out[key] = value
        else:
            out[key] = str(value)
    return out
