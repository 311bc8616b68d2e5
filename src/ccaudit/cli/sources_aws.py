"""`ccaudit sources aws`: read an AWS account (backup plans, S3, CloudTrail, listeners) into evidence files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.audit.common import load_settings
from ccaudit.cli.console import print_line
from ccaudit.cli.sources import sources_app
from ccaudit.cli.texts import listed, tell
from ccaudit.textsafe import visible


@sources_app.command("aws")
def aws_cmd(
    out: Annotated[Path, typer.Option("--out", help="folder for cloud_services.csv, sensitive_endpoints.csv, "
                                                     "aws_s3_buckets.csv, aws_cloudtrail_trails.csv, "
                                                     "aws_observed.json")],
    region: Annotated[list[str] | None, typer.Option("--region", help="a region to read (repeat for several; "
                                                     "default: the profile's region)")] = None,
    profile: Annotated[str | None, typer.Option("--profile", help="a profile of the AWS configuration "
                                                "(credentials come only from the standard AWS chain)")] = None,
    sensitive_tag: Annotated[str, typer.Option("--sensitive-tag", help="tag KEY=VALUE (or KEY) marking a load "
                                               "balancer or CloudFront distribution that carries sensitive "
                                               "data")] = "ccaudit:sensitive=true",
    all_endpoints: Annotated[bool, typer.Option("--all-endpoints", help="treat every load balancer and "
                                                "distribution as carrying sensitive data")] = False,
    service_id: Annotated[str | None, typer.Option("--service-id", help="the account's service_id in the firm's "
                                                   "cloud_services register (default AWS-<account>)")] = None,
) -> None:
    """Read an AWS account, read-only, into evidence files and aws_observed.json (what AWS answered)."""
    from ccaudit.rawsources.aws import OBSERVED_FILE, AwsRequest, collect

    doc = collect(AwsRequest(out=out, regions=tuple(region or ()), profile=profile, sensitive_tag=sensitive_tag,
                             all_endpoints_sensitive=all_endpoints, service_id=service_id))
    s = doc["summary"]
    lang = load_settings(None).lang
    print_line(tell("aws_account", lang, account=visible(doc["account"]), regions=visible(", ".join(doc["regions"])),
                   at=doc["collected_at"]))
    print_line(tell("aws_summary", lang, plans=s["backup_plans"], plans_ok=s["backup_plans_with_rules_and_selections"],
                   endpoints=s["sensitive_endpoints"], plain=s["sensitive_endpoints_plain_http"],
                   weak=s["sensitive_endpoints_below_tls_1_2"], buckets=s["s3_buckets"],
                   unencrypted=len(s["s3_buckets_without_default_encryption"]),
                   public=len(s["s3_buckets_not_blocking_public_access"]), trails=s["cloudtrail_trails"]))
    if not s["cloudtrail_multi_region_and_logging"]:
        print_line(tell("aws_no_trail", lang))
    if s["not_observed"]:
        print_line(tell("aws_refused", lang, count=len(s["not_observed"]), file=OBSERVED_FILE))
    print_line(tell("aws_wrote", lang, files=listed([visible(str(out / o)) for o in doc["outputs"]], lang)))
