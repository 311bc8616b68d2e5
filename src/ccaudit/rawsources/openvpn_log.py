"""OpenVPN server log (`log`/`log-append FILE`, the journal, or syslog written with RFC 3339 timestamps).

Each line starts with its time: `2026-11-02 08:15:02` (2.5 and later), `Mon Nov  2 08:15:02 2026` (before
2.5), optionally followed by ` us=123456`; through rsyslog's RSYSLOG_FileFormat or `journalctl -o short-iso`,
an RFC 3339 time with its offset, the host and `openvpn[pid]:` (or the unit's tag, `openvpn-server@x[pid]:`);
through `journalctl -o short-full`, `Mon 2026-11-02 08:15:02 CST host tag:` (a zone abbreviation other than
UTC/GMT is read as parse.py reads any: as the one offset it names, else only in a zone stated, zoneabbr.py);
a server started by systemd with its own timestamps and logged by syslog keeps them after the syslog header,
and that inner time (with its year) is the one read. Messages about one client start with its address
(`203.0.113.7:51642`; IPv6 without its port, `2001:db8::9`; an IPv4-mapped peer of a dual-stack socket as IPv4 or
`::ffff:203.0.113.7:51642`; a protocol before it in 2.6, `udp4:203.0.113.7:51642`, `udp6:[2001:db8::9]:51642`) and,
once its certificate is verified, `CN/ADDR`.

Facts used (OpenVPN 2.4-2.6 server messages):
- `[CN] Peer Connection Initiated with [AF_INET]ADDR` (or `[AF_INET6]`) -> session_start, unless that client
  instance fails its authentication before it ends (2.4-2.6 log the line after a failed password check, and
  before a deferred one, then send AUTH_FAILED);
- `TLS: Username/Password authentication succeeded|deferred for username 'NAME'` -> the session's account;
  `VERIFY OK|ERROR: depth=0, ..., CN=NAME` -> its certificate's name;
- `MULTI_sva: pool returned IPv4=A, IPv6=B` or `MULTI: Learn: A -> CN/ADDR` -> the assigned address;
- `SIGTERM[soft,remote-exit] received, client-instance exiting`, `client-instance restarting`,
  `Inactivity timeout (--ping-restart)`, `Connection reset` -> session_end (reason: the message). An end right
  after another end of the same client (an inactivity timeout, then its restart) is kept as session_stats; the
  end of an instance that never connected (`SIGUSR1[soft,tls-error]` after `TLS handshake failed`, a port
  scan) or that failed its authentication (`SIGTERM[soft,delayed-exit]`) is not a session event;
- `TLS Auth Error: Auth Username/Password verification failed for peer`, `SENT CONTROL [CN]: 'AUTH_FAILED'`,
  `TLS Auth Error: --client-config-dir authentication failed`, `VERIFY ERROR: depth=0` -> login_failed, once per
  client instance (AUTH_FAILED after the verification failure is the same failure).
Other lines (`peer info: IV_...`, `VERIFY OK`, routing, data channel, `TLS handshake failed`) are not session
events."""

from __future__ import annotations

from ccaudit.rawsources.base import SERVER_MARK, SERVER_STOP_REASONS, RawSource

# (regular expression on the message after the client's 'CN/ADDR ' and '[CN] ', kind, reason); the first that matches
# decides. Anchored there: a client sends text of its own that the server logs after its address (`peer info:
# IV_GUI_VER=...`, the user name it types), and a phrase inside that text must not make the line an event.
MESSAGES = (
    (r"^Peer Connection Initiated with", "session_start", None),
    (r"^SIG[A-Z0-9]+\[[^\]]*\] received, client-instance exiting", "session_end", "client exited"),
    (r"^SIG[A-Z0-9]+\[[^\]]*\] received, client-instance restarting", "session_end", "client restarted"),
    (r"^Inactivity timeout", "session_end", "inactivity timeout"),
    (r"^Connection reset, restarting", "session_end", "connection reset"),
    (r"^(?:TLS Auth Error: Auth Username/Password verification failed|SENT CONTROL \[[^\]]*\]: .AUTH_FAILED|"
     r"(?:TLS Auth Error|TLS): [^']*authentication failed for (?:username|common name)|VERIFY ERROR: depth=0)",
     "login_failed", "authentication failed"),
)
# the lines that carry what a client's events need: its account, its certificate's name, its address
CONTEXT = (r"^(?:TLS: Username/Password authentication \w+ for username '|MULTI_sva: pool returned|MULTI: Learn: |"
           r"MULTI: primary virtual IP for |"
           r"VERIFY OK: depth=0)")
