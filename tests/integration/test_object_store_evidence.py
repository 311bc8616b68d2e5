"""Evidence in an object store: `ccaudit inspect s3://bucket/firm/` and `inspect --firms s3://bucket/firms/`
against a local S3 (moto's server on 127.0.0.1), credentials from the standard AWS chain (environment).

What an inspector checks: the result is the one the same files on disk give, each file is kept under the
SHA-256 of its bytes as they lie in the bucket, the manifest says where they came from, one firm's bad
evidence is reported while the others are inspected, and a prefix that cannot be evidence is refused
(exit 2) before anything is written."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.cli.inprocess import ccaudit, inspect

from ccaudit.demo.generator import generate_firms

pytest.importorskip("flask", reason="moto's server mode: pip install 'moto[server]'")
pytest.importorskip("boto3")

BUCKET = "firm-evidence"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The standard chain's environment variables, and nothing else it could find (no profile, no files,
    no instance metadata): every request goes to the local server."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL_S3", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    return s3_endpoint


@pytest.fixture(scope="module")
def firms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("s3-firms")
    generate_firms(root, 2, scale=0.02, fmt="parquet")
    return root / "firms"


def upload(endpoint: str, folder: Path, prefix: str) -> None:
    import boto3

    s3 = boto3.client("s3", endpoint_url=endpoint)
    if BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=BUCKET)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=f"{prefix}/{path.relative_to(folder).as_posix()}", Body=path.read_bytes())


def statuses(result: Path) -> dict[str, str]:
    report = json.loads((result / "findings.json").read_text(encoding="utf-8"))
    return {f["requirement_id"]: f["status"] for f in report["findings"]}


def manifest(result: Path) -> dict[str, object]:
    return dict(json.loads((result / "evidence" / "manifest.json").read_text(encoding="utf-8")))


def test_a_firm_in_s3_is_inspected_and_hashed_as_the_same_files_on_disk(
    aws_env: str, firms: Path, tmp_path: Path
) -> None:
    upload(aws_env, firms / "9A00", "one/9A00")
    local = inspect(firms / "9A00", tmp_path / "local")
    remote = inspect("s3://firm-evidence/one/9A00/", tmp_path / "remote")  # type: ignore[arg-type]
    assert local.code == 0 and remote.code == 0, remote.text
    assert statuses(tmp_path / "remote") == statuses(tmp_path / "local")
    for name in ("findings.csv",):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (firms / "9A00").iterdir()}
    kept = manifest(tmp_path / "remote")
    files = {e["original_name"]: e["sha256"] for e in kept["files"]}  # type: ignore[attr-defined]
    assert files and files == {n: h for n, h in on_disk.items() if n in files}, "the bucket's bytes, hashed"
    assert files == {e["original_name"]: e["sha256"] for e in manifest(tmp_path / "local")["files"]}  # type: ignore[attr-defined]
    for sha in files.values():
        assert (tmp_path / "remote" / "evidence" / "blobs" / sha).is_file()
    assert kept["origin"] == "s3://firm-evidence/one/9A00/" and manifest(tmp_path / "local")["origin"] is None


def test_many_firms_in_s3_one_refused_the_others_inspected(aws_env: str, firms: Path, tmp_path: Path) -> None:
    upload(aws_env, firms / "9A00", "many/9A00")
    broken = tmp_path / "9A01"
    broken.mkdir()
    (broken / "firm_profile.csv").write_text("firm_id,firm_name\n9A01,Broken\n", encoding="utf-8")
    upload(aws_env, broken, "many/9A01")
    out = tmp_path / "out"
    done = ccaudit("inspect", "--firms", "s3://firm-evidence/many", "--as-of", "2026-11-30", "--out", out)
    assert done.code == 2, done.text
    assert "1 of 2 firms inspected" in done.text and "firm_profile.csv" in done.text
    assert sorted(p.name for p in out.iterdir()) == ["9A00", "comparison", "firms.json"], "no copy left behind"
    assert manifest(out / "9A00")["origin"] == "s3://firm-evidence/many/9A00/"
    summary = {f["evidence_folder"]: f for f in json.loads((out / "firms.json").read_text(encoding="utf-8"))["firms"]}
    assert summary["9A00"]["result"] == "9A00" and summary["9A01"]["result"] is None
    assert "firm_profile.csv" in summary["9A01"]["error"]


def test_what_cannot_be_evidence_is_refused_before_anything_is_written(
    aws_env: str, firms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(aws_env, firms / "9A01", "refused/9A01")
    out = tmp_path / "r"
    empty = inspect("s3://firm-evidence/nothing-here/", out)  # type: ignore[arg-type]
    assert empty.code == 2 and "holds no files" in empty.text and "Traceback" not in empty.text
    secret = inspect("s3://AKIAEXAMPLE:hunter2@firm-evidence/refused/9A01/", out)  # type: ignore[arg-type]
    assert secret.code == 2 and "standard AWS chain" in secret.text and "hunter2" not in secret.text
    no_firms = ccaudit("inspect", "--firms", "s3://firm-evidence/refused/9A01/", "--as-of", "2026-11-30",
                       "--out", out)
    assert no_firms.code == 2 and "holds no firm folders" in no_firms.text
    monkeypatch.setenv("CCAUDIT_OBJECT_STORE_MAX_BYTES", "1000")
    too_big = inspect("s3://firm-evidence/refused/9A01/", out)  # type: ignore[arg-type]
    assert too_big.code == 2 and "more than the 1,000 allowed" in too_big.text
    assert not out.exists(), "a refused run writes no result folder"


def test_results_in_an_object_store_are_refused_where_the_engine_cannot_write_them(
    firms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Refused before any work: DuckDB writes on this machine, and this Spark has no hadoop-aws."""
    import ccaudit.inspection.engine_choice as choice

    monkeypatch.setattr(choice, "has_hadoop_aws", lambda conf: "hadoop-aws" in conf.get("spark.jars.packages", ""))
    out = tmp_path / "r"
    duck = inspect(firms / "9A00", out, "--results-parquet", "s3://firm-evidence/results/")
    assert duck.code == 2 and "write to a local folder and copy it" in duck.text
    spark = inspect(firms / "9A00", out, "--results-parquet", "s3://firm-evidence/results/",
                    "--engine", "spark", "--engine-url", "local[1]")
    assert spark.code == 2 and "org.apache.hadoop:hadoop-aws:<version>" in spark.text
    assert not out.exists() and "Traceback" not in spark.text


