"""AWS, read live through boto3: what a firm's account shows about backup, storage encryption, audit
logging and the encryption of its endpoints, written as evidence files.

Credentials come only from boto3's standard chain (environment, shared config and credentials files, SSO,
container or instance role), optionally naming a profile: ccaudit never reads, stores or prints them. Every
call is read-only (List*, Describe*, Get*). A call the credentials may not make is recorded as not observed,
never taken to mean "absent" (an S3 bucket whose encryption cannot be read is not written as unencrypted).

Outputs in DIR:
- cloud_services.csv: one row for the account, backup_arrangement from its AWS Backup plans (rules, schedule,
  retention, copies, what each plan selects); empty when no plan has a rule and a selection.
- sensitive_endpoints.csv: each load-balancer listener and CloudFront distribution marked sensitive (a tag),
  with the protocol it accepts (http when it serves plain HTTP, not merely redirects) and the TLS versions
  its security policy accepts, and the certificate's expiry from ACM.
- aws_s3_buckets.csv, aws_cloudtrail_trails.csv: the buckets' default encryption and public-access blocks,
  the trails (multi-region, logging, log-file validation). No check reads these yet: supporting evidence.
- aws_observed.json: the account, partition, regions, caller, collection time, the summary and every
  response observed (without response metadata), so the files above can be traced to what AWS answered."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

OBSERVED_FILE = "aws_observed.json"

# TLS versions each AWS security policy accepts, for when DescribeSslPolicies is not allowed or does not
# know a policy (Elastic Load Balancing and CloudFront documentation, predefined policies).
ELB_POLICY_TLS = {
    "ELBSecurityPolicy-2016-08": "TLSv1, TLSv1.1, TLSv1.2",
    "ELBSecurityPolicy-TLS-1-0-2015-04": "TLSv1, TLSv1.1, TLSv1.2",
    "ELBSecurityPolicy-TLS-1-1-2017-01": "TLSv1.1, TLSv1.2",
    "ELBSecurityPolicy-TLS-1-2-2017-01": "TLSv1.2",
    "ELBSecurityPolicy-TLS-1-2-Ext-2018-06": "TLSv1.2",
    "ELBSecurityPolicy-FS-2018-06": "TLSv1, TLSv1.1, TLSv1.2",
    "ELBSecurityPolicy-FS-1-1-2019-08": "TLSv1.1, TLSv1.2",
    "ELBSecurityPolicy-FS-1-2-2019-08": "TLSv1.2",
    "ELBSecurityPolicy-FS-1-2-Res-2019-08": "TLSv1.2",
    "ELBSecurityPolicy-FS-1-2-Res-2020-10": "TLSv1.2",
    "ELBSecurityPolicy-TLS13-1-2-2021-06": "TLSv1.2, TLSv1.3",
    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06": "TLSv1.2, TLSv1.3",
    "ELBSecurityPolicy-TLS13-1-3-2021-06": "TLSv1.3",
    "ELBSecurityPolicy-TLS13-1-1-2021-06": "TLSv1.1, TLSv1.2, TLSv1.3",
    "ELBSecurityPolicy-TLS13-1-0-2021-06": "TLSv1, TLSv1.1, TLSv1.2, TLSv1.3",
}
CLOUDFRONT_MIN_TLS = {
    "SSLv3": "SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3",
    "TLSv1": "TLSv1, TLSv1.1, TLSv1.2, TLSv1.3",
    "TLSv1_2016": "TLSv1, TLSv1.1, TLSv1.2, TLSv1.3",
    "TLSv1.1_2016": "TLSv1.1, TLSv1.2, TLSv1.3",
    "TLSv1.2_2018": "TLSv1.2, TLSv1.3",
    "TLSv1.2_2019": "TLSv1.2, TLSv1.3",
    "TLSv1.2_2021": "TLSv1.2, TLSv1.3",
    "TLSv1.3_2025": "TLSv1.3",
}
NOT_FOUND = ("ServerSideEncryptionConfigurationNotFoundError", "NoSuchPublicAccessBlockConfiguration",
             "NoSuchBucketPolicy", "NoSuchEntity", "ResourceNotFoundException", "TrailNotFoundException")


@dataclass(frozen=True)
class AwsRequest:
    out: Path
    regions: tuple[str, ...] = ()  # default: the profile's region
    profile: str | None = None
    sensitive_tag: str = "ccaudit:sensitive=true"  # KEY=VALUE (or KEY: any value) marking a sensitive endpoint
    all_endpoints_sensitive: bool = False
    service_id: str | None = None  # the account's service_id in the firm's cloud_services register
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC), compare=False)


class _Observer:
    """Calls AWS and keeps every answer (or the error that stood in for one) for aws_observed.json."""

    def __init__(self) -> None:
        self.observed: dict[str, Any] = {}
        self.not_observed: list[dict[str, str]] = []

    def call(self, key: str, fn: Callable[..., Any], **kwargs: Any) -> Any:
        """One call; None when AWS says the thing is not there (recorded as such), raise nothing else but
        record it as not observed and return a sentinel the caller tests with `is _UNKNOWN`."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = fn(**kwargs)
        except ClientError as exc:
            code = str(exc.response.get("Error", {}).get("Code", "ClientError"))
            if code in NOT_FOUND:
                self.observed[key] = {"not_configured": code}
                return None
            self.not_observed.append({"call": key, "error": code})
            return _UNKNOWN
        except BotoCoreError as exc:
            self.not_observed.append({"call": key, "error": type(exc).__name__})
            return _UNKNOWN
        if isinstance(answer, dict):
            answer = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        self.observed[key] = answer
        return answer

    def pages(self, key: str, client: Any, op: str, result: str, **kwargs: Any) -> list[Any] | object:
        from botocore.exceptions import BotoCoreError, ClientError

        items: list[Any] = []
        try:
            for page in client.get_paginator(op).paginate(**kwargs):
                items.extend(page.get(result, []))
        except ClientError as exc:
            self.not_observed.append({"call": key, "error": str(exc.response.get("Error", {}).get("Code"))})
            return _UNKNOWN
        except BotoCoreError as exc:
            self.not_observed.append({"call": key, "error": type(exc).__name__})
            return _UNKNOWN
        self.observed[key] = items
        return items


