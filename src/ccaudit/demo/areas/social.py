"""Demo evidence for the social area (to be written)."""

from __future__ import annotations

from ccaudit.demo.context import FirmContext


def generate(ctx: FirmContext) -> None:
    return None
