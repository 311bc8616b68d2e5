"""Cisco ASA (and Firepower Threat Defense) syslog for Secure Client / AnyConnect and clientless WebVPN.

Facts from the Cisco Secure Firewall ASA Series Syslog Messages guide:
- %ASA-6-113039: `Group <g> User <u> IP <ip> AnyConnect parent session started.` -> session_start;
- %ASA-6-716001: `Group <g> User <u> IP <ip> WebVPN session started.` -> session_start (clientless);
- %ASA-6-716002: `Group <g> User <u> IP <ip> WebVPN session terminated: reason.` -> session_end;
- %ASA-4-722051: `Group <g> User <u> IP <ip> IPv4 Address <a> IPv6 address <b> assigned to session` (older
  releases: `Address <a> assigned to session`) -> session_stats with the assigned address;
- the tunnel's TLS/DTLS connections within a session -> session_stats (the parent session goes on):
  722022 `TCP|UDP SVC connection established`, 722023 `... SVC connection terminated`, 722033 `First TCP SVC
  connection established for SVC session`, 722034 `New TCP SVC connection, no existing connection`, 722028 `Stale
  SVC connection closed`, 722037 `SVC closing connection: reason`;
- %ASA-4-113019: `Group = g, Username = u, IP = ip, Session disconnected. Session Type: t, Duration:
  1h:02m:03s, Bytes xmt: n, Bytes rcv: n, Reason: r` -> session_end with its duration (1d 2h:03m:04s
  beyond a day);
- %ASA-6-113005 / 113015: `AAA user authentication Rejected : reason = r : server = s : user = u : user
  IP = ip` -> login_failed (`user = *****`: the ASA hides names of failed logins unless `no logging hide
  username`; the account is then left empty); 113004 (authentication successful), 734001 (DAP records selected)
  and 611101/611103 (management log-ins to the ASA itself, not remote access) are not session events.
The channel is the session's: Secure Client's parent session (113039) whose tunnel is IKEv2 (751025 with the
client's address, or an end whose Session Type says IKEv2 or IPsec) is ipsec_vpn on every line, not ssl_vpn.
A clientless session logs both 716002 and 113019 (Session Type: WebVPN) as it ends: the second is kept as
session_stats, not a second end. A client that roamed to another network ends from its new address: an end (or
statistics line) whose address never started a session belongs to the user's session still open on that
device. Messages come with the facility's class in EMBLEM-like forms too (`%ASA-session-6-113039`), with a
message level changed by `logging message N level L`, and angle brackets missing around Group/User/IP in some
releases.
The time is the ASA's own (`logging timestamp`: 'Nov 02 2026 08:15:02', or RFC 5424 '2026-11-02T08:15:02Z'),
possibly behind a relay's header; `logging device-id` puts the device's name before '%ASA'. Without `logging
timestamp` the relay's classic time (no year) is the only one: its year is settled per file (yearless.py)."""

from __future__ import annotations

from ccaudit.rawsources.base import TIME_FROM, RawSource
from ccaudit.rawsources.sqlkit import sql_str

_MSG = r"%(?:ASA|FTD)(?:-[a-z]+)?-(\d)-(\d{6}):?\s*(.*)$"
_LEGACY = r".*([A-Z][a-z]{2} +\d{1,2} \d{4} \d{2}:\d{2}:\d{2})"
# a zone the ASA may print after its legacy time ('Nov 02 2026 08:15:02 UTC: %ASA-...'): UTC/GMT read here, other
# abbreviations by parse.py (rawsources/zoneabbr.py)
# (also after a time without a year, EMBLEM's 'Nov 03 01:55:39 EDT:', and a summer/winter pair 'MSK/MSD:' as its last)
_LEGACY_ZONE = (r"[A-Z][a-z]{2} +\d{1,2}(?: \d{4})? \d{2}:\d{2}:\d{2}(?:\.\d+)? (?:[A-Z]{2,5}/)?([A-Z]{2,5})"
                r"(?:\s+|\s*:\s*)(?:\S+\s*:?\s*)?$")