_UNKNOWN = object()


def collect(request: AwsRequest) -> dict[str, Any]:
    """Read the account and write the evidence files into request.out; return the summary."""
    try:
        import boto3
        from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, ProfileNotFound
    except ImportError:
        raise EvidenceError("boto3 is not installed: pip install 'ccaudit[aws]'") from None
    try:
        session = boto3.Session(profile_name=request.profile) if request.profile else boto3.Session()
        regions = request.regions or ((session.region_name,) if session.region_name else ())
        if not regions:
            raise EvidenceError("no AWS region: give --region (or set one in the profile or AWS_REGION)")
        identity = session.client("sts", region_name=regions[0]).get_caller_identity()
    except ProfileNotFound:
        raise EvidenceError(f"AWS profile {visible(str(request.profile))!r} not found in the AWS configuration"
                            ) from None
    except NoCredentialsError:
        raise EvidenceError("no AWS credentials found in the standard configuration chain (environment, "
                            "~/.aws/config and credentials, SSO, instance role); give --profile NAME") from None
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "ClientError")
        raise EvidenceError(f"AWS refused the credentials: {visible(str(code))}") from None
    except BotoCoreError as exc:
        raise EvidenceError(f"cannot reach AWS: {visible(type(exc).__name__)}") from None
    collected_at = request.now().astimezone(dt.UTC).replace(microsecond=0)
    account = str(identity["Account"])
    arn = str(identity["Arn"])
    partition = arn.split(":")[1] if arn.count(":") >= 2 else "aws"
    obs = _Observer()
    key, _, value = request.sensitive_tag.partition("=")
    sensitive = _TagMatch(key, value or None, request.all_endpoints_sensitive)

    backup = [p for r in regions for p in _backup_plans(session, r, obs)]
    endpoints: list[dict[str, Any]] = []
    redirect_only: list[str] = []
    unmarked: list[str] = []
    for region in regions:
        _load_balancers(session, region, obs, sensitive, endpoints, redirect_only, unmarked)
    _cloudfront(session, obs, sensitive, endpoints, unmarked)
    buckets = _buckets(session, regions[0], obs, account)
    # A multi-region trail shows in every region as a shadow copy: keep each trail once, by its ARN.
    trails = list({t["arn"]: t for r in regions for t in _trails(session, r, obs)}.values())

    out = request.out
    out.mkdir(parents=True, exist_ok=True)
    service_id = request.service_id or f"AWS-{account}"
    plans_text = "; ".join(p["summary"] for p in backup if p["rules"] and p["selections"])
    _write_csv(out / "cloud_services.csv",
               ["service_id", "provider", "service_name", "backup_arrangement", "status", "source", "collected_at"],
               [[service_id, "Amazon Web Services", f"AWS account {account} ({', '.join(regions)})",
                 plans_text, "active", "aws", _iso(collected_at)]])
    _write_csv(out / "sensitive_endpoints.csv",
               ["endpoint_id", "host", "port", "protocol", "tls_version", "certificate_expires_on", "resource",
                "region", "note"],
               [[e["endpoint_id"], e["host"], e["port"], e["protocol"], e["tls_version"], e["cert_expires"],
                 e["resource"], e["region"], e["note"]] for e in endpoints])
    _write_csv(out / "aws_s3_buckets.csv",
               ["bucket", "region", "default_encryption", "kms_key", "block_public_acls", "ignore_public_acls",
                "block_public_policy", "restrict_public_buckets", "account_block_all_public", "note"],
               [[b["bucket"], b["region"], b["encryption"], b["kms_key"], *b["block"], b["account_block"], b["note"]]
                for b in buckets])
    _write_csv(out / "aws_cloudtrail_trails.csv",
               ["trail", "home_region", "multi_region", "is_logging", "log_file_validation", "kms_key", "s3_bucket",
                "organization_trail"],
               [[t["name"], t["home_region"], t["multi_region"], t["is_logging"], t["validation"], t["kms_key"],
                 t["bucket"], t["organization"]] for t in trails])
    summary = {
        "backup_plans": len(backup),
        "backup_plans_with_rules_and_selections": sum(1 for p in backup if p["rules"] and p["selections"]),
        "sensitive_endpoints": len(endpoints),
        "sensitive_endpoints_plain_http": sum(1 for e in endpoints if e["protocol"] == "http"),
        "sensitive_endpoints_below_tls_1_2": sum(1 for e in endpoints if _weak(e["tls_version"])),
        "http_listeners_that_only_redirect": redirect_only,
        "endpoints_not_marked_sensitive": len(unmarked),
        "s3_buckets": len(buckets),
        "s3_buckets_without_default_encryption": sorted(b["bucket"] for b in buckets if b["encryption"] == "none"),
        "s3_buckets_not_blocking_public_access": sorted(b["bucket"] for b in buckets if b["public_blocked"] is False),
        "cloudtrail_trails": len(trails),
        "cloudtrail_multi_region_and_logging": any(t["multi_region"] and t["is_logging"] for t in trails),
        "not_observed": obs.not_observed,
    }
    document = {
        "source": "aws", "collected_at": _iso(collected_at), "account": account, "partition": partition,
        "caller_arn": arn, "regions": list(regions), "profile": request.profile,
        "sensitive_marker": "every endpoint" if request.all_endpoints_sensitive else request.sensitive_tag,
        "cloud_services_service_id": service_id,
        "summary": summary,
        "outputs": ["cloud_services.csv", "sensitive_endpoints.csv", "aws_s3_buckets.csv", "aws_cloudtrail_trails.csv",
                    OBSERVED_FILE],
        "note": ("read-only calls through the standard AWS credential chain; a call that was refused is listed in "
                 "summary.not_observed and nothing is concluded from it. cloud_services.csv has one row for the "
                 "account: if the firm's register already lists it, give its service_id with --service-id and "
                 "merge the backup_arrangement (one service in two files with different content is refused)"),
        "observed": obs.observed,
    }
    (out / OBSERVED_FILE).write_text(json.dumps(document, ensure_ascii=False, indent=2, default=_json_default) + "\n",
                                     encoding="utf-8")
    return document


