"""A pipeline's night through the API: upload evidence (refused with row-level problems, or kept), start
an inspection run and poll it until the run is attached, then download the reports."""

from __future__ import annotations

import io
import time
import zipfile

from .conftest import World

GOOD = "員工編號,姓名,在職狀態,允許遠距辦公\nE001,王小明,在職,是\nE002,李小華,在職,否\n".encode("big5")
BAD = "person_id,name,employment_status\nE001,Wang,active\nE002,Lee,retired\n"


def upload(world: World, user: str, *files: tuple[str, bytes]) -> tuple[int, dict | list]:  # type: ignore[type-arg]
    parts = [("files", (name, io.BytesIO(data), "application/octet-stream")) for name, data in files]
    response = world.client.post(f"/api/v1/audits/{world.audit}/evidence", files=parts, headers=world.as_user(user))
    return response.status_code, response.json()


def test_a_bad_row_is_refused_with_file_row_and_column_and_nothing_is_kept(world: World) -> None:
    status, body = upload(world, "auditor_a", ("people.csv", BAD.encode()))
    assert status == 422, body
    assert isinstance(body, dict) and body["status"] == 422
    (issue,) = body["issues"]
    assert issue["file"] == "people.csv" and issue["row"] == 3 and issue["column"] == "employment_status"
    assert issue["value"] == "retired"
    assert "people.csv" in body["detail"]
    listed = world.client.get(f"/api/v1/audits/{world.audit}/evidence", headers=world.as_user("auditor_a"))
    assert listed.json() == []


def test_a_file_that_is_not_what_its_name_says_is_refused(world: World) -> None:
    status, body = upload(world, "auditor_a", ("people.csv", b"\x7fELF\x02\x01\x01" + bytes(200)))
    assert status == 422, body
    assert isinstance(body, dict) and body["issues"][0]["file"] == "people.csv"


def test_only_a_preparer_uploads(world: World) -> None:
    status, body = upload(world, "viewer_a", ("people.csv", GOOD))
    assert status == 403, body


def test_upload_run_poll_and_download(world: World) -> None:
    status, body = upload(world, "auditor_a", ("人員清冊.csv", GOOD))
    assert status == 200, body
    assert isinstance(body, list)
    (kept,) = body
    assert kept["dataset"] == "people" and kept["rows"] == 2 and len(kept["stored"]["sha256"]) == 64
    headers = world.as_user("auditor_a")
    started = world.client.post(f"/api/v1/audits/{world.audit}/runs", headers=headers)
    assert started.status_code == 202, started.text
    job = started.json()
    again = world.client.post(f"/api/v1/audits/{world.audit}/runs", headers=headers)
    assert again.status_code in (202, 409)  # one run of an audit at a time (409 while the first is under way)
    url = f"/api/v1/audits/{world.audit}/runs/jobs/{job['job_id']}"
    deadline = time.monotonic() + 300  # a bound on a broken worker, not a speed requirement
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.2)
        job = world.client.get(url, headers=world.as_user("viewer_a")).json()
    assert job["state"] == "done", job
    runs = world.client.get(f"/api/v1/audits/{world.audit}/runs", headers=headers).json()
    assert runs[-1]["run_id"] == job["run_id"]
    assert any(e["original_name"] == "人員清冊.csv" for e in runs[-1]["evidence"])

    report = world.client.get(f"/api/v1/audits/{world.audit}/reports/csv?lang=en", headers=world.as_user("viewer_a"))
    assert report.status_code == 200
    assert report.headers["content-type"] == "application/zip"
    assert 'filename="ccaudit-9A00-2026-audit1-csv.zip"' in report.headers["content-disposition"]
    assert any(name.endswith(".csv") for name in zipfile.ZipFile(io.BytesIO(report.content)).namelist())
    workbook = world.client.get(f"/api/v1/audits/{world.audit}/reports/xlsx", headers=world.as_user("viewer_a"))
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"
    unknown = world.client.get(f"/api/v1/audits/{world.audit}/reports/docx", headers=world.as_user("viewer_a"))
    assert unknown.status_code == 422


def test_a_body_over_the_limit_is_a_413_problem_before_it_is_read(world: World) -> None:
    from fastapi.testclient import TestClient

    from .apphelper import make_app

    settings = world.settings.model_copy(update={"web_max_upload_mb": 1})  # 1 MiB a file, 2 MiB a request
    with TestClient(make_app(settings, world.service, world.clock), base_url="https://testserver") as client:
        big = [("files", ("people.csv", io.BytesIO(b"x" * (3 << 20)), "text/csv"))]
        response = client.post(f"/api/v1/audits/{world.audit}/evidence", files=big, headers=world.as_user("auditor_a"))
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/problem+json"
        assert "CCAUDIT_WEB_MAX_UPLOAD_MB" in response.json()["detail"]
        one = [("files", ("people.csv", io.BytesIO(b"person_id\n" + b"E1\n" * 600_000), "text/csv"))]
        refused = client.post(f"/api/v1/audits/{world.audit}/evidence", files=one, headers=world.as_user("auditor_a"))
        assert refused.status_code == 422, refused.text  # under the request cap, over the file's: refused, kept nothing
        assert world.service.uploaded_evidence("auditor_a", world.audit) == []