# the same zone with a standard/summer pair kept whole ('MSK/MSD'): what the report lists (rawsources/zoneabbr.py)
_LEGACY_ZONE_PAIR = (r"[A-Z][a-z]{2} +\d{1,2}(?: \d{4})? \d{2}:\d{2}:\d{2}(?:\.\d+)? ((?:[A-Z]{2,5}/)?[A-Z]{2,5})"
                     r"(?:\s+|\s*:\s*)(?:\S+\s*:?\s*)?$")
_ISO = r".*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)"
_NOYEAR = r"[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}"
# EMBLEM (`logging emblem`): '<PRI>seq: device-id: time: %ASA-class-level-id:'; the device-id after the sequence number
# a relay's header host before the ASA's own time without a year ('Nov  3 10:08:12 relay01 :Nov 03 02:00:00 UTC: %ASA')
_RELAY_HOST = (r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2} (\d{1,3}(?:\.\d{1,3}){3}|"
               r"[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*) *:?[A-Z][a-z]{2} +\d{1,2}(?: \d{4})? \d{2}:")
_EMBLEM_DEVICE = r"^(?:<\d{1,3}>)?\d*:\s*(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*):\s"
# the device before '%ASA': 'asa-hq :', an address, or a relay's 'host tag[pid]:' (the host is the device)
_DEVICE = (r"(?:^|\s)(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9._-]*[A-Za-z][A-Za-z0-9._-]*)(?:\s+[A-Za-z][\w.-]*\[\d+\])?"
           r"\s*:?(?:\s+-)*\s*%(?:ASA|FTD)-")
# The session messages' prefixes, each as (group, user, address, the rest of the message). The user name is what the
# user typed (a failed WebVPN login logs it as typed): it is read up to the LAST ' IP <address>' / ', IP = address,'
# of the prefix, so a name holding such text cannot set the address, and the rest (assigned address, reason,
# duration, session type) is read after the address only.
# an address may carry an IPv6 zone index (a link-local fe80::1%inside)
_IP = r"[0-9A-Fa-f:.]*(?:%[\w.-]+)?"
_ANGLE = r"^Group <([^>]*)> User <(.*)> IP <(" + _IP + r")>\s*(.*)$"
_BARE = r"^Group (\S+) User (.+) IP ([0-9A-Fa-f:.]+(?:%[\w.-]+)?)\s+([A-Z].*)$"
# (one space after 'Username =', as the ASA writes it: a name typed with a leading tab keeps it, as in 'User <...>',
# so its start and end pair)
_EQ = r"^Group\s*=\s*([^,]*),\s*Username\s*= ?(.*),\s*IP\s*=\s*(" + _IP + r")\s*,\s*(.*)$"
# 751025 (IKEv2 client, address assigned): 'Local:A:port Remote:B:port Username:u IKEv2 Group:g IPv4 Address=...'
_IKE2 = r"^Local:\S+ Remote:(\S+?)(?::\d+)? Username:(.*?)(?: IKEv2)? Group:(\S*) (IPv4 Address.*)$"
# 113005/113015: 'AAA user authentication Rejected : reason = r : server = s : user = u : user IP = ip' (the user IP
# absent on old releases, 'None' when unknown); the name typed runs to the last ' : user IP = '. Releases before 8.4
# wrote 'Rejected: reason = r: server = s, User = u' (Cisco's 7.x/8.0 message guide; Wazuh's ruleset tests carry it
# with ': user IP = ip' after it), read the same way
_AAA = (r"^AAA user \w+ \w+ ?: reason = ([^:]*?)\s*:.*?(?: : user = |, User = )(.*?)(?: ?: user IP = (\S+))?\s*$")
_PARTS = "['g', 'u', 'ip', 'tail']"
# the user of an 'Group = g, Username = u, IP ,' line whose address is missing (reported as such)
_EQ_USER = r"^Group\s*=[^,]*,\s*Username\s*= ?([^,]*)"
_DUR = r"Duration: (?:(\d+)d\s*)?(\d+)h:(\d+)m:(\d+)s"


def _num(group: int) -> str:
    return f"COALESCE(TRY_CAST(nullif(regexp_extract(px.tail, '{_DUR}', {group}), '') AS BIGINT), 0)"


# message ID -> kind; the first group are the session's own events, the second its tunnel's connections
KINDS = {"113039": "session_start", "716001": "session_start", "716002": "session_end", "113019": "session_end",
         "113005": "login_failed", "113015": "login_failed", "716039": "login_failed", "722051": "session_stats",
         "751025": "session_stats", "713228": "session_stats"}
