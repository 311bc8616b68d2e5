"""Schemathesis on one API operation: generated requests, valid then invalid, each answer checked against
the OpenAPI document the app serves (no 500; status, content type, body and headers as documented)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ccaudit.web.api import build_openapi

from .conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
OPERATIONS = [(method.upper(), path) for path, item in build_openapi()["paths"].items() for method in item]
EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}


def fuzz(
    world: World, method: str, path: str, user: str = "admin_a", examples: dict[GenerationMode, int] | None = None
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    operation = schema[path][method]
    headers = world.as_user(user)
    for mode, count in (examples or EXAMPLES).items():

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=count,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        check()