def test_audit_run_takes_a_firm_in_s3_as_inspect_does(
    aws_env: str, firms: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`ccaudit audit run 1 s3://…`: the run recorded is the one the same files on disk give, each file
    kept under the SHA-256 of the bucket's bytes, the manifest naming the bucket; no copy left behind; a
    prefix that holds nothing is refused (exit 2) and records no run."""
    upload(aws_env, firms / "9A00", "audit/9A00")
    data = tmp_path / "data"
    monkeypatch.setenv("CCAUDIT_DATA_DIR", str(data))
    monkeypatch.setenv("CCAUDIT_USER", "ada")
    for args in (("user", "add", "ada", "--name", "Ada"), ("firm", "add", "9A00", "範例證券股份有限公司"),
                 ("user", "grant", "ada", "9A00", "auditor"),
                 ("audit", "open", "9A00", "2026", "--as-of", "2026-11-30")):
        done = ccaudit(*args)
        assert done.code == 0, done.text
    done = ccaudit("audit", "run", "1", "s3://firm-evidence/audit/9A00/")
    assert done.code == 0, done.text
    (run,) = [p for p in (data / "runs").iterdir() if (p / "findings.json").exists()]
    assert sorted(p.name for p in (data / "runs").iterdir() if not p.name.endswith(".lock")) == [run.name], \
        "the copy from the bucket is removed"
    local = inspect(firms / "9A00", tmp_path / "local")
    assert local.code == 0, local.text
    assert statuses(run) == statuses(tmp_path / "local")
    on_disk = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (firms / "9A00").iterdir()}
    kept = manifest(run)
    files = {e["original_name"]: e["sha256"] for e in kept["files"]}  # type: ignore[attr-defined]
    assert files and files == {n: h for n, h in on_disk.items() if n in files}, "the bucket's bytes, hashed"
    assert all((run / "evidence" / "blobs" / sha).is_file() for sha in files.values())
    assert kept["origin"] == "s3://firm-evidence/audit/9A00/"
    shown = ccaudit("audit", "rows", "1", "remote_login_used_mfa")
    assert shown.code == 0, shown.text
    refused = ccaudit("audit", "run", "1", "s3://firm-evidence/nothing-here/")
    assert refused.code == 2 and "holds no files" in refused.text and "Traceback" not in refused.text
    assert [p for p in (data / "runs").iterdir() if (p / "findings.json").exists()] == [run], "no second run"