# the name as typed, up to the line's last quote (a quote inside the name does not end it early)
USERNAME = r"^TLS: Username/Password authentication \w+ for username '(.*)'(?: \[[^\]]*\])?\s*$"

# The server itself stopping or restarting (a message that names no client): every client instance goes with it.
# `SIGTERM[hard,] received, process exiting` (systemctl stop), `SIGINT[hard,]`, `SIGHUP[hard,] ... process restarting`
# (a reload re-creates every instance), `Exiting due to fatal error`; and the start-up banner `OpenVPN 2.6.8
# x86_64-pc-linux-gnu [SSL ...` when no stop was logged before it (a crash, a power cut): the sessions still open
# ended before it, at a time the log does not say.
SERVER_STOP = (r"^(?:SIG[A-Z0-9]+\[(?:hard|soft)[^\]]*\] received, process (?:exiting|restarting)|"
               r"Exiting due to fatal error)")
SERVER_START = r"^OpenVPN \d+\.\d+\S* \S+ \["

# The time at the start of a line, and what follows it.
_ISO = r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: us=\d+)? (.*)$"
_CTIME = r"^([A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4})(?: us=\d+)? (.*)$"
# the program's tag: `openvpn[812]:`, a unit's `openvpn-server@x[pid]:`, or any name `--syslog NAME` / `--daemon NAME`
# gave it (`vpn-server.hq[9142]:`), perhaps after the relay's `facility.severity` (`daemon.notice`); lines of other
# programs in the same syslog file are then of the form but no OpenVPN message (not relevant)
_TAG = r"(?:[a-z0-9]+\.[a-z]+ )?[\w@./-]+(?:\[\d+\])?:\s+"
_RFC3339 = (r"^(?:<\d{1,3}>)?(?:1 )?(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) "
            r"\S+ " + _TAG + r"(.*)$")
# RFC 5424 (OPNsense's own log files and its remote syslog, syslog-ng's default there): '<29>1 TIME HOST APP PROCID
# MSGID [SD] MSG', the program named per instance ('openvpn_server1'), structured data or '-' before the message
_RFC5424 = (r"^(?:<\d{1,3}>)?1 (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) \S+ \S+ \S+ \S+ "
            r"(?:-|(?:\[(?:[^\]\\]|\\.)*\])+) ?(.*)$")
# journalctl -o short-full: 'Mon 2026-11-02 08:15:02 CST host unit[pid]: ...' (the zone as an abbreviation)
_JOURNAL = (r"^[A-Z][a-z]{2} (\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.\d+)?(?: ([A-Z]{2,5}|[+-]\d{2}:?\d{2}))? \S+ "
            + _TAG + r"(.*)$")
_RFC3164 = r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \S+ " + _TAG + r"(.*)$"
# --machine-readable-output (2.5 and later): 'seconds.microseconds flags(hex) message', the time an instant
_MACHINE = r"^(\d{9,11})\.(\d{6}) [0-9a-f]+ (.*)$"
_RFC3164_TIME = r"^(?:<\d{1,3}>)?([A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}) "
# The host a syslog header names (RFC 3164, RFC 3339 / 5424, the journal's): the server that wrote the line, which a
# relay (rsyslog, syslog-ng) keeps, so one relayed file may hold several servers' lines. It is the line's gateway, and
# a client's lines are paired within its server only ('-', RFC 5424's nil value, names none).
_HOST = {
    "rfc3339": r"^(?:<\d{1,3}>)?(?:1 )?\d{4}-\d{2}-\d{2}T\S+ (\S+) ",
    "rfc5424": r"^(?:<\d{1,3}>)?1 \d{4}-\d{2}-\d{2}T\S+ (\S+) ",
    "journal": (r"^[A-Z][a-z]{2} \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?(?: (?:[A-Z]{2,5}|[+-]\d{2}:?\d{2}))? "
                r"(\S+) "),
    "rfc3164": r"^(?:<\d{1,3}>)?[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} (\S+) ",
}
# OpenVPN Access Server (Twisted's log): '2022-04-29T10:51:22+0530 [stdout#info] [OVPN 4] OUT: '<core line>'' (older
# releases: '2019-12-13 10:19:19+0100 [-] OVPN 0 OUT: ...'); the core line quoted as Python writes a string ('...', or
# "..." when it holds a single quote)
_ACCESS_SERVER = (r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) \[[^\]]*\] "
                  r"\[?OVPN (\d+)\]? OUT: ('.*'|\".*\")\s*$")
