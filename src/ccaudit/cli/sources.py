"""`ccaudit sources`: the raw exports ccaudit reads, and `sources parse` to turn them into evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.console import print_line
from ccaudit.textsafe import visible

sources_app = typer.Typer(help="Raw exports (VPN logs, status files) read as evidence.", no_args_is_help=False,
                          invoke_without_command=True)


@sources_app.callback()
def sources_list(ctx: typer.Context) -> None:
    """List every source ccaudit reads, with the export or log setting it expects."""
    if ctx.invoked_subcommand is not None:
        return
    # Plain lines rather than a table: the settings to look for are long and must stay searchable.
    from ccaudit.cli.audit.common import load_settings
    from ccaudit.cli.texts import source_words, tell
    from ccaudit.rawsources.mdm import MDM_SOURCES
    from ccaudit.rawsources.registry import SOURCES

    lang = load_settings(None).lang
    colon = "：" if lang.startswith("zh") else ": "
    described = [(s.id, s.vendor, s.product, s.expects) for s in SOURCES.values()]
    described += [(m.id, m.vendor, m.product, m.expects) for m in MDM_SOURCES.values()]
    for source_id, vendor, product_en, expects_en in described:
        product, expects = source_words(source_id, product_en, expects_en, lang)
        named = product if product.startswith(vendor) else f"{vendor} {product}"  # not "OpenVPN OpenVPN server log"
        print_line(f"{source_id}{colon}{named}")
        print_line(tell("source_expects", lang, expects=expects))
    print_line(tell("source_aws", lang))
    print_line(tell("source_parse_with", lang))


@sources_app.command("parse")
def parse_cmd(
    source: Annotated[str, typer.Argument(help="a source from `ccaudit sources`, or auto to detect each file's")],
    files: Annotated[list[Path], typer.Argument(help="the exported files (several: combined, duplicates removed)")],
    out: Annotated[Path, typer.Option("--out", help="folder for remote_access_events.csv, remote_sessions.csv, "
                                                     "parse_report.json")],
    tz: Annotated[str | None, typer.Option("--tz", help="zone of times a line gives without an offset "
                                                         "(default: CCAUDIT_FIRM_TIMEZONE)")] = None,
    identity_map: Annotated[Path | None, typer.Option("--identity-map", help="identity_map file: account, "
                                                                              "e-mail or UPN -> person_id")] = None,
    gateway: Annotated[str | None, typer.Option("--gateway", help="gateway_id (as in remote_gateways) for "
                                                "sources whose lines do not name it, e.g. OpenVPN")] = None,
    gateway_tz: Annotated[list[str] | None, typer.Option(
        "--gateway-tz", help="GATEWAY=ZONE: the zone of one gateway's times without an offset (repeatable; "
                             "--tz, if given, wins)")] = None,
    date_order: Annotated[str | None, typer.Option(
        "--date-order", help="dmy or mdy: how a date with the year last (05/03/2026) is read where the file's "
                             "own dates do not settle it (Event Viewer on an en-GB or de Windows writes day first)"
    )] = None,
    year: Annotated[str | None, typer.Option(
        "--year", help="the year of each file's first syslog time without one ('Nov  2 08:15:02'; a Dec -> Jan "
                       "change of year is followed); default: from the file's name, else its modification time")
    ] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh-TW or en (default: CCAUDIT_LANG)")] = None,
) -> None:
    """Parse raw exports into remote_access_events.csv, remote_sessions.csv and parse_report.json (MDM
    exports: into the mobile-device datasets and device_parse_report.json)."""
    from ccaudit.cli.audit.common import load_settings
    from ccaudit.cli.sources_devices import is_mdm, parse_devices
    from ccaudit.rawsources.notes import say, translate

    settings = load_settings(None, lang)  # --lang, else CCAUDIT_LANG; the command's refusals in it too
    lang = settings.lang
    if is_mdm(source, files, settings):
        parse_devices(source, files, out, tz, identity_map, settings)
        return
    if source == "auto":  # device exports among logs: each set to its own outputs in the same folder
        devices = [f for f in files if is_mdm("auto", [f], settings)]
        if devices:
            parse_devices("auto", devices, out, tz, identity_map, settings)
            files = [f for f in files if f not in devices]
    from ccaudit.rawsources.compressed import ArchiveLimits
    from ccaudit.rawsources.parse import ParseRequest, date_order_value, parse
    from ccaudit.rawsources.yearless import year_value
    from ccaudit.rawsources.zoneabbr import meaning as zone_meaning

    def line(code: str, **params: object) -> None:  # firm data in the parameters: escaped for the terminal
        print_line(say(code, lang, **{k: visible(translate(str(v), lang)) for k, v in params.items()}))

    zone = tz or settings.firm_timezone
    origin = "--tz" if tz else say("zone_from_firm", setting="CCAUDIT_FIRM_TIMEZONE", option="--tz")
    zones = []
    for given in gateway_tz or []:
        name, sep, gateway_zone = given.partition("=")
        if not sep or not name.strip() or not gateway_zone.strip():
            from ccaudit.cli.texts import tell

            raise typer.BadParameter(tell("gateway_tz", lang, value=repr(visible(given))))
        zones.append((name.strip(), gateway_zone.strip(), f"--gateway-tz {name.strip()}"))
    report = parse(ParseRequest(source=source, files=tuple(files), out=out, zone=zone, zone_origin=origin,
                                identity_map=identity_map, gateway=gateway,
                                threads=settings.duckdb_threads, gateway_zones=tuple(zones),
                                zone_given=tz is not None, date_order=date_order_value(date_order, "--date-order"),
                                year=year_value(year, "--year"), limits=ArchiveLimits.from_settings(settings)))
    for f in report["files"]:
        read_as = [f["compression"]] if f.get("compression") else []  # read from inside a .gz, .zip, ...
        read_as += [] if f.get("encoding", "utf-8") == "utf-8" else [f["encoding"]]
        encoding = "".join(f", {v}" for v in read_as)
        line("parsed_file", file=f["file"], source=f["source"], encoding=encoding, lines=f["lines_read"],
             events=f["recognised"], not_relevant=f["not_relevant"], malformed=f["malformed"],
             not_source=f["not_this_source"])
        for skipped in f.get("not_relevant_by_reason", []):
            line("parsed_not_relevant", count=skipped["count"], reason=translate(skipped["reason"], lang))
        for bad in f.get("malformed_lines", []):  # why, in the language (the problem's note)
            shown = ", ".join(map(str, bad["lines"][:10])) + (", ..." if bad["count"] > 10 else "")
            line("parsed_malformed", count=bad["count"], problem=bad["problem"], lines=shown)
        for timed in f.get("event_time_from", []):  # a Sentinel record's ReceiptTime, or its TimeGenerated
            shown = ", ".join(map(str, timed["lines"][:10])) + (", ..." if timed["count"] > 10 else "")
            code = "parsed_time_from_generated" if timed["column"] == "TimeGenerated" else "parsed_time_from_column"
            line(code, count=timed["count"], column=timed["column"], lines=shown)
        if f.get("date_order"):
            d = f["date_order"]
            read_as = {"day first": "日在前", "month first": "月在前"}.get(d["read_as"], d["read_as"])
            line("parsed_date_order", times=d["times"], read_as=read_as if lang == "zh-TW" else d["read_as"],
                 origin=d["from"])
        if f.get("year"):
            y = f["year"]
            line("parsed_year", times=y["times"], years=y["read_as"], rollovers=y["rollovers"], origin=y["from"])
    s, tzr, ids = report["sessions"], report["time_zone"], report["identities"]
    line("parsed_sessions", sessions=s["sessions"], paired=s["paired_start_and_end"], without_end=s["without_end"],
         before=s["start_derived_from_duration"], not_placed=s["not_placed"], failed=s["failed_logins"],
         duplicates=report["duplicates"]["count"])
    for name, facts in s.get("by_file", {}).items():  # a session cut by log rotation: started here, ended there
        elsewhere = facts.get("ended_in_other_files")
        if elsewhere and elsewhere.get("count"):
            line("sessions_ended_elsewhere", file=name, count=elsewhere["count"], files=", ".join(elsewhere["files"]))
    if s.get("ended_by_server_stop"):
        line("parsed_server_stops", count=s["ended_by_server_stop"])
    if s.get("paired_without_tunnel_id"):
        line("parsed_without_tunnel_id", count=s["paired_without_tunnel_id"])
    if s.get("merged_windows_logs", {}).get("count"):
        line("parsed_windows_merged", count=s["merged_windows_logs"]["count"])
    if s.get("merged_defender_logons", {}).get("count"):
        line("parsed_defender_merged", count=s["merged_defender_logons"]["count"])
    for a in tzr.get("abbreviations", []):  # JST read as +09:00; CST (several zones) read in the zone stated
        if a["read_as"]:
            line("parsed_zone_abbr_mapped", count=a["events"], abbr=a["text"], line=a["first_line"],
                 offset=a["read_as"], meaning=zone_meaning(a["text"], lang))
        else:
            line("parsed_zone_abbr_ambiguous", count=a["events"], abbr=a["text"], line=a["first_line"],
                 meanings=zone_meaning(a["text"], lang), zone=a["read_in"], zone_from=a["zone_from"])
    for g in tzr["by_gateway"]:
        line("parsed_zone_assumed", count=g["events_with_assumed_zone"], gateway=g["gateway_id"] or "(none named)",
             zone=g["zone"], zone_from=g["zone_from"])
    if ids["accounts_unresolved"]:
        line("parsed_accounts_unresolved", count=len(ids["accounts_unresolved"]), report="parse_report.json")
    from ccaudit.cli.texts import listed

    line("parsed_wrote", files=listed([str(out / n) for n in ("remote_access_events.csv", "remote_sessions.csv",
                                                            "parse_report.json")], lang))


def register(app: typer.Typer) -> None:
    from ccaudit.cli import sources_aws  # noqa: F401  (registers `sources aws` on sources_app)

    app.add_typer(sources_app, name="sources")