CONNECTIONS = ("722022", "722023", "722028", "722032", "722033", "722034", "722037", "716058", "716059")
IPSEC_IDS = ("751025", "713228")  # IKEv2 and IKEv1 clients


def _kind() -> str:
    whens = " ".join(f"WHEN '{m}' THEN '{k}'" for m, k in KINDS.items())
    conns = ", ".join(f"'{m}'" for m in CONNECTIONS)
    return f"CASE msg_id {whens} ELSE CASE WHEN msg_id IN ({conns}) THEN 'session_stats' END END"


# Microsoft Sentinel's CommonSecurityLog of the ASA (exported as JSON or CSV): the syslog line's message in `Message`,
# the device in DeviceName (else Computer, DeviceAddress). Each record is written back as a syslog line and read as
# one, at the event's own time where the record has it (Microsoft's CommonSecurityLog reference):
# - the ASA's own time inside `Message` (a collector that keeps the whole line: 'Nov 02 2026 08:15:02 asa : %ASA-...');
# - else ReceiptTime, the time the event was received (CEF's rt; for the ASA the syslog header's time, a string: an
#   epoch, ISO, 'Nov 02 2026 08:15:02 [UTC]' or the agent's en-US '7/5/2023 2:16:44 PM'). One with a zone or an
#   epoch is that instant; one without is UTC when so read it falls within RECEIPT_WINDOW before TimeGenerated (as in
#   Sentinel's own ASA sample data, where the two agree to the second), else the ASA's wall time, read in the zone
#   assumed (--tz, the gateway's zone) and said so;
# - else TimeGenerated, when the record reached the workspace (UTC: ISO from the API, '7/5/2023, 2:04:24.792 PM' from
#   the portal): seconds to minutes after the event. The report counts the events so timed (base.TIME_FROM).
# StartTime and DeviceCustomDate1/2 are not read: the ASA connector fills neither, and a session end's StartTime is,
# in CEF's meaning, the session's start. A time with the year last and no AM/PM (a day-first browser writes
# 05/07/2023, 14:04) does not say its day and month: it is not guessed.
RECEIPT_WINDOW_MINUTES = 30
_CSL_BASIS = "[Sentinel {}] "
_CSL_TIME_UNREAD = _CSL_BASIS.format("TimeGenerated") + "TimeGenerated "
# the ASA's own time with its year before '%ASA' in Message
_MESSAGE_TIME = (r"^[^%]*(?:[A-Z][a-z]{2} +\d{1,2} \d{4} \d{2}:\d{2}:\d{2}|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})"
                 r"[^%]*%(?:ASA|FTD)-")


def _squeezed(text: str) -> str:
    return f"regexp_replace(replace(trim({text}), ',', ''), '\\s+', ' ', 'g')"


def _wall_time(text: str) -> str:
    """A Sentinel time's text without a zone as a TIMESTAMP: ISO, en-US with AM/PM, 'Nov 02 2026 08:15:02'."""
    t = _squeezed(text)
    return (f"CASE WHEN regexp_matches({t}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}[T ][\\d:.]+Z?$') "
            f"THEN TRY_CAST(regexp_replace({t}, 'Z$', '') AS TIMESTAMP) "
            f"WHEN regexp_matches({t}, '^\\d{{1,2}}/\\d{{1,2}}/\\d{{4}} .* [AP]M$') "
            f"THEN try_strptime({t}, ['%m/%d/%Y %I:%M:%S %p', '%m/%d/%Y %I:%M:%S.%f %p']) "
            f"WHEN regexp_matches({t}, '^[A-Z][a-z]{{2}} \\d{{1,2}} \\d{{4}} \\d{{2}}:\\d{{2}}:\\d{{2}}(?:\\.\\d+)?$') "
            f"THEN try_strptime({t}, ['%b %d %Y %H:%M:%S', '%b %d %Y %H:%M:%S.%f']) END")


