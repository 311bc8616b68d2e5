"""OpenVPN server status file, versions 1, 2 and 3 (`--status FILE` with `--status-version 1|2|3`).

A snapshot: one CLIENT_LIST row per connected client with its real address, virtual address, bytes and
`Connected Since` (versions 2 and 3 also as `Connected Since (time_t)`, an epoch; and `Username`).
Version 1 is a plain CSV section under 'OpenVPN CLIENT LIST' and 'Updated,<time>', the virtual address
in the ROUTING TABLE section (the client's IPv4 address there, not a subnet it routes); version 2
prefixes rows with HEADER/CLIENT_LIST/TIME, comma-separated; version 3 is version 2 separated by tabs.
Columns are found by their names in the HEADER row, since 2.4 added 'Virtual IPv6 Address', 'Client ID'
and 'Peer ID', and 2.5 'Data Channel Cipher' (2.3 has none of them). Real Address is IPv4 with its port,
IPv6 without one. Times are ctime before 2.5 ('Mon Nov  2 08:15:02 2026'), ISO after; the time_t columns
are read first. Each client is a session_start at its Connected Since time and a session_stats at the
snapshot time; a status file shows no session end."""

from __future__ import annotations

from ccaudit.rawsources.base import RawSource
from ccaudit.rawsources.openvpn_log import peer_ip

# 'Thu Jun 18 08:07:43 2015' (ctime, before 2.5; day padded with a space or not) or '2026-11-02 08:15:02'
_CTIME = ("COALESCE(TRY_CAST(trim({x}) AS TIMESTAMP), "
          "try_strptime(regexp_replace(trim({x}), '\\s+', ' ', 'g'), '%a %b %d %H:%M:%S %Y'))")


def _ctime(x: str) -> str:
    return _CTIME.format(x=x)


