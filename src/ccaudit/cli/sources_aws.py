"""`ccaudit sources aws`: read an AWS account (backup plans, S3, CloudTrail, listeners) into evidence files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ccaudit.cli.console import print_line
from ccaudit.cli.sources import sources_app
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
    print_line(f"account {visible(doc['account'])}, regions {visible(', '.join(doc['regions']))}, collected "
               f"{doc['collected_at']}")
    print_line(f"{s['backup_plans']} backup plans ({s['backup_plans_with_rules_and_selections']} with rules and "
               f"selections); {s['sensitive_endpoints']} sensitive endpoints ({s['sensitive_endpoints_plain_http']} "
               f"plain HTTP, {s['sensitive_endpoints_below_tls_1_2']} below TLS 1.2); {s['s3_buckets']} buckets "
               f"({len(s['s3_buckets_without_default_encryption'])} without default encryption, "
               f"{len(s['s3_buckets_not_blocking_public_access'])} not blocking public access); "
               f"{s['cloudtrail_trails']} trails")
    if not s["cloudtrail_multi_region_and_logging"]:
        print_line("no multi-region CloudTrail trail is logging")
    if s["not_observed"]:
        print_line(f"{len(s['not_observed'])} calls were refused (listed in {OBSERVED_FILE}); nothing is "
                   "concluded from them")
    print_line(f"wrote {', '.join(visible(str(out / o)) for o in doc['outputs'])}")