def _instant(text: str) -> str:
    """A ReceiptTime's text that states its instant as UTC: an epoch (s, ms, us or ns), ISO with Z or an offset, a time
    with UTC or GMT after it."""
    t = _squeezed(text)
    in_utc = _wall_time(f"regexp_replace({t}, ' (?:UTC|GMT)$', '')")
    return (f"CASE WHEN regexp_matches({t}, '^\\d{{9,19}}(?:\\.\\d+)?$') "
            f"THEN epoch_ts(TRY_CAST(split_part({t}, '.', 1) AS BIGINT)) "
            f"WHEN regexp_matches({t}, '^\\d{{4}}-\\d{{2}}-\\d{{2}}[T ][\\d:.]+ ?(?:Z|[+-]\\d{{2}}:?\\d{{2}})$') "
            f"THEN CAST(TRY_CAST({t} AS TIMESTAMPTZ) AS TIMESTAMP) "
            f"WHEN regexp_matches({t}, ' (?:UTC|GMT)$') THEN {in_utc} END")


def _csl_line(generated: str, received: str, device: str, message: str) -> str:
    """The syslog line a record was: '[Sentinel <column>] <time> <device> : <message>' (the column whose time it
    carries), or '<device> : <message>' where the message has the ASA's own time."""
    tg = _wall_time(generated)
    rt, rt_wall = _instant(received), _wall_time(received)

    def iso(x: str) -> str:
        return f"strftime({x}, '%Y-%m-%dT%H:%M:%S') || 'Z'"

    near = (f"{rt_wall} BETWEEN {tg} - INTERVAL {RECEIPT_WINDOW_MINUTES} MINUTE AND {tg} + INTERVAL 2 MINUTE")
    receipt, generated_at = _CSL_BASIS.format("ReceiptTime"), _CSL_BASIS.format("TimeGenerated")
    stamp = (f"CASE WHEN regexp_matches(COALESCE({message}, ''), {sql_str(_MESSAGE_TIME)}) THEN '' "
             f"WHEN {rt} IS NOT NULL THEN '{receipt}' || {iso(rt)} || ' ' "
             f"WHEN {rt_wall} IS NOT NULL AND {near} THEN '{receipt}' || {iso(rt_wall)} || ' ' "
             f"WHEN {rt_wall} IS NOT NULL THEN '{receipt}' || strftime({rt_wall}, '%b %d %Y %H:%M:%S') || ' ' "
             f"WHEN {tg} IS NOT NULL THEN '{generated_at}' || {iso(tg)} || ' ' "
             f"ELSE '{_CSL_TIME_UNREAD}' || COALESCE({generated}, '') || ' ' END")
    return (f"{stamp} || COALESCE(nullif({device}, ''), '-') || ' : ' || "
            f"regexp_replace({message}, '[\\r\\n]+', ' ', 'g')")


def _csl_rows(lines: str) -> str:
    """The file's lines, a CommonSecurityLog record (a JSON object; the CSV export's rows come as such, see
    sentinel.py) written back as the syslog line it was (_csl_line)."""
    def col(name: str) -> str:
        return f"nullif(json_extract_string(line, '$.{name}'), '')"

    json_line = _csl_line(col("TimeGenerated"), col("ReceiptTime"),
                          f"COALESCE({col('DeviceName')}, {col('Computer')}, {col('DeviceAddress')})", col("Message"))
    return f"""(
    SELECT line_no, is_last,
           CASE WHEN contains(line, '"DeviceVendor"') AND (contains(line, '%ASA') OR contains(line, '%FTD'))
                     AND json_valid(line) AND {col('Message')} IS NOT NULL
                THEN {json_line} ELSE line END AS line
    FROM {lines})"""


