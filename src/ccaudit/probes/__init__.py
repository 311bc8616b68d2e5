"""Live probes: evidence ccaudit gathers itself, only from targets the firm has registered.

A probe reads the firm's own register (sensitive_endpoints for TLS, iot_inventory for ports) through the
evidence importer, so every form `ccaudit inspect` accepts works; refuses any target not in it; and writes
a dataset file for `ccaudit inspect` with its raw observations (JSON) beside it. Like rawsources/, it is a
stage before evidence import: its files are then imported, hashed and cited like any other."""
