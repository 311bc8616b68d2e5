"""Firm data shown on a terminal: control characters made visible, so a value or a file name can
neither drive the terminal (ANSI escapes, C1 codes, carriage returns) nor spoof a message (line
breaks, bidirectional overrides). `\\x1b` prints as the four characters `\\x1b`."""

from __future__ import annotations

import re

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0, DEL, C1, the bidirectional embeddings/overrides/isolates and marks (LRM, RLM, ALM) that reorder what is
# shown, zero-width and other invisible characters (a name 'al<ZWSP>ice' must not print as another's), and lone
# surrogates (a file name's bytes that are not UTF-8), which no terminal encoding can print.
_INVISIBLE = "\u061c\u200b-\u200f\u2060-\u2064\ufeff"
_CONTROL = re.compile(f"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069{_INVISIBLE}\ud800-\udfff]")
_CONTROL_BUT_LINES = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069{_INVISIBLE}\ud800-\udfff]")


# What the evidence import drops from identifiers (evidence/normalize.py), as an RE2 character class for DuckDB:
# controls, format characters (zero-width, direction marks, BOM), the combining grapheme joiner, Hangul fillers,
# the Braille blank and variation selectors. Here, not there, so that the raw-export parser can spell them out
# without importing the evidence package.
IDENTIFIER_INVISIBLE = r"[\p{Cc}\p{Cf}\x{034F}\x{115F}\x{1160}\x{2800}\x{3164}\x{FE00}-\x{FE0F}\x{FFA0}]"


def _shown(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """One value (a file name, a cell): every control character escaped, line breaks included."""
    return _CONTROL.sub(_shown, text)


def visible_lines(text: str) -> str:
    """A message of several lines: line breaks and tabs kept, every other control character escaped."""
    return _CONTROL_BUT_LINES.sub(_shown, text)


def visible_in_page(value: object) -> object:
    """Jinja's `finalize` for HTML pages and reports: every string a template prints (not markup it built) with its
    control, bidirectional and invisible characters spelled out before it is escaped, so a file name or an account
    from the evidence can neither reorder nor hide what the page shows."""
    from markupsafe import Markup

    return visible_lines(value) if isinstance(value, str) and not isinstance(value, Markup) else value