# the same log sent to syslog (Access Server's SYSLOG setting): the relay's header (its time, no zone, often no year)
# then Twisted's '[-] OVPN 2 OUT: '<core line>'' with no time of its own; the core line's time is the core's (UTC in
# the Access Server: two hours before an Israeli relay's header in a published sample, eight before a Taipei one's),
# so, as above, the header's time is read and the core's dropped
_ACCESS_SERVER_SYSLOG = (r"^((?:<\d{1,3}>)?(?:[A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2}|"
                         r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})) \S+ "
                         r"[\w@./-]+(?:\[\d+\])?:\s+)\[[^\]]*\] \[?OVPN (\d+)\]? OUT: ('.*'|\".*\")\s*$")
_ACCESS_SERVER_OWN = (r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}) "
                      r"\[(?:-|std(?:out|err)#\w+)\] ")
_INNER_TIME = (r"^(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}|[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4})"
               r"(?: us=\d+)? ")
# a client's address at the start of a message: [CN/][proto:]ADDR:PORT
# (an IPv6 address may carry its zone index, as getnameinfo prints a link-local peer: fe80::1%eth0)
_ADDR = (r"(?:(?:udp|tcp)[46]?(?:-server|-client)?:)?(?:\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\](?::\d+)?|"
         r"(?:::ffff:)?\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?|[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]*:[0-9A-Fa-f.]+(?:%[\w.-]+)?)")


def peer_ip(a: str) -> str:
    """The IP address of an OpenVPN peer as OpenVPN prints it: an IPv4 address with its port ('203.0.113.7:51642',
    also for an IPv4-mapped peer on a dual-stack socket), an IPv6 address without one ('2001:db8::9': 'v6addr:port
    is too ambiguous', says OpenVPN's mroute.c), a protocol before it in 2.6 ('udp4:', 'udp6:[2001:db8::9]:51642')
    or '[AF_INET6]' -> the bare address."""
    prefix = "^(?:\\[AF_INET6?\\])?(?:(?:udp|tcp)[46]?(?:-server|-client)?:)?"
    bare = f"regexp_replace(trim({a}), '{prefix}', '')"
    return (f"nullif(CASE WHEN regexp_matches({bare}, '^\\[') THEN regexp_extract({bare}, '^\\[([^\\]]*)\\]', 1) "
            f"WHEN regexp_matches({bare}, '^(?:::ffff:)?\\d+\\.\\d+\\.\\d+\\.\\d+') "
            f"THEN regexp_extract({bare}, '(\\d+\\.\\d+\\.\\d+\\.\\d+)', 1) "
            f"ELSE {bare} END, '')")


def _q(rx: str) -> str:
    """A regular expression as an SQL string literal."""
    return "'" + rx.replace("'", "''") + "'"


def _kinds() -> str:
    case = " ".join(f"WHEN regexp_matches(rest, {_q(rx)}) THEN '{kind}'" for rx, kind, _ in MESSAGES)
    return f"CASE {case} END"


def _hosts() -> str:
    return " ".join(f"WHEN '{form}' THEN regexp_extract(line, {_q(rx)}, 1)" for form, rx in _HOST.items())


def _reasons() -> str:
    case = " ".join(f"WHEN regexp_matches(rest, {_q(rx)}) THEN '{reason}'" for rx, _, reason in MESSAGES if reason)
    return f"CASE {case} END"


