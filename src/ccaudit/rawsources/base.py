"""What a raw source is: its documented facts and the SQL that turns its lines into events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

# The kinds of event a source may emit; every source maps its own actions onto these. sign_in is a successful
# sign-in at an identity provider (not a session): it carries the MFA that VPN sessions may take from it.
EVENT_KINDS = ("session_start", "session_end", "session_stats", "login_failed", "sign_in")

# How a session_end's reason starts when the gateway itself stopped or restarted with the session still open (not the
# client's doing): the session's note in remote_sessions.csv repeats it and parse_report.json counts those sessions.
SERVER_STOP_REASONS = ("ended by the server's stop", "server started again without a logged stop")

# The kind of a row (relevant FALSE: no event) a source returns for a line where the gateway itself stopped or started
# again (reason: its message for a stop, NULL for a start without a logged stop). The source ends the sessions open
# in its own file there; parse.py ends with it the sessions left open at the end of an earlier (rotated) file of the
# same gateway parsed with it.
SERVER_MARK = "server_stop"
# A session key a source made without the gateway's own session ID (FortiGate lines without tunnelid=: by gateway,
# tunnel type, remote address and user): it starts with this, so that the sessions paired by it are said so.
WITHOUT_TUNNEL_ID = "without tunnel id "
# How tz_text starts for an event whose time a source took from a column of a record rather than from the line's own
# time (Microsoft Sentinel's records: 'time from ReceiptTime', 'time from TimeGenerated', the latter when the record
# reached Sentinel, not the event): parse.py counts them per file for the report and keeps them out of the zones the
# lines state.
TIME_FROM = "time from "

# Columns a source's query returns, one row per line that is relevant, not of the source, or the last
# (is_last: the framework counts lines with it); a line left out counts as not relevant:
#   line_no BIGINT, is_last BOOLEAN (passed through from lines),
#   relevant BOOLEAN (a line of this source that describes a session or a login),
#   problem VARCHAR (why a relevant line cannot be used: malformed; NULL when it can),
#   not_source BOOLEAN (the line is not of this source at all: counts towards refusing the file),
#   kind, ts_utc TIMESTAMP (an instant the line states: epoch or a time with an offset),
#   ts_local TIMESTAMP + tz_offset_min INTEGER (a wall time and the offset the line states, if any),
#   tz_text (the zone as written, for the report), account, source_ip, assigned_ip, session_key,
#   channel, mfa_method, gateway_id, duration_s BIGINT, reason.
# A line that is of the source but not relevant may still be returned, with relevant FALSE and a reason starting
# with NOT_RELEVANT: the report counts such lines by that reason (e.g. Entra's service-principal sign-ins).
NOT_RELEVANT = "not relevant: "

SOURCE_COLUMNS = (
    ("line_no", "BIGINT"), ("is_last", "BOOLEAN"), ("relevant", "BOOLEAN"), ("problem", "VARCHAR"),
    ("not_source", "BOOLEAN"),
    ("kind", "VARCHAR"), ("ts_utc", "TIMESTAMP"), ("ts_local", "TIMESTAMP"), ("tz_offset_min", "INTEGER"),
    ("tz_text", "VARCHAR"), ("account", "VARCHAR"), ("source_ip", "VARCHAR"), ("assigned_ip", "VARCHAR"),
    ("session_key", "VARCHAR"), ("channel", "VARCHAR"), ("mfa_method", "VARCHAR"), ("gateway_id", "VARCHAR"),
    ("duration_s", "BIGINT"), ("reason", "VARCHAR"),
)


@dataclass(frozen=True)
class RawSource:
    """One format of one vendor's export, documented for the firm that must produce it.

    `detect` is a regular expression (RE2, as DuckDB runs it) that a line of this format matches;
    `--source auto` picks the source whose pattern matches most of a file's first lines.
    `query(lines)` returns SQL over a relation `lines(line_no, line, is_last)` with SOURCE_COLUMNS (see
    there which lines it must return)."""

    id: str
    vendor: str
    product: str
    expects: str  # the export or log setting that produces the file, in the firm's words
    sample: str  # a few lines as the product writes them
    detect: str
    query: Callable[[str], str] = field(compare=False)
    whole_file: bool = False  # a snapshot (status file): rows depend on header lines elsewhere in the file
    # Wall times in the exporting user's culture, where a date with the year last may be day- or month-first: the
    # query reads them with csvsql.culture_time(t, 'auto') and returns, beside SOURCE_COLUMNS, `date_text` (the time
    # as written, for such a date); the framework settles the order per file (parse.py) and reads them again.
    local_dates: bool = False
    # Classic syslog times without a year ('Nov  2 08:15:02'): the query returns, beside SOURCE_COLUMNS, `noyear_text`
    # (that time as written, for a line whose only time it is; its problem NULL as for a readable time); the
    # framework gives it its year per file (yearless.py) and reads it again.
    yearless: bool = False
    # Its lines name the gateway only by a syslog header's host (a relay keeps the server's name as it is configured
    # there): a gateway named for the file (--gateway, evidence.yaml `gateway:`) wins over it; the host still keeps
    # the servers of one relayed file apart (the source's session keys hold it).
    stated_gateway_wins: bool = False
