"""Built-in content: catalogs, dataset templates and checks, as data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BUILTIN = Path(__file__).parent
# libyaml's safe loader when PyYAML was built with it: the same documents, about 7 times less CPU than the
# pure-Python one (every command reads the catalog, the checks and the messages). Content only: evidence
# YAML from a firm goes through evidence/untrusted.py's bounded loader.
CONTENT_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """A content YAML document (catalog, check, cases, messages, access matrix, web words) as Python data."""
    return yaml.load(text, Loader=CONTENT_LOADER)