def query(lines: str) -> str:
    return f"""
WITH a AS (
    SELECT line_no, is_last, line AS raw, regexp_extract(line, {_q(_ACCESS_SERVER)}, ['t', 'n', 'inner']) AS ax,
           CASE WHEN contains(line, 'OVPN ')
                THEN regexp_extract(line, {_q(_ACCESS_SERVER_SYSLOG)}, ['head', 'n', 'inner']) END AS sx
    FROM {lines}
), a2 AS (
    -- OpenVPN Access Server's log (openvpnas.log): the core's line quoted after the server's own time with its offset,
    -- rewritten as the syslog form read below (the outer time stated, the core's own time dropped: it has no zone)
    SELECT line_no, is_last,
           CASE WHEN ax.inner <> '' THEN replace(ax.t, ' ', 'T') || ' - ovpn[' || ax.n || ']: ' ||
                    regexp_replace(substr(ax.inner, 2, length(ax.inner) - 2), {_q(_INNER_TIME)}, '')
                WHEN sx.inner <> '' THEN sx.head ||
                    regexp_replace(substr(sx.inner, 2, length(sx.inner) - 2), {_q(_INNER_TIME)}, '')
                ELSE raw END AS line,
           -- the Access Server's own lines (web server, service manager, ...): of the source, about no session
           ax.inner = '' AND regexp_matches(raw, {_q(_ACCESS_SERVER_OWN)}) AS as_own
    FROM a
), l AS (
    SELECT line_no, is_last, line, as_own,
           CASE WHEN regexp_matches(line, '{_RFC3339}') THEN 'rfc3339'
                WHEN regexp_matches(line, '{_ISO}') THEN 'iso'
                WHEN regexp_matches(line, '{_CTIME}') THEN 'ctime'
                WHEN regexp_matches(line, '{_JOURNAL}') THEN 'journal'
                WHEN regexp_matches(line, '{_RFC3164}') THEN 'rfc3164'
                -- (after the others: none of them fits such a line, and most lines are of them)
                WHEN regexp_matches(line, {_q(_RFC5424)}) THEN 'rfc5424'
                WHEN regexp_matches(line, '{_MACHINE}') THEN 'machine' END AS form
    FROM a2
), m0 AS (
    SELECT *,
           CASE form WHEN 'rfc5424' THEN regexp_extract(line, {_q(_RFC5424)}, 2)
                     WHEN 'rfc3339' THEN regexp_extract(line, '{_RFC3339}', 2)
                     WHEN 'iso' THEN regexp_extract(line, '{_ISO}', 2)
                     WHEN 'ctime' THEN regexp_extract(line, '{_CTIME}', 2)
                     WHEN 'journal' THEN regexp_extract(line, '{_JOURNAL}', 3)
                     WHEN 'rfc3164' THEN regexp_extract(line, '{_RFC3164}', 1)
                     WHEN 'machine' THEN regexp_extract(line, '{_MACHINE}', 3) END AS msg0,
           CASE WHEN form = 'journal' THEN nullif(regexp_extract(line, '{_JOURNAL}', 2), '') END AS jzone,
           nullif(CASE form {_hosts()} END, '-') AS host
    FROM l
), m AS (
    -- OpenVPN's own time after a syslog header (its output captured by the journal or syslog) wins
    SELECT *,
           CASE WHEN form IN ('rfc3164', 'rfc3339', 'rfc5424', 'journal') AND regexp_matches(msg0, '{_ISO}')
                    THEN 'iso'
                WHEN form IN ('rfc3164', 'rfc3339', 'rfc5424', 'journal') AND regexp_matches(msg0, '{_CTIME}')
                    THEN 'ctime'
           END AS inner_form
    FROM m0
), t AS (
    SELECT *,
           CASE inner_form WHEN 'iso' THEN regexp_extract(msg0, '{_ISO}', 2)
                           WHEN 'ctime' THEN regexp_extract(msg0, '{_CTIME}', 2) ELSE msg0 END AS msg,
           CASE COALESCE(inner_form, form)
               WHEN 'iso' THEN TRY_CAST(regexp_extract(COALESCE(CASE WHEN inner_form IS NOT NULL THEN msg0 END, line),
                                                       '{_ISO}', 1) AS TIMESTAMP)
               WHEN 'ctime' THEN try_strptime(regexp_replace(regexp_extract(
                   COALESCE(CASE WHEN inner_form IS NOT NULL THEN msg0 END, line), '{_CTIME}', 1), '\\s+', ' ', 'g'),
                   '%a %b %d %H:%M:%S %Y')
               WHEN 'journal' THEN TRY_CAST(regexp_extract(line, '{_JOURNAL}', 1) AS TIMESTAMP) END AS wall,
           CASE WHEN inner_form IS NULL THEN jzone END AS zone,
           CASE WHEN form = 'rfc3339' AND inner_form IS NULL THEN regexp_extract(line, '{_RFC3339}', 1)
                WHEN form = 'rfc5424' AND inner_form IS NULL THEN regexp_extract(line, {_q(_RFC5424)}, 1)
                WHEN form = 'machine' THEN strftime(make_timestamp(
                    TRY_CAST(regexp_extract(line, '{_MACHINE}', 1) AS BIGINT) * 1000000
                    + TRY_CAST(regexp_extract(line, '{_MACHINE}', 2) AS BIGINT)), '%Y-%m-%dT%H:%M:%S.%fZ') END AS stamp
    FROM m
), r AS (
    -- the message after the client it is about ('CN/ADDR ' or 'ADDR ', then '[CN] ' if any)
    SELECT *, regexp_replace(msg, '^(?:[^/\\s]+/)?{_ADDR} (?:\\[[^\\]]*\\] )?', '') AS rest
    FROM t WHERE form IS NOT NULL
), typed AS (
    SELECT *,
           {_kinds()} AS raw_kind,
           regexp_matches(rest, {_q(CONTEXT)}) AS context,
           CASE WHEN regexp_matches(msg, '{SERVER_STOP}') THEN 'stop'
                WHEN regexp_matches(msg, '{SERVER_START}') THEN 'start' END AS server
    FROM r
), client AS (
    -- the client a message is about: 'CN/ADDR' or 'ADDR' at its start, and the CN in '[CN]' if any
    SELECT line_no, form, inner_form, msg, rest, raw_kind, line, wall, stamp, zone, server, host,
           regexp_extract(msg, '^(?:[^/\\s]+/)?({_ADDR}) ', 1) AS addr,
           -- a client instance: its address on its server (two servers in one relayed file never share one)
           concat_ws('|', host, regexp_extract(msg, '^(?:[^/\\s]+/)?({_ADDR}) ', 1)) AS instance,
           COALESCE(nullif(regexp_extract(msg, '^([^/\\s]+)/{_ADDR} ', 1), ''),
                    nullif(nullif(regexp_extract(msg, '^\\S+ (?:SENT CONTROL )?\\[([^\\]]+)\\][ :]', 1), ''), 'UNDEF'),
                    nullif(regexp_extract(rest, '^VERIFY (?:OK|ERROR): depth=0, .*CN=([^,/]+)', 1), '')) AS cn,
           nullif(regexp_extract(rest, {_q(USERNAME)}, 1), '') AS username,
           COALESCE(nullif(regexp_extract(rest, '^MULTI_sva: pool returned IPv4=([0-9.]+)', 1), ''),
                    nullif(regexp_extract(rest, '^MULTI_sva: pool returned IPv4=[^,]*, IPv6=([0-9A-Fa-f:]+)', 1), ''),
                    nullif(regexp_extract(rest, '^MULTI: Learn: ([0-9A-Fa-f:.]+) -> ', 1), ''),
                    nullif(regexp_extract(rest, '^MULTI: primary virtual IP for \\S+: ([0-9A-Fa-f:.]+)$', 1), ''))
               AS vip,
           regexp_matches(rest, '^SIG[A-Z0-9]+\\[soft,(?:tls-error|auth-failure|delayed-exit)\\]') AS never_connected
    FROM typed WHERE raw_kind IS NOT NULL OR context OR server IS NOT NULL
), joined AS (
    -- the account a client authenticated with and the address it was given, carried to its events; the
    -- client instance's earlier start, end and failure (by line) decide what an event is
    SELECT *,
           last_value(username IGNORE NULLS) OVER w_before AS auth_user,
           first_value(vip IGNORE NULLS) OVER (PARTITION BY instance ORDER BY line_no
               ROWS BETWEEN CURRENT ROW AND 50 FOLLOWING) AS next_vip,
           last_value(cn IGNORE NULLS) OVER w_before AS known_cn,
           max(CASE WHEN raw_kind = 'session_start' THEN line_no END) OVER w_prior AS last_start,
           max(CASE WHEN raw_kind = 'session_end' THEN line_no END) OVER w_prior AS last_end,
           max(CASE WHEN raw_kind = 'login_failed' THEN line_no END) OVER w_prior AS last_fail,
           min(CASE WHEN raw_kind = 'login_failed' THEN line_no END) OVER w_after AS next_fail,
           min(CASE WHEN raw_kind = 'session_end' THEN line_no END) OVER w_after AS next_end,
           -- its server's next stop or restart, whatever client a line is about (one window over the few lines here)
           min(CASE WHEN server IS NOT NULL THEN line_no END) OVER (PARTITION BY host ORDER BY line_no
               ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS next_stop
    FROM client
    WINDOW w_before AS (PARTITION BY instance ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
           w_prior AS (PARTITION BY instance ORDER BY line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
           w_after AS (PARTITION BY instance ORDER BY line_no ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)
), decided AS (
    SELECT *,
        CASE
            WHEN raw_kind = 'login_failed' THEN
                CASE WHEN last_fail > COALESCE(last_end, 0) THEN NULL ELSE 'login_failed' END
            WHEN raw_kind = 'session_start' THEN
                -- failed before (2.4-2.6 log the line, then AUTH_FAILED) or after (deferred authentication)
                CASE WHEN last_fail > COALESCE(last_end, 0) OR next_fail < COALESCE(next_end, next_fail + 1) THEN NULL
                     ELSE 'session_start' END
            WHEN raw_kind = 'session_end' THEN CASE
                WHEN last_fail > COALESCE(last_end, 0) THEN NULL
                WHEN last_end > COALESCE(last_start, 0) THEN 'session_stats'
                WHEN last_start IS NOT NULL THEN 'session_end'
                WHEN never_connected THEN NULL
                ELSE 'session_end' END
        END AS kind,
        {_reasons()} AS reason0
    FROM joined
), stopped AS (
    -- a session still open when the server stops (or starts again without a logged stop) ends there: one end per
    -- such session on the stop line, with the stop line's time
    SELECT st.line_no, 'session_end' AS kind, st.form, st.inner_form, st.wall, st.stamp, st.zone, st.host, s.addr,
           s.auth_user, s.known_cn, s.next_vip, st.msg,
           CASE st.server WHEN 'stop' THEN {_q(SERVER_STOP_REASONS[0] + ': ')} || st.msg
                ELSE {_q(SERVER_STOP_REASONS[1] + ': the session ended before this line')} END AS reason0
    FROM decided s JOIN client st ON st.line_no = s.next_stop
    WHERE s.kind = 'session_start' AND (s.next_end IS NULL OR s.next_end > s.next_stop)
), j AS (
    SELECT line_no, kind, form, inner_form, wall, stamp, zone, host, addr, auth_user, known_cn, next_vip, msg, reason0
    FROM decided WHERE kind IS NOT NULL
    UNION ALL
    SELECT * FROM stopped
    UNION ALL
    -- the stop or restart itself (base.SERVER_MARK, not an event): it also ends the sessions still open from the
    -- server's previous (rotated) file when the files are parsed together (parse.py)
    SELECT line_no, {_q(SERVER_MARK)}, form, inner_form, wall, stamp, zone, host, NULL, NULL, NULL, NULL, msg,
           CASE server WHEN 'stop' THEN msg END
    FROM client WHERE server IS NOT NULL
)
SELECT l.line_no, l.is_last,
       j.kind IS NOT NULL AND j.kind <> {_q(SERVER_MARK)} AS relevant,
       CASE WHEN j.kind IS NULL OR j.kind = {_q(SERVER_MARK)} THEN NULL
            WHEN j.wall IS NULL AND j.stamp IS NULL AND NOT (j.form = 'rfc3164' AND j.inner_form IS NULL)
                THEN 'no readable time'
            WHEN j.addr IS NULL OR j.addr = '' THEN 'no client address'
            WHEN j.kind = 'session_start' AND COALESCE(j.auth_user, j.known_cn) IS NULL THEN 'no client name'
       END AS problem,
       l.form IS NULL AND NOT l.as_own AND trim(l.line) <> '' AS not_source,
       j.kind,
       CAST(TRY_CAST(j.stamp AS TIMESTAMPTZ) AS TIMESTAMP) AS ts_utc,
       j.wall AS ts_local,
       -- a classic syslog header's time alone (pfSense, OPNsense, rsyslog's default): its year settled per file
       CASE WHEN j.form = 'rfc3164' AND j.inner_form IS NULL THEN regexp_extract(l.line, '{_RFC3164_TIME}', 1) END
           AS noyear_text,
       tz_minutes(j.zone) AS tz_offset_min,
       COALESCE(j.stamp, j.zone) AS tz_text,
       -- (an Access Server auto-login profile's certificate is named USER_AUTOLOGIN)
       COALESCE(j.auth_user, regexp_replace(j.known_cn, '_AUTOLOGIN$', '')) AS account,
       {peer_ip('j.addr')} AS source_ip,
       CASE WHEN j.kind = 'session_start' THEN j.next_vip END AS assigned_ip,
       CASE WHEN j.kind IN ('session_start', 'session_end', 'session_stats')
            THEN 'openvpn|' || COALESCE(j.host || '|', '') || COALESCE(j.known_cn, '') || '/' || j.addr END
           AS session_key,
       'ssl_vpn' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, j.host AS gateway_id,
       CAST(NULL AS BIGINT) AS duration_s,
       CASE WHEN j.kind = 'session_stats' THEN 'end already logged: ' ELSE '' END || j.reason0 AS reason
FROM l LEFT JOIN j ON j.line_no = l.line_no
WHERE j.kind IS NOT NULL OR l.is_last OR (l.form IS NULL AND NOT l.as_own AND trim(l.line) <> '')
"""


