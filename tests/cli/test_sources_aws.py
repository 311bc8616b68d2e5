"""`ccaudit sources aws` against a moto-simulated account: the evidence files, aws_observed.json, and what
happens without credentials. Credentials come from the environment only (the standard chain) and never
appear in anything ccaudit writes or prints."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from moto import mock_aws
from tests.cli.inprocess import ccaudit

REGION = "ap-northeast-1"
SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY"
SENSITIVE = [{"Key": "ccaudit:sensitive", "Value": "true"}]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# moto 5 has no backup selections: the firm's one selection is answered at botocore's before-call hook, on
# every backup client ccaudit creates, as AWS Backup documents the responses.
SELECTIONS: dict[str, dict[str, Any]] = {}
_OK = AWSResponse("https://backup.ap-northeast-1.amazonaws.com/", 200, {}, None)


def _backup_selections(params: dict[str, Any], model: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
    # params is the serialised request: AWS Backup's REST path names the plan (/backup/plans/{id}/selections/).
    plan_id = str(params.get("url_path", "")).split("/plans/")[-1].split("/")[0]
    selection = SELECTIONS.get(plan_id)
    if model.name == "ListBackupSelections":
        listed = [{"SelectionId": "sel-1", "SelectionName": selection["SelectionName"], "BackupPlanId": plan_id}
                  ] if selection else []
        return _OK, {"BackupSelectionsList": listed}
    if model.name == "GetBackupSelection" and selection:
        return _OK, {"BackupSelection": selection, "SelectionId": "sel-1", "BackupPlanId": plan_id}
    return None


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    real_client = boto3.Session.client

    def client(self: boto3.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        made = real_client(self, service, *args, **kwargs)
        if service == "backup":
            for op in ("ListBackupSelections", "GetBackupSelection"):
                made.meta.events.register(f"before-call.backup.{op}", _backup_selections)
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    SELECTIONS.clear()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    with mock_aws():
        yield


def _firm_account() -> None:
    """A firm's account: a daily backup of its database, an encrypted private bucket and a bucket open to the
    public, a multi-region trail that logs, and a sensitive load balancer with an old TLS policy, a plain-HTTP
    listener and an HTTP listener that only redirects, plus an internal one not marked sensitive."""
    backup = boto3.client("backup", region_name=REGION)
    backup.create_backup_vault(BackupVaultName="firm-vault")
    plan = backup.create_backup_plan(BackupPlan={"BackupPlanName": "daily-db", "Rules": [{
        "RuleName": "daily-0100", "TargetBackupVaultName": "firm-vault",
        "ScheduleExpression": "cron(0 17 * * ? *)", "Lifecycle": {"DeleteAfterDays": 35}}]})
    SELECTIONS[plan["BackupPlanId"]] = {
        "SelectionName": "trading-db", "IamRoleArn": "arn:aws:iam::123456789012:role/backup",
        "Resources": ["arn:aws:rds:ap-northeast-1:123456789012:db:trading"]}
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "empty-plan", "Rules": [{
        "RuleName": "weekly", "TargetBackupVaultName": "firm-vault", "ScheduleExpression": "cron(0 18 ? * SUN *)"}]})

    s3 = boto3.client("s3", region_name=REGION)
    location = {"LocationConstraint": REGION}
    s3.create_bucket(Bucket="firm-trade-reports", CreateBucketConfiguration=location)
    s3.put_bucket_encryption(Bucket="firm-trade-reports", ServerSideEncryptionConfiguration={"Rules": [
        {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/firm"}}]})
    s3.put_public_access_block(Bucket="firm-trade-reports", PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    s3.create_bucket(Bucket="firm-public-site", CreateBucketConfiguration=location)
    s3.create_bucket(Bucket="firm-cloudtrail-logs", CreateBucketConfiguration=location)

    trail = boto3.client("cloudtrail", region_name=REGION)
    trail.create_trail(Name="org-audit", S3BucketName="firm-cloudtrail-logs", IsMultiRegionTrail=True,
                       EnableLogFileValidation=True)
    trail.start_logging(Name="org-audit")

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]
               ["SubnetId"] for i, az in enumerate("ac")]
    acm = boto3.client("acm", region_name=REGION)
    cert = acm.request_certificate(DomainName="api.example.com.tw")["CertificateArn"]
    elb = boto3.client("elbv2", region_name=REGION)
    lb = elb.create_load_balancer(Name="trade-api", Subnets=subnets, Tags=SENSITIVE)["LoadBalancers"][0]
    tg = elb.create_target_group(Name="trade", Protocol="HTTP", Port=8080, VpcId=vpc)["TargetGroups"][0]
    forward = [{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTPS", Port=443,
                        SslPolicy="ELBSecurityPolicy-2016-08", Certificates=[{"CertificateArn": cert}],
                        DefaultActions=forward)
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=8080,
                        DefaultActions=forward)
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}])
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    cloudfront.create_distribution_with_tags(DistributionConfigWithTags={
        "Tags": {"Items": SENSITIVE}, "DistributionConfig": {
        "CallerReference": "web-trade", "Comment": "web trading", "Enabled": True,
        "Aliases": {"Quantity": 1, "Items": ["web.example.com.tw"]},
        "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "DomainName": lb["DNSName"],
                                              "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443,
                                                                     "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "allow-all",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
        "ViewerCertificate": {"CloudFrontDefaultCertificate": True}}})
    internal = elb.create_load_balancer(Name="intranet", Subnets=subnets, Scheme="internal")["LoadBalancers"][0]
    elb.create_listener(LoadBalancerArn=internal["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=forward)


def test_aws_account_to_evidence(aws: None, tmp_path: Path) -> None:
    _firm_account()
    out = tmp_path / "evidence"
    result = ccaudit("sources", "aws", "--out", out, "--region", REGION)
    assert result.code == 0, result.text
    assert SECRET not in result.text

    services = _rows(out / "cloud_services.csv")
    assert [(s["service_id"], s["provider"], s["status"]) for s in services] == [
        ("AWS-123456789012", "Amazon Web Services", "active")]
    arrangement = services[0]["backup_arrangement"]
    assert "daily-db" in arrangement and "cron(0 17 * * ? *)" in arrangement and "kept 35 days" in arrangement
    assert "arn:aws:rds:ap-northeast-1:123456789012:db:trading" in arrangement
    assert "empty-plan" not in arrangement  # a plan that selects nothing backs nothing up

    endpoints = {e["endpoint_id"]: e for e in _rows(out / "sensitive_endpoints.csv")}
    cloudfront = next(e for e in endpoints.values() if e["endpoint_id"].startswith("cloudfront/"))
    assert (cloudfront["host"], cloudfront["protocol"], cloudfront["port"]) == ("web.example.com.tw", "http", "80")
    assert cloudfront["tls_version"].startswith("TLSv1, ")  # the default certificate accepts TLS 1.0
    assert "allow-all" in cloudfront["note"]
    assert set(endpoints) == {f"elb/{REGION}/trade-api/443", f"elb/{REGION}/trade-api/8080",
                              cloudfront["endpoint_id"]}  # not intranet
    https = endpoints[f"elb/{REGION}/trade-api/443"]
    assert (https["protocol"], https["port"]) == ("https", "443")
    assert "TLSv1.1" in https["tls_version"] and "TLSv1.2" in https["tls_version"]
    assert https["certificate_expires_on"]  # from ACM
    assert endpoints[f"elb/{REGION}/trade-api/8080"]["protocol"] == "http"

    buckets = {b["bucket"]: b for b in _rows(out / "aws_s3_buckets.csv")}
    assert (buckets["firm-trade-reports"]["default_encryption"], buckets["firm-trade-reports"]["kms_key"]) == (
        "aws:kms", "alias/firm")
    assert buckets["firm-trade-reports"]["block_public_policy"] == "true"
    assert buckets["firm-public-site"]["block_public_policy"] == "false"

    trails = _rows(out / "aws_cloudtrail_trails.csv")
    assert [(t["trail"], t["multi_region"], t["is_logging"], t["log_file_validation"]) for t in trails] == [
        ("org-audit", "true", "true", "true")]

    observed_text = (out / "aws_observed.json").read_text(encoding="utf-8")
    assert SECRET not in observed_text and "AKIAIOSFODNN7EXAMPLE" not in observed_text
    doc: dict[str, Any] = json.loads(observed_text)
    assert (doc["account"], doc["regions"], doc["source"]) == ("123456789012", [REGION], "aws")
    assert doc["collected_at"].endswith("Z")
    summary = doc["summary"]
    assert summary["http_listeners_that_only_redirect"] == ["trade-api:80"]
    assert summary["endpoints_not_marked_sensitive"] == 1
    assert summary["s3_buckets_not_blocking_public_access"] == ["firm-cloudtrail-logs", "firm-public-site"]
    assert summary["cloudtrail_multi_region_and_logging"] is True
    assert any(k.startswith("backup:ap-northeast-1:GetBackupPlan:") for k in doc["observed"])


def test_aws_endpoints_feed_the_sensitive_endpoint_checks(aws: None, tmp_path: Path) -> None:
    _firm_account()
    evidence = tmp_path / "evidence"
    assert ccaudit("sources", "aws", "--out", evidence, "--region", REGION).code == 0
    (evidence / "firm_profile.csv").write_text(
        "firm_id,firm_name,uses_cloud,is_cloud_provider,has_official_social_pages,allows_byod,has_iot,"
        "allows_remote_work\nF1,Test,true,true,false,false,false,false\n", encoding="utf-8")
    result_dir = tmp_path / "result"
    result = ccaudit("inspect", evidence, "--as-of", "2026-11-30", "--out", result_dir)
    assert result.code == 0, result.text
    findings = json.loads((result_dir / "findings.json").read_text(encoding="utf-8"))
    checks = {c["check_id"]: c for f in findings["findings"] for c in f["checks"]}
    # the plain-HTTP listener and the distribution that allows HTTP; TLS 1.0 on both 443 and the distribution
    assert checks["sensitive_data_sent_encrypted"]["offending_count"] == 2
    assert checks["sensitive_endpoint_tls_sound"]["offending_count"] == 2
    assert checks["cloud_service_backup_defined"]["offending_count"] == 0


def test_aws_without_credentials_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = ccaudit("sources", "aws", "--out", tmp_path / "out", "--region", REGION)
    assert result.code == 2
    assert "no AWS credentials" in result.text
    assert not (tmp_path / "out").exists()
    result = ccaudit("sources", "aws", "--out", tmp_path / "out", "--region", REGION, "--profile", "nope")
    assert result.code == 2 and "profile 'nope' not found" in result.text


def test_a_refused_call_is_not_observed_never_absent(aws: None, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    _firm_account()
    real_client = boto3.Session.client
    denied = AWSResponse("https://s3.amazonaws.com/", 403, {}, None)

    def refuse(model: Any, **_: Any) -> tuple[Any, dict[str, Any]] | None:
        if model.name == "GetBucketEncryption":
            return denied, {"Error": {"Code": "AccessDenied", "Message": "Access Denied"},
                            "ResponseMetadata": {"HTTPStatusCode": 403}}
        return None

    def client(self: boto3.Session, service: str, *args: Any, **kwargs: Any) -> Any:
        made = real_client(self, service, *args, **kwargs)
        if service == "s3":
            made.meta.events.register("before-call.s3.GetBucketEncryption", refuse)
        return made

    monkeypatch.setattr(boto3.Session, "client", client)
    out = tmp_path / "evidence"
    result = ccaudit("sources", "aws", "--out", out, "--region", REGION)
    assert result.code == 0, result.text
    assert "calls were refused" in result.text
    buckets = {b["bucket"]: b for b in _rows(out / "aws_s3_buckets.csv")}
    assert buckets["firm-public-site"]["default_encryption"] == "not observed"
    summary = json.loads((out / "aws_observed.json").read_text(encoding="utf-8"))["summary"]
    assert summary["s3_buckets_without_default_encryption"] == []
    assert {(n["call"], n["error"]) for n in summary["not_observed"]} >= {
        ("s3:GetBucketEncryption:firm-public-site", "AccessDenied")}