def query(lines: str) -> str:
    return f"""
WITH l AS (
    -- one pass of the message pattern per line (measured 20% faster than three; filtering the lines that are
    -- no session event before the extraction below was measured 1.6x slower: the filter is pushed into it)
    SELECT line_no, is_last, line, regexp_extract(line, '{_MSG}', ['lvl', 'msg_id', 'msg']) AS parts
    FROM {_csl_rows(lines)}
), m AS (
    SELECT line_no, is_last, line, parts.msg_id <> '' AS asa, parts.msg_id AS msg_id, parts.msg AS msg FROM l
), k AS (
    SELECT *, {_kind()} AS kind0
    FROM m WHERE asa OR is_last OR trim(line) <> ''
), pk AS (
    -- a session message's prefix, read once by its form (only for session messages: most lines are traffic)
    SELECT *,
        CASE WHEN kind0 IS NULL THEN NULL
             WHEN starts_with(msg, 'Group <') THEN regexp_extract(msg, '{_ANGLE}', {_PARTS})
             WHEN regexp_matches(msg, '^Group\\s*=') THEN regexp_extract(msg, '{_EQ}', {_PARTS})
             WHEN starts_with(msg, 'Group ') THEN regexp_extract(msg, '{_BARE}', {_PARTS})
             WHEN starts_with(msg, 'Local:') THEN regexp_extract(msg, '{_IKE2}', ['ip', 'u', 'g', 'tail'])
        END AS px,
        CASE WHEN kind0 IS NOT NULL AND starts_with(msg, 'AAA ')
             THEN regexp_extract(msg, '{_AAA}', ['reason', 'u', 'ip']) END AS pa
    FROM k
), e AS (
    SELECT *,
        regexp_extract(line, '^(.*?)%(?:ASA|FTD)', 1) AS head,
        nullif(nullif(trim(COALESCE(nullif(px.u, ''), nullif(pa.u, ''),
                                    nullif(regexp_extract(msg, '{_EQ_USER}', 1), ''))),
                      '*****'), '') AS account,
        pa.u IS NOT NULL AND regexp_matches(pa.u, '^\\*+$') AS hidden_user,
        nullif(nullif(COALESCE(nullif(px.ip, ''), nullif(pa.ip, '')), 'None'), '') AS peer,
        -- what follows the prefix: a user name cannot reach it
        COALESCE(nullif(px.tail, ''), CASE WHEN px IS NULL AND pa IS NULL THEN msg END, '') AS tail,
        nullif(regexp_extract(COALESCE(nullif(px.tail, ''), ''), 'Session Type: ([^,]+)', 1), '') AS session_type,
        CASE WHEN regexp_matches(COALESCE(px.tail, ''), '{_DUR}')
             THEN {_num(1)} * 86400 + {_num(2)} * 3600 + {_num(3)} * 60 + {_num(4)} END AS duration_s,
        nullif(nullif(COALESCE(nullif(regexp_extract(px.tail, '^IPv4 Address[ =]<?([0-9.]+)>?', 1), ''),
                               nullif(regexp_extract(px.tail, '^Address <?([0-9A-Fa-f:.]+)>? assigned', 1), ''),
                               nullif(regexp_extract(px.tail, '^Assigned private IP address ([0-9.]+)', 1), '')),
                      '0.0.0.0'), '') AS vip4,
        nullif(nullif(regexp_extract(px.tail, '^IPv4 Address[ =]<?[0-9.]*>? IPv6 address[ =]<?([0-9A-Fa-f:.]+)>?', 1),
                      '::'), '') AS vip6,
        nullif(rtrim(trim(COALESCE(nullif(regexp_extract(px.tail, 'Reason: (.*)$', 1), ''),
                                  nullif(regexp_extract(px.tail, '^WebVPN session terminated: (.*)$', 1), ''),
                                  nullif(pa.reason, ''),
                                  CASE WHEN msg_id IN {_conn_ids()} OR msg_id = '716039' THEN nullif(px.tail, '') END)),
                   '.'), '') AS reason,
        nullif(regexp_extract(regexp_extract(line, '^(.*?)%(?:ASA|FTD)', 1), '{_LEGACY}', 1), '') AS t_legacy,
        nullif(regexp_extract(regexp_extract(line, '^(.*?)%(?:ASA|FTD)', 1), '{_LEGACY_ZONE}', 1), '') AS t_zone,
        nullif(regexp_extract(regexp_extract(line, '^(.*?)%(?:ASA|FTD)', 1), '{_ISO}', 1), '') AS t_iso,
        nullif(regexp_extract(line, '{_DEVICE}', 1), '') AS device_or_zone,
        COALESCE(nullif(regexp_extract(line, '{_EMBLEM_DEVICE}', 1), ''),
                 nullif(regexp_extract(line, '{_RELAY_HOST}', 1), '')) AS emblem_device
    FROM pk
), t AS (
    SELECT *,
        COALESCE(CASE WHEN device_or_zone IS DISTINCT FROM t_zone THEN device_or_zone END, emblem_device) AS device,
        CASE WHEN t_legacy IS NULL AND regexp_matches(t_iso, '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
             THEN CAST(TRY_CAST(t_iso AS TIMESTAMPTZ) AS TIMESTAMP) END AS ts_utc,
        COALESCE(try_strptime(regexp_replace(t_legacy, ' +', ' ', 'g'), '%b %d %Y %H:%M:%S'),
                 CASE WHEN NOT regexp_matches(t_iso, '(?:Z|[+-]\\d{{2}}:?\\d{{2}})$')
                      THEN TRY_CAST(t_iso AS TIMESTAMP) END) AS ts_wall,
        regexp_matches(tail, '^WebVPN') OR regexp_matches(COALESCE(session_type, ''), '(?i)webvpn|clientless')
            AS webvpn,
        regexp_matches(COALESCE(session_type, ''), '(?i)ipsec|ikev|l2tp') OR msg_id IN {_ids(IPSEC_IDS)} AS ipsec
    FROM e
), s0 AS (
    SELECT *,
        CASE WHEN kind0 <> 'login_failed' THEN
            concat_ws('|', CASE WHEN webvpn THEN 'asa-webvpn' ELSE 'asa' END, device, lower(account), peer) END
            AS own_key,
        concat_ws('|', CASE WHEN webvpn THEN 'asa-webvpn' ELSE 'asa' END, device, lower(account)) AS user_key
    FROM t
), s1 AS (
    SELECT *,
        max(CASE WHEN kind0 = 'session_start' THEN line_no END) OVER (PARTITION BY own_key ORDER BY line_no
            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS own_start,
        last_value(CASE WHEN kind0 = 'session_start' THEN own_key END IGNORE NULLS) OVER w_user AS user_start_key,
        max(CASE WHEN kind0 = 'session_start' THEN line_no END) OVER w_user AS user_start,
        max(CASE WHEN kind0 = 'session_end' THEN line_no END) OVER w_user AS user_end
    FROM s0 WHERE kind0 IS NOT NULL  -- windows over the session lines alone: connection logs are most lines
    WINDOW w_user AS (PARTITION BY user_key ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
), s AS (
    -- a client that roamed (Wi-Fi to mobile data) is logged with its new address: a line of a session that never
    -- started from that address belongs to the user's session still open on that device, if there is one
    SELECT *,
        CASE WHEN kind0 IN ('session_end', 'session_stats') AND own_start IS NULL
                  AND user_start > COALESCE(user_end, 0) THEN user_start_key
             ELSE own_key END AS session_key
    FROM s1
), r AS (
    -- a clientless session ends with 716002 and then 113019: an end right after another end is not a second one
    SELECT *,
        CASE WHEN kind0 = 'session_end' AND last_value(CASE WHEN kind0 IN ('session_start', 'session_end') THEN kind0
                                                       END IGNORE NULLS) OVER (
                     PARTITION BY session_key ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                     = 'session_end'
             THEN 'session_stats' ELSE kind0 END AS kind,
        sum(CASE WHEN kind0 = 'session_start' THEN 1 ELSE 0 END) OVER (
            PARTITION BY session_key ORDER BY line_no ROWS UNBOUNDED PRECEDING) AS seg
    FROM s
), v AS (
    -- the channel is the session's: an AnyConnect parent session (113039) whose tunnel is IKEv2 (751025, or an end
    -- whose Session Type says IKEv2/IPsec) is an IPsec VPN session, not SSL, on every one of its lines
    SELECT *, bool_or(ipsec) OVER (PARTITION BY session_key, seg) AS session_ipsec FROM r
), u AS (
    SELECT line_no, is_last, line, asa, head, kind0, kind, ts_utc, ts_wall, t_legacy, t_zone, t_iso, account, peer,
           vip4, vip6, session_key, ipsec OR COALESCE(session_ipsec AND session_key IS NOT NULL, FALSE) AS ipsec,
           device, duration_s, reason, hidden_user FROM v
    UNION ALL
    SELECT line_no, is_last, line, asa, head, kind0, CAST(NULL AS VARCHAR), ts_utc, ts_wall, t_legacy, t_zone, t_iso,
           account, peer, vip4, vip6, CAST(NULL AS VARCHAR), ipsec, device, duration_s, reason, hidden_user
    FROM s0 WHERE kind0 IS NULL AND (NOT asa OR is_last)
)
SELECT line_no, is_last,
       kind IS NOT NULL AS relevant,
       CASE WHEN kind IS NULL THEN NULL
            WHEN ts_utc IS NULL AND ts_wall IS NULL AND starts_with(head, '{_CSL_TIME_UNREAD}')
                THEN 'TimeGenerated in an order of day and month it does not say: export the query as JSON'
            WHEN ts_utc IS NULL AND ts_wall IS NULL AND NOT regexp_matches(head, '{_NOYEAR}')
                THEN 'no time (logging timestamp off)'
            WHEN account IS NULL AND kind <> 'login_failed' THEN 'no user'
            WHEN peer IS NULL AND kind <> 'login_failed' THEN 'no IP'
       END AS problem,
       NOT asa AND trim(line) <> '' AS not_source,
       kind, ts_utc, ts_wall AS ts_local,
       -- a relay's classic time alone (the ASA without `logging timestamp`): its year is settled per file (yearless)
       -- (the last one before '%ASA': a relay's own header time comes first, the ASA's time after it)
       CASE WHEN ts_utc IS NULL AND ts_wall IS NULL THEN nullif(regexp_extract(head, '.*({_NOYEAR})', 1), '') END
           AS noyear_text, CASE WHEN t_iso IS NULL THEN tz_minutes(t_zone) END AS tz_offset_min,
       -- a Sentinel record's time taken from one of its columns: which (parse.py counts them for the report)
       CASE WHEN starts_with(head, '[Sentinel ') THEN '{TIME_FROM}' || regexp_extract(head, '^\\[Sentinel (\\w+)\\]', 1)
            ELSE COALESCE(CASE WHEN t_zone IS NOT NULL AND tz_minutes(t_zone) IS NULL
                               THEN nullif(regexp_extract(head, '{_LEGACY_ZONE_PAIR}', 1), '') END, t_zone, t_iso)
       END AS tz_text,
       account, peer AS source_ip, COALESCE(vip4, vip6) AS assigned_ip, session_key,
       CASE WHEN ipsec THEN 'ipsec_vpn' ELSE 'ssl_vpn' END AS channel,
       CAST(NULL AS VARCHAR) AS mfa_method, device AS gateway_id, duration_s,
       CASE WHEN kind = 'session_stats' AND kind0 = 'session_end' THEN 'end already logged: ' || COALESCE(reason, '')
            WHEN hidden_user THEN concat_ws('; ', reason, 'user name hidden by the ASA (logging hide username)')
            ELSE reason END AS reason
FROM u
WHERE kind IS NOT NULL OR NOT asa OR is_last
"""