def query(lines: str) -> str:
    return f"""
WITH l AS (
    SELECT line_no, is_last, line,
           CASE WHEN contains(line, chr(9)) THEN chr(9) ELSE ',' END AS sep
    FROM {lines}
), marks AS (
    -- v1 sections: the rows after 'Common Name,...' until 'ROUTING TABLE' are clients
    SELECT *, string_split(line, sep) AS f,
           max(CASE WHEN line LIKE 'Common Name,%' THEN line_no END) OVER (ORDER BY line_no) AS v1_hdr,
           max(CASE WHEN line IN ('ROUTING TABLE', 'GLOBAL STATS', 'END') THEN line_no END)
               OVER (ORDER BY line_no) AS v1_end
    FROM l
), hdr AS (
    SELECT string_split(line, sep)[3:] AS names FROM l
    WHERE starts_with(line, 'HEADER' || sep || 'CLIENT_LIST' || sep)
    LIMIT 1
), snap AS (
    SELECT max(CASE WHEN starts_with(line, 'TIME' || sep) THEN
                   COALESCE(epoch_ts(TRY_CAST(f[3] AS BIGINT)), epoch_ts(TRY_CAST(f[2] AS BIGINT)), {_ctime('f[2]')},
                            {_ctime('f[3]')}) END) AS v2_time,
           max(CASE WHEN starts_with(line, 'Updated,') THEN {_ctime('f[2]')} END) AS v1_time
    FROM marks
), v1_route AS (
    -- a client's own address: IPv4 first, never a subnet it routes (iroute: '10.20.0.0/24') or a cached 'C' entry
    SELECT f[2] AS cn, f[3] AS real_addr,
           COALESCE(min(f[1]) FILTER (WHERE regexp_matches(f[1], '^\\d+\\.\\d+\\.\\d+\\.\\d+$')),
                    min(f[1]) FILTER (WHERE regexp_matches(f[1], '^[0-9A-Fa-f:]+$') AND contains(f[1], ':')
                                      -- a bridged (TAP) client's route is its MAC address, not an IPv6 address
                                      AND NOT regexp_matches(f[1], '^[0-9A-Fa-f]{{2}}(:[0-9A-Fa-f]{{2}}){{5}}$')))
               AS vip
    FROM marks
    WHERE regexp_matches(line, '^[^,]+,[^,]+,[^,]+,[^,]+$') AND v1_end IS NOT NULL AND line_no > v1_end
      AND NOT starts_with(line, 'Virtual Address,')
    GROUP BY ALL
), rows AS (
    SELECT m.line_no, m.is_last, m.line, m.f, m.sep,
           starts_with(m.line, 'CLIENT_LIST' || m.sep) AS v2_client,
           m.v1_hdr IS NOT NULL AND m.line_no > m.v1_hdr AND (m.v1_end IS NULL OR m.v1_end < m.v1_hdr)
               AND trim(m.line) <> '' AS v1_client
    FROM marks m
), clients AS (
    SELECT r.*,
        CASE WHEN v2_client THEN r.f[1 + list_position(h.names, 'Common Name')] ELSE r.f[1] END AS cn,
        CASE WHEN v2_client THEN r.f[1 + list_position(h.names, 'Real Address')] ELSE r.f[2] END AS real_addr,
        CASE WHEN v2_client THEN r.f[1 + list_position(h.names, 'Virtual Address')] END AS vip4,
        CASE WHEN v2_client THEN r.f[1 + list_position(h.names, 'Virtual IPv6 Address')] END AS vip6,
        -- the user name as typed may hold the separator (OpenVPN 2.5+ keeps every printable character and does not
        -- quote): the fields a row has beyond the header's are the name's, so it is read whole, never cut short
        -- (a row cut short, by a line break in a name, has no such field: no name, not an engine error)
        CASE WHEN v2_client AND len(r.f) > list_position(h.names, 'Username')
             THEN nullif(nullif(list_reduce(r.f[1 + list_position(h.names, 'Username'):
                                                 1 + list_position(h.names, 'Username')
                                                 + greatest(len(r.f) - len(h.names) - 1, 0)],
                                            lambda a, b: a || r.sep || b), 'UNDEF'), '') END AS username,
        CASE WHEN v2_client THEN COALESCE(
                 epoch_ts(TRY_CAST(r.f[1 + list_position(h.names, 'Connected Since (time_t)')] AS BIGINT)),
                 NULL) END AS since_epoch,
        CASE WHEN v2_client THEN {_ctime("r.f[1 + list_position(h.names, 'Connected Since')]")}
             ELSE {_ctime('r.f[5]')} END AS since_wall
    FROM rows r LEFT JOIN hdr h ON TRUE
    WHERE r.v2_client OR r.v1_client
), expanded AS (
    SELECT c.*, k.kind FROM clients c CROSS JOIN (VALUES ('session_start'), ('session_stats')) AS k(kind)
)
SELECT r.line_no, r.is_last,
       e.kind IS NOT NULL AS relevant,
       CASE WHEN e.kind IS NULL THEN NULL
            WHEN e.cn IS NULL OR e.cn = '' THEN 'no Common Name'
            WHEN e.kind = 'session_start' AND e.since_epoch IS NULL AND e.since_wall IS NULL
                THEN 'no readable Connected Since'
            WHEN e.kind = 'session_stats' AND s.v1_time IS NULL AND s.v2_time IS NULL
                THEN 'no snapshot time (TIME or Updated row)'
       END AS problem,
       NOT (r.v2_client OR r.v1_client OR trim(r.line) = ''
            OR regexp_matches(r.line, '^(OpenVPN CLIENT LIST|Updated,|Common Name,|ROUTING TABLE|GLOBAL STATS|END|'
                                      || 'Virtual Address,|Max bcast|TITLE|TIME|HEADER|ROUTING_TABLE|GLOBAL_STATS)')
            OR regexp_matches(r.line, '^[^,]+,[^,]+,[^,]+,[^,]+$')) AS not_source,
       e.kind,
       CASE WHEN e.kind = 'session_start' THEN e.since_epoch
            WHEN e.kind = 'session_stats' AND s.v2_time IS NOT NULL THEN s.v2_time END AS ts_utc,
       CASE WHEN e.kind = 'session_start' AND e.since_epoch IS NULL THEN e.since_wall
            WHEN e.kind = 'session_stats' AND s.v2_time IS NULL THEN s.v1_time END AS ts_local,
       CAST(NULL AS INTEGER) AS tz_offset_min, CAST(NULL AS VARCHAR) AS tz_text,
       COALESCE(e.username, e.cn) AS account,
       {peer_ip('e.real_addr')} AS source_ip,
       COALESCE(nullif(e.vip4, ''), nullif(e.vip6, ''), v.vip) AS assigned_ip,
       'openvpn|' || e.cn || '|' || e.real_addr || '|'
           || COALESCE(CAST(e.since_epoch AS VARCHAR), CAST(e.since_wall AS VARCHAR)) AS session_key,
       'ssl_vpn' AS channel, CAST(NULL AS VARCHAR) AS mfa_method, CAST(NULL AS VARCHAR) AS gateway_id,
       CAST(NULL AS BIGINT) AS duration_s, CAST(NULL AS VARCHAR) AS reason
FROM rows r
LEFT JOIN expanded e ON e.line_no = r.line_no
LEFT JOIN v1_route v ON v.cn = e.cn AND v.real_addr = e.real_addr
CROSS JOIN snap s
WHERE e.kind IS NOT NULL OR r.is_last OR NOT (r.v2_client OR r.v1_client OR trim(r.line) = ''
            OR regexp_matches(r.line, '^(OpenVPN CLIENT LIST|Updated,|Common Name,|ROUTING TABLE|GLOBAL STATS|END|'
                                      || 'Virtual Address,|Max bcast|TITLE|TIME|HEADER|ROUTING_TABLE|GLOBAL_STATS)')
            OR regexp_matches(r.line, '^[^,]+,[^,]+,[^,]+,[^,]+$'))
"""


