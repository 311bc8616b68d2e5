"""Built-in content: catalogs, dataset templates and checks, as data."""

from __future__ import annotations

from pathlib import Path

BUILTIN = Path(__file__).parent
