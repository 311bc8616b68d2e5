"""Windows events as indented XML, one element over many lines: Event Viewer's *Details > XML View* copied to a file,
or the event XML as Microsoft's documentation prints it (`<Event xmlns=...>` then `<System>`, each `<Data Name=...>`
on its own line). Exports that write an event per line (wevtutil, Save All Events As XML, ToXml()) are read line by
line and do not come here.

Each event's lines are put on one line, numbered by the line its `<Event` starts on; the lines inside an event and
between events are blank rows, so line numbers and the line count stay the file's."""

from __future__ import annotations

import re
from pathlib import Path

from ccaudit.rawsources.sqlkit import read_lines_sql

_HEAD_BYTES = 65536
MAX_EVENT_LINES = 1000  # the lines one event may run over (an event is some 50)
_START = re.compile(r"\A\s*(?:<\?xml[^>]*\?>\s*)?(?:<Events>\s*)?<Event[\s>]")
_EVENT = re.compile(r"<Event[\s>]")


def is_indented_xml(path: Path) -> bool:
    """The file starts with an <Event> element that does not end on the line it starts on."""
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD_BYTES).decode("utf-8", "replace").lstrip("\ufeff")
    except OSError:
        return False
    first = _EVENT.search(head) if _START.match(head) else None
    return first is not None and "</Event>" not in head[first.start():].split("\n", 1)[0]


def xml_events_sql(path: Path, max_lines: int | None = None) -> str:
    """(line_no, line, is_last) with each <Event>...</Event> of an indented XML file on the line it starts."""
    lines = read_lines_sql(path) + (f" LIMIT {int(max_lines)}" if max_lines else "")
    return f"""
WITH l AS ({lines}),
o AS (SELECT *, regexp_matches(line, '<Event[\\s>]') AS opens,
             contains(line, '</Event>') AS closes FROM l),
e AS (SELECT *, sum(CASE WHEN opens THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING) AS ev,
             sum(CASE WHEN closes THEN 1 ELSE 0 END) OVER (ROWS UNBOUNDED PRECEDING)
                 - CASE WHEN closes THEN 1 ELSE 0 END AS closed_before FROM o),
inside AS (SELECT *, (row_number() OVER (PARTITION BY ev ORDER BY line_no) - 1) // {MAX_EVENT_LINES} AS part
           FROM e WHERE ev > closed_before),
-- an <Event> never closed (a damaged or hostile file) would take the rest of the file: an event is cut after
-- {MAX_EVENT_LINES} lines, so what one row holds stays bounded
recs AS (SELECT min(line_no) AS line_no, string_agg(trim(line), ' ' ORDER BY line_no) AS t FROM inside
         GROUP BY ev, part)
SELECT l.line_no, COALESCE(r.t, '') AS line, l.is_last
FROM l LEFT JOIN recs r ON r.line_no = l.line_no
ORDER BY l.line_no"""
