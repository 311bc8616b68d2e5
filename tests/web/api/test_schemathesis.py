"""Schemathesis against the OpenAPI document the app serves (/api/v1/openapi.json): for every operation,
generated requests (valid, then invalid) never get a 500, and every response matches the document
(status code declared, content type, body schema, headers). Examples are bounded so it stays fast; each
operation runs on a fresh copy of the test world, as the firm's admin (so answers are the API's, not 403s)."""

from __future__ import annotations

import pytest
import schemathesis

from .conftest import CHECK, World
from .fuzz import CHECKS, OPERATIONS, fuzz


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_conforms_to_its_openapi_document(method: str, path: str, world: World) -> None:
    fuzz(world, method, path)


def test_answers_on_real_data_conform_too(world: World) -> None:
    """Random IDs mostly find nothing: the answers with data in them are checked against the document here."""
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    audit, req = {"audit_id": world.audit}, {"audit_id": world.audit, "requirement_id": "12.5.5"}
    calls = [
        ("GET", "/api/v1/me", {}, {}),
        ("GET", "/api/v1/firms", {}, {}),
        ("GET", "/api/v1/audits", {}, {}),
        ("GET", "/api/v1/audits/{audit_id}", audit, {}),
        ("GET", "/api/v1/audits/{audit_id}/open", audit, {}),
        ("GET", "/api/v1/audits/{audit_id}/trail", audit, {}),
        ("GET", "/api/v1/audits/{audit_id}/requirements/{requirement_id}", req, {"lang": "zh-TW"}),
        ("GET", "/api/v1/audits/{audit_id}/requirements/{requirement_id}/history", req, {}),
        ("GET", "/api/v1/audits/{audit_id}/checks/{check_id}/rows", {**audit, "check_id": CHECK}, {"limit": 2}),
        ("GET", "/api/v1/tokens", {}, {}),
    ]
    for method, path, params, query in calls:
        case = schema[path][method].Case(path_parameters=params, query=query)
        response = case.call_and_validate(headers=world.as_user("admin_a"), checks=CHECKS)
        assert response.status_code == 200, (path, response.text)