SOURCE = RawSource(
    id="openvpn-log",
    vendor="OpenVPN",
    product="OpenVPN server log (2.4-2.6)",
    expects=("The server's own log: `log-append /var/log/openvpn/server.log` with `verb 3` (the default), the "
             "journal (`journalctl -u openvpn-server@server -o short-iso`), or syslog kept by rsyslog with RFC 3339 "
             "times ($ActionFileDefaultTemplate RSYSLOG_FileFormat); classic syslog times (pfSense, OPNsense) "
             "carry no year: it is taken from --year, else the file's name or modification time (reported)."),
    sample=("2026-11-02 08:15:02 203.0.113.7:51642 TLS: Username/Password authentication succeeded for username "
            "'alice'\n2026-11-02 08:15:02 203.0.113.7:51642 [alice-laptop] Peer Connection Initiated with "
            "[AF_INET]203.0.113.7:51642\n2026-11-02 08:15:02 alice-laptop/203.0.113.7:51642 MULTI_sva: pool "
            "returned IPv4=10.8.0.6, IPv6=(Not enabled)\n2026-11-02 17:30:00 alice-laptop/203.0.113.7:51642 "
            "SIGTERM[soft,remote-exit] received, client-instance exiting"),
    detect=(r"(?:openvpn(?:\[\d+\])?: |Peer Connection Initiated|MULTI(?:_sva)?: |TLS: |client-instance|"
            r"peer info: |Initialization Sequence Completed|VERIFY (?:OK|KU|EKU)|TLS Auth Error|"
            r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} (?:us=\d+ )?\S|"
            r"^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]?\d \d{2}:\d{2}:\d{2} \d{4} |"
            r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?[+-]\d{4} \[(?:-|std(?:out|err)#\w+)\] |"
            r"^\d{9,11}\.\d{6} [0-9a-f]+ \S)"),
    query=query,
    yearless=True,
    stated_gateway_wins=True,
)