def _json_default(value: object) -> str:
    if isinstance(value, dt.datetime):
        return _iso(value)
    return str(value)


def _iso(value: dt.datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _weak(tls: str) -> bool:
    return any(v in tls.split(", ") for v in ("SSLv3", "TLSv1", "TLSv1.1"))


def _write_csv(path: Path, header: list[str], rows: Iterable[list[Any]]) -> None:
    # Values are AWS resource names and settings, written as data for the importer (not a report for people).
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if v is None else str(v).lower() if isinstance(v, bool) else v for v in row])


@dataclass(frozen=True)
class _TagMatch:
    key: str
    value: str | None
    everything: bool

    def __call__(self, tags: Iterable[dict[str, str]]) -> bool:
        if self.everything:
            return True
        return any(t.get("Key") == self.key and (self.value is None or str(t.get("Value", "")).lower()
                                                 == self.value.lower()) for t in tags)


def _backup_plans(session: Any, region: str, obs: _Observer) -> list[dict[str, Any]]:
    client = session.client("backup", region_name=region)
    plans = obs.pages(f"backup:{region}:ListBackupPlans", client, "list_backup_plans", "BackupPlansList")
    if plans is _UNKNOWN or not isinstance(plans, list):
        return []
    result = []
    for p in plans:
        plan_id = p["BackupPlanId"]
        detail = obs.call(f"backup:{region}:GetBackupPlan:{plan_id}", client.get_backup_plan, BackupPlanId=plan_id)
        selections = obs.pages(f"backup:{region}:ListBackupSelections:{plan_id}", client, "list_backup_selections",
                               "BackupSelectionsList", BackupPlanId=plan_id)
        rules = [] if not isinstance(detail, dict) else detail.get("BackupPlan", {}).get("Rules", [])
        chosen = []
        for s in selections if isinstance(selections, list) else []:
            sel = obs.call(f"backup:{region}:GetBackupSelection:{plan_id}:{s['SelectionId']}",
                           client.get_backup_selection, BackupPlanId=plan_id, SelectionId=s["SelectionId"])
            body = sel.get("BackupSelection", {}) if isinstance(sel, dict) else {}
            what = [*body.get("Resources", []), *(f"tag {c.get('ConditionKey')}={c.get('ConditionValue')}"
                                                  for c in body.get("ListOfTags", []))]
            chosen.append(f"{s.get('SelectionName')}: {', '.join(what) or 'nothing'}")
        described = []
        for r in rules:
            keep = r.get("Lifecycle", {}).get("DeleteAfterDays")
            copies = [c.get("DestinationBackupVaultArn", "").split(":")[3] if c.get("DestinationBackupVaultArn", "")
                      .count(":") >= 3 else c.get("DestinationBackupVaultArn", "") for c in r.get("CopyActions", [])]
            described.append(f"rule {r.get('RuleName')} {r.get('ScheduleExpression', 'no schedule')} to vault "
                             f"{r.get('TargetBackupVaultName')}" + (f", kept {keep} days" if keep else "")
                             + (f", copied to {', '.join(copies)}" if copies else ""))
        name = p.get("BackupPlanName", plan_id)
        result.append({"plan": name, "region": region, "rules": described, "selections": chosen,
                       "summary": f"AWS Backup plan {name} ({region}): {'; '.join(described)}; selects "
                                  f"{'; '.join(chosen)}"})
    return result