SOURCE = RawSource(
    id="openvpn-status",
    vendor="OpenVPN",
    product="OpenVPN server status file (status-version 1, 2 or 3)",
    expects=("The file the server writes with `status /var/log/openvpn/status.log 60` and "
             "`status-version 1|2|3` in its configuration (or the management interface's `status 2`). "
             "A snapshot of who is connected: collect one per interval for a history; the server log "
             "records the ends."),
    sample=("TITLE,OpenVPN 2.6.8 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL]\n"
            "TIME,2026-11-02 09:00:00,1793581200\n"
            "HEADER,CLIENT_LIST,Common Name,Real Address,Virtual Address,Virtual IPv6 Address,Bytes Received,"
            "Bytes Sent,Connected Since,Connected Since (time_t),Username,Client ID,Peer ID,Data Channel Cipher\n"
            "CLIENT_LIST,alice,203.0.113.7:51642,10.8.0.6,,31337,48212,2026-11-02 08:15:02,1793578502,alice,0,0,"
            "AES-256-GCM\nEND"),
    # version 1's client and routing rows name no section ('CN,ADDR,bytes,bytes,TIME', 'VIRTUAL,CN,ADDR,TIME'): they
    # fit too, else a busy server's file would be its few header lines among hundreds of unrecognised rows
    detect=(r"^(?:OpenVPN CLIENT LIST|Updated,|Common Name,|ROUTING TABLE|GLOBAL STATS|END$|Virtual Address,|"
            r"TITLE[,\t]|TIME[,\t]|HEADER[,\t]|CLIENT_LIST[,\t]|ROUTING_TABLE[,\t]|GLOBAL_STATS[,\t]|"
            r"[^,\t]+,(?:[^,\t]+,(?:(?:udp|tcp)[46]?:)?[\[\]0-9A-Fa-f:.]+|(?:(?:udp|tcp)[46]?:)?[\[\]0-9A-Fa-f:.]+,"
            r"\d+,\d+),(?:[A-Z][a-z]{2} [A-Z][a-z]{2} +\d{1,2} \d\d:\d\d:\d\d \d{4}|"
            r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)$)"),
    query=query,
    whole_file=True,
)
