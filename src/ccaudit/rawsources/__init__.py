"""Raw exports from the systems firms run (VPN gateways, identity providers, MDM), turned into evidence.

This stage runs before evidence import: `ccaudit sources parse` reads a gateway's own log or status file
in DuckDB (constant memory, no Python loop over lines), writes one row per recognised event
(remote_access_events.csv), derives the datasets the checks read (remote_sessions.csv) and reports every
line it did not use (parse_report.json). Each source is one module that declares its facts as data
(`RawSource`) and one SQL query from lines to events; `registry.SOURCES` lists them.
Not to be confused with ccaudit.evidence.sources, which discovers the files of an evidence folder."""