def _tls_of_policy(client: Any, region: str, policy: str | None, obs: _Observer) -> str:
    if not policy:
        return ""
    answer = obs.call(f"elbv2:{region}:DescribeSslPolicies:{policy}", client.describe_ssl_policies, Names=[policy])
    if isinstance(answer, dict) and answer.get("SslPolicies"):
        protocols = answer["SslPolicies"][0].get("SslProtocols", [])
        if protocols:
            return ", ".join(p.replace("TLSv1.0", "TLSv1") for p in protocols)
    return ELB_POLICY_TLS.get(policy, f"unknown policy {policy}")


def _cert_expiry(session: Any, region: str, arn: str | None, obs: _Observer) -> str:
    if not arn or ":acm:" not in arn:
        return ""
    answer = obs.call(f"acm:{region}:DescribeCertificate:{arn}",
                      session.client("acm", region_name=region).describe_certificate, CertificateArn=arn)
    not_after = answer.get("Certificate", {}).get("NotAfter") if isinstance(answer, dict) else None
    return not_after.astimezone(dt.UTC).date().isoformat() if isinstance(not_after, dt.datetime) else ""


def _load_balancers(session: Any, region: str, obs: _Observer, sensitive: _TagMatch, endpoints: list[dict[str, Any]],
                    redirect_only: list[str], unmarked: list[str]) -> None:
    client = session.client("elbv2", region_name=region)
    lbs = obs.pages(f"elbv2:{region}:DescribeLoadBalancers", client, "describe_load_balancers", "LoadBalancers")
    if not isinstance(lbs, list) or not lbs:
        return
    arns = [lb["LoadBalancerArn"] for lb in lbs]
    tags: dict[str, list[dict[str, str]]] = {}
    for i in range(0, len(arns), 20):  # DescribeTags takes at most 20 resources
        answer = obs.call(f"elbv2:{region}:DescribeTags:{i}", client.describe_tags, ResourceArns=arns[i:i + 20])
        for d in answer.get("TagDescriptions", []) if isinstance(answer, dict) else []:
            tags[d["ResourceArn"]] = d.get("Tags", [])
    for lb in lbs:
        name, host = lb.get("LoadBalancerName"), lb.get("DNSName")
        if not sensitive(tags.get(lb["LoadBalancerArn"], [])):
            unmarked.append(str(lb["LoadBalancerArn"]))
            continue
        listeners = obs.pages(f"elbv2:{region}:DescribeListeners:{name}", client, "describe_listeners", "Listeners",
                              LoadBalancerArn=lb["LoadBalancerArn"])
        for listener in listeners if isinstance(listeners, list) else []:
            protocol = str(listener.get("Protocol", "")).lower()
            port = listener.get("Port")
            actions = listener.get("DefaultActions", [])
            if protocol == "http" and actions and all(
                    a.get("Type") == "redirect" and a.get("RedirectConfig", {}).get("Protocol") == "HTTPS"
                    for a in actions):
                redirect_only.append(f"{name}:{port}")
                continue
            certs = listener.get("Certificates", [])
            endpoints.append({
                "endpoint_id": f"elb/{region}/{name}/{port}", "host": host, "port": port,
                "protocol": {"https": "https", "tls": "tls", "http": "http"}.get(protocol, "other"),
                "tls_version": _tls_of_policy(client, region, listener.get("SslPolicy"), obs)
                if protocol in ("https", "tls") else "",
                "cert_expires": _cert_expiry(session, region, certs[0].get("CertificateArn") if certs else None, obs),
                "resource": listener.get("ListenerArn"), "region": region,
                "note": "accepts plain HTTP" if protocol == "http" else "",
            })


