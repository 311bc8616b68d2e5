"""Every case of every check's cases.yaml, run through the real importer and engine."""

from __future__ import annotations

import pytest

from ccaudit.checks.case_runner import Case, CaseFile, load_cases, run_case
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.models import Check, CheckOutcome
from ccaudit.evidence.templates import TemplateRegistry

LIBRARY = CheckLibrary.load()
REGISTRY = TemplateRegistry.load()


def _cases() -> list[tuple[Check, CaseFile, Case]]:
    out = []
    for check in LIBRARY:
        case_file = load_cases(check)
        if case_file is not None:
            out.extend((check, case_file, case) for case in case_file.cases)
    return out


CASES = _cases()


@pytest.mark.parametrize(("check", "case_file", "case"), CASES, ids=[f"{c.id}::{k.name}" for c, _, k in CASES])
def test_check_case(check: Check, case_file: CaseFile, case: Case) -> None:
    result, keys = run_case(check, case_file, case, REGISTRY)
    expected_outcome = case.expect_outcome or (CheckOutcome.FAILED if case.expect_failing else CheckOutcome.PASSED)
    assert result.outcome is expected_outcome, f"{case.name}: outcome {result.outcome}, failing keys {keys}"
    assert keys == sorted(case.expect_failing), case.name
    if case.expect_compensated is not None:
        assert result.compensated == len(case.expect_compensated), case.name


def test_every_check_has_cases_with_a_pass_and_a_fail() -> None:
    for check in LIBRARY:
        case_file = load_cases(check)
        assert case_file is not None, f"{check.id} has no cases.yaml"
        assert case_file.check == check.id
        outcomes = {bool(c.expect_failing) for c in case_file.cases}
        assert outcomes == {True, False}, f"{check.id} needs a passing and a failing case"