def _ids(ids: tuple[str, ...]) -> str:
    return "(" + ", ".join(f"'{m}'" for m in ids) + ")"


def _conn_ids() -> str:
    return _ids(CONNECTIONS)


SOURCE = RawSource(
    id="cisco-asa",
    vendor="Cisco",
    product="ASA / FTD syslog for Secure Client (AnyConnect) and WebVPN sessions",
    expects=("The syslog server's file for the ASA with `logging enable`, `logging timestamp` (or `logging "
             "timestamp rfc5424`), `logging trap informational` (or at least messages 113039, 113019, 113005, "
             "716001, 716002, 716039, 722051, 751025 at their levels) and optionally `logging device-id hostname`; "
             "or the ASDM log export; or Microsoft Sentinel's CommonSecurityLog of the ASA exported as CSV or JSON. "
             "Other messages are counted and skipped."),
    sample=("<166>Nov 02 2026 08:15:02 asa-hq : %ASA-6-113039: Group <GP-AnyConnect> User <CORP\\alice> IP "
            "<203.0.113.7> AnyConnect parent session started.\n"
            "<164>Nov 02 2026 17:30:00 asa-hq : %ASA-4-113019: Group = GP-AnyConnect, Username = CORP\\alice, "
            "IP = 203.0.113.7, Session disconnected. Session Type: SSL, Duration: 9h:14m:58s, Bytes xmt: "
            "1048576, Bytes rcv: 524288, Reason: User Requested"),
    detect=r"%(?:ASA|FTD)(?:-[a-z]+)?-\d-\d{6}",
    query=query,
    yearless=True,
)