def _cloudfront(session: Any, obs: _Observer, sensitive: _TagMatch, endpoints: list[dict[str, Any]],
                unmarked: list[str]) -> None:
    client = session.client("cloudfront", region_name="us-east-1")  # a global service
    from botocore.exceptions import BotoCoreError, ClientError

    items: list[dict[str, Any]] = []
    try:
        for page in client.get_paginator("list_distributions").paginate():
            items.extend(page.get("DistributionList", {}).get("Items", []) or [])
    except (ClientError, BotoCoreError) as exc:
        code = exc.response.get("Error", {}).get("Code") if isinstance(exc, ClientError) else type(exc).__name__
        obs.not_observed.append({"call": "cloudfront:ListDistributions", "error": str(code)})
        return
    obs.observed["cloudfront:ListDistributions"] = items
    for d in items:
        tag_answer = obs.call(f"cloudfront:ListTagsForResource:{d['Id']}", client.list_tags_for_resource,
                              Resource=d["ARN"])
        tags = tag_answer.get("Tags", {}).get("Items", []) if isinstance(tag_answer, dict) else []
        if not sensitive(tags):
            unmarked.append(str(d["ARN"]))
            continue
        aliases = d.get("Aliases", {}).get("Items", []) or []
        cert = d.get("ViewerCertificate", {})
        minimum = "TLSv1" if cert.get("CloudFrontDefaultCertificate") else cert.get("MinimumProtocolVersion", "")
        policy = d.get("DefaultCacheBehavior", {}).get("ViewerProtocolPolicy", "")
        others = d.get("CacheBehaviors", {}).get("Items", []) or []
        behaviours = [policy, *(b.get("ViewerProtocolPolicy") for b in others)]
        plain = "allow-all" in behaviours
        endpoints.append({
            "endpoint_id": f"cloudfront/{d['Id']}", "host": aliases[0] if aliases else d.get("DomainName"),
            "port": 80 if plain else 443, "protocol": "http" if plain else "https",
            "tls_version": CLOUDFRONT_MIN_TLS.get(minimum, f"unknown minimum {minimum}" if minimum else ""),
            "cert_expires": _cert_expiry(session, "us-east-1", cert.get("ACMCertificateArn"), obs),
            "resource": d["ARN"], "region": "global",
            "note": ("a cache behaviour allows plain HTTP (viewer protocol policy allow-all)" if plain else
                     f"viewer protocol policy {policy}"),
        })


