"""Pure parts of the audit: canonical JSON and the digest, Ed25519 keys, and the derivation rules."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import pytest

from ccaudit.audit.errors import SigningError
from ccaudit.audit.integrity.digest import LineHasher, audit_digest, canonical, plain
from ccaudit.audit.integrity.signing import (
    fingerprint,
    generate_key,
    load_private_key,
    public_pem,
    sign_digest,
    verify_digest,
)
from ccaudit.audit.snapshot import (
    AssessmentStatus,
    AttestationResult,
    AuditSnapshot,
    AuditStatus,
    RequirementSnap,
    SignOffSnap,
    as_reasons,
)
from ccaudit.audit.workflow.derive import AttestationFacts, CheckFacts, MeasureFacts, derive
from ccaudit.catalog.models import Attestation as Mode
from ccaudit.findings.messages import messages
from ccaudit.findings.models import Reason, Status

AS_OF = dt.date(2026, 11, 30)


def test_canonical_json_is_one_text() -> None:
    assert canonical({"b": 1, "a": ["中", None, True]}) == '{"a":["中",null,true],"b":1}'
    with pytest.raises(TypeError, match="float"):
        canonical({"x": [1.5]})
    assert plain({"f": 0.1, "d": decimal.Decimal("1.10"), "t": dt.date(2026, 1, 2)}) == {
        "f": "0.1",
        "d": "1.10",
        "t": "2026-01-02",
    }
    a, b = LineHasher(), LineHasher()
    a.add_all([{"x": 1}, {"y": 2}])
    b.add_all([{"y": 2}, {"x": 1}])
    assert a.count == 2 and a.hexdigest() != b.hexdigest()  # order matters


def _snapshot(**changes: object) -> AuditSnapshot:
    req = RequirementSnap(
        requirement_id="12.5.5",
        area="remote_work",
        title="t",
        title_zh="中",
        obligation="shall",
        attestation_mode="none",
        status=AssessmentStatus.DONE,
        automated_status=Status.NON_COMPLIANT,
        derived_result=Status.NON_COMPLIANT,
        assessed_result=None,
        justification=None,
        assessed_by="alice",
        result=Status.NON_COMPLIANT,
    )
    base = AuditSnapshot(
        audit_id=1,
        firm_id="9A00",
        firm_name="範例",
        year=2026,
        as_of="2026-11-30",
        catalog_id="c",
        catalog_version=1,
        status=AuditStatus.SIGNED,
        opened_by="alice",
        opened_at="2026-12-01T00:00:00Z",
        requirements=[req],
        signoff=SignOffSnap(preparer="alice", submitted_at="x", reviewer="bob"),
    )
    return base.model_copy(update=changes)


def test_the_digest_covers_everything_but_what_comes_from_it() -> None:
    snap = _snapshot()
    digest = audit_digest(snap)
    assert len(digest) == 64 and digest == audit_digest(_snapshot())
    signed = snap.model_copy(
        update={
            "signoff": snap.signoff.model_copy(update={"digest": digest, "signature": "sig", "key_fingerprint": "f"})
        }
    )
    assert audit_digest(signed) == digest
    assert audit_digest(_snapshot(year=2027)) != digest
    other = snap.requirements[0].model_copy(update={"justification": "x"})
    assert audit_digest(_snapshot(requirements=[other])) != digest


def test_keys_sign_and_verify(tmp_path: Path) -> None:
    key = generate_key(tmp_path / "k.pem", passphrase="s3cret")
    assert (tmp_path / "k.pem").stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "k.pem.pub").read_text() == public_pem(key.public_key())
    with pytest.raises(SigningError, match="passphrase"):
        load_private_key(tmp_path / "k.pem")
    loaded = load_private_key(tmp_path / "k.pem", "s3cret")
    assert fingerprint(loaded.public_key()) == fingerprint(key.public_key())
    signature = sign_digest(loaded, "ab" * 32)
    pem = public_pem(key.public_key())
    assert verify_digest(pem, "ab" * 32, signature)
    assert not verify_digest(pem, "cd" * 32, signature)
    assert not verify_digest(public_pem(generate_key(tmp_path / "o.pem").public_key()), "ab" * 32, signature)
    with pytest.raises(SigningError, match="refusing to overwrite"):
        generate_key(tmp_path / "k.pem")


def _derive(
    automated: Status | None,
    mode: Mode = Mode.NONE,
    checks: list[CheckFacts] | None = None,
    attestations: list[AttestationFacts] | None = None,
    measures: list[MeasureFacts] | None = None,
    obligation: str = "shall",
    reasons: list[str | Reason] | None = None,
) -> tuple[Status | None, list[str]]:
    """The derived result and its reasons in English (strings given are reasons stored as text)."""
    result, said = derive(
        obligation=obligation,
        mode=mode,
        automated=automated,
        run_reasons=as_reasons(r.model_dump() if isinstance(r, Reason) else r for r in reasons or ["from the run"]),
        checks=checks or [],
        attestations=attestations or [],
        measures=measures or [],
        as_of=AS_OF,
    )
    return result, messages().reasons_text(said, "en")


def att(result: str, on: dt.date = dt.date(2026, 11, 1), carried: bool = False, ident: int = 1) -> AttestationFacts:
    return AttestationFacts(ident, AttestationResult(result), "Lin", on, "DOC-1", carried)


PASSED = CheckFacts("c", "passed", 0, 0)
FAILED = CheckFacts("c", "failed", 3, 0)
MISSING = CheckFacts("c", "missing_evidence", 0, 0)


def test_an_attestation_settles_only_what_it_can() -> None:
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [PASSED], [att("met")])[0] is Status.COMPLIANT
    covered = CheckFacts("c", "failed", 2, 2)
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [covered], [att("met")])[0] is Status.COMPENSATED
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [MISSING], [att("met")])[0] is Status.NEEDS_REVIEW
    assert _derive(Status.NEEDS_REVIEW, Mode.NONE, [PASSED], [att("met")])[0] is Status.NEEDS_REVIEW
    scope: list[str | Reason] = ["firm profile does not state allows_byod"]  # stored as text by 0.1
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [PASSED], [att("met")], reasons=scope)[0] is Status.NEEDS_REVIEW
    coded: list[str | Reason] = [Reason(code="scope_flag_unstated", params={"flag": "allows_byod"})]
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [PASSED], [att("met")], reasons=coded)[0] is Status.NEEDS_REVIEW
    assert _derive(Status.NON_COMPLIANT, Mode.REQUIRED, [FAILED], [att("met")])[0] is Status.NON_COMPLIANT
    assert _derive(Status.COMPLIANT, Mode.NONE, [PASSED], [att("not_met")])[0] is Status.NON_COMPLIANT
    assert _derive(Status.COMPLIANT, obligation="advisable", attestations=[att("not_met")])[0] is Status.OBSERVATION
    assert _derive(Status.NON_COMPLIANT, attestations=[att("not_applicable")])[0] is Status.NOT_APPLICABLE
    assert _derive(None, Mode.ONLY, attestations=[att("met")])[0] is Status.COMPLIANT
    assert _derive(None, Mode.REQUIRED, attestations=[att("met")])[0] is None


def test_the_latest_confirmed_attestation_decides() -> None:
    later = att("not_met", dt.date(2026, 11, 20), ident=2)
    assert _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [PASSED], [later, att("met")])[0] is Status.NON_COMPLIANT
    carried = att("met", carried=True)
    result, reasons = _derive(Status.NEEDS_REVIEW, Mode.REQUIRED, [PASSED], [carried])
    assert result is Status.NEEDS_REVIEW and any("awaits re-confirmation" in r for r in reasons)


def test_measures_compensate_while_valid_and_say_when_they_no_longer_do() -> None:
    valid = MeasureFacts("CM-1", "CISO", dt.date(2026, 1, 1), dt.date(2026, 11, 30))  # review day = as-of: valid
    expired = MeasureFacts("CM-2", "CISO", dt.date(2025, 1, 1), dt.date(2026, 11, 29))
    future = MeasureFacts("CM-3", "CISO", dt.date(2026, 12, 1), dt.date(2027, 12, 1))
    assert _derive(Status.NON_COMPLIANT, checks=[FAILED], measures=[valid])[0] is Status.COMPENSATED
    assert _derive(Status.OBSERVATION, checks=[FAILED], measures=[valid])[0] is Status.COMPENSATED
    result, reasons = _derive(Status.NON_COMPLIANT, checks=[FAILED], measures=[expired, future])
    assert result is Status.NON_COMPLIANT
    assert (
        "compensating measure CM-2 expired on 2026-11-29 (before the as-of date 2026-11-30): "
        "it no longer compensates" in reasons
    )
    assert any("CM-3 was approved only on 2026-12-01" in r for r in reasons)
    assert _derive(Status.NEEDS_REVIEW, checks=[MISSING], measures=[valid])[0] is Status.NEEDS_REVIEW


def test_names_repeated_from_the_inspection_match_it() -> None:
    import ccaudit.audit.storage.offending as mine
    from ccaudit.checks.runner import offending_table
    from ccaudit.evidence.readers import quote_ident, quote_literal
    from ccaudit.findings.writer import OFFENDING_DIR
    from ccaudit.inspection.service import WORKSPACE

    assert (mine.WORKSPACE, mine.OFFENDING_DIR) == (WORKSPACE, OFFENDING_DIR)
    assert mine.offending_table("c") == offending_table("c")
    for text in ('a"b', "it's", "中"):
        assert mine.quote_ident(text) == quote_ident(text) and mine.quote_literal(text) == quote_literal(text)