def _buckets(session: Any, region: str, obs: _Observer, account: str) -> list[dict[str, Any]]:
    s3 = session.client("s3", region_name=region)
    listing = obs.call("s3:ListBuckets", s3.list_buckets)
    account_block = obs.call(f"s3control:GetPublicAccessBlock:{account}",
                             session.client("s3control", region_name=region).get_public_access_block,
                             AccountId=account)
    account_all = None
    if isinstance(account_block, dict):
        conf = account_block.get("PublicAccessBlockConfiguration", {})
        account_all = all(conf.get(k) for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                 "RestrictPublicBuckets"))
    elif account_block is None:
        account_all = False
    result = []
    for b in listing.get("Buckets", []) if isinstance(listing, dict) else []:
        name = b["Name"]
        loc = obs.call(f"s3:GetBucketLocation:{name}", s3.get_bucket_location, Bucket=name)
        where = (loc.get("LocationConstraint") or "us-east-1") if isinstance(loc, dict) else ""
        enc = obs.call(f"s3:GetBucketEncryption:{name}", s3.get_bucket_encryption, Bucket=name)
        notes = []
        if enc is _UNKNOWN:
            algo, key = "not observed", ""
            notes.append("encryption could not be read")
        elif enc is None:
            algo, key = "none", ""
        else:
            rule = (enc.get("ServerSideEncryptionConfiguration", {}).get("Rules") or [{}])[0]
            default = rule.get("ApplyServerSideEncryptionByDefault", {})
            algo, key = default.get("SSEAlgorithm", "none"), default.get("KMSMasterKeyID", "")
        pab = obs.call(f"s3:GetPublicAccessBlock:{name}", s3.get_public_access_block, Bucket=name)
        flags: list[bool | None]
        if pab is _UNKNOWN:
            flags = [None] * 4
            notes.append("public-access block could not be read")
        elif pab is None:
            flags = [False] * 4
        else:
            conf = pab.get("PublicAccessBlockConfiguration", {})
            flags = [bool(conf.get(k)) for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                                 "RestrictPublicBuckets")]
        blocked = True if account_all or all(f is True for f in flags) else (
            None if any(f is None for f in flags) or account_all is None else False)
        result.append({"bucket": name, "region": where, "encryption": algo, "kms_key": key, "block": flags,
                       "account_block": account_all, "public_blocked": blocked, "note": "; ".join(notes)})
    return result


def _trails(session: Any, region: str, obs: _Observer) -> list[dict[str, Any]]:
    client = session.client("cloudtrail", region_name=region)
    answer = obs.call(f"cloudtrail:{region}:DescribeTrails", client.describe_trails, includeShadowTrails=True)
    result = []
    for t in answer.get("trailList", []) if isinstance(answer, dict) else []:
        status = obs.call(f"cloudtrail:{region}:GetTrailStatus:{t['Name']}", client.get_trail_status,
                          Name=t.get("TrailARN", t["Name"]))
        result.append({
            "arn": t.get("TrailARN", t["Name"]), "name": t["Name"], "home_region": t.get("HomeRegion"),
            "multi_region": bool(t.get("IsMultiRegionTrail")),
            "is_logging": status.get("IsLogging") if isinstance(status, dict) else None,
            "validation": bool(t.get("LogFileValidationEnabled")), "kms_key": t.get("KmsKeyId", ""),
            "bucket": t.get("S3BucketName"), "organization": bool(t.get("IsOrganizationTrail")),
        })
    return result
