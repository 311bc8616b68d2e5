"""The demo firm as a web workspace: an audit database seeded with the firm's team (users with roles,
passwords, second factors and a reviewer's signing key) and its audits, for trying `ccaudit serve`,
for the browser tests (tests/e2e) and for the load benchmark (bench/web_load.py).

Everything goes through AuditService, as the CLI does: the trail records every step. The team:

    admin   superuser (adds the firm and the others)   ava    firm admin
    alice   auditor                                     bob    reviewer (an Ed25519 key, passphrase)
    carol   control owner                               vic    viewer

Credentials are made up per seeding (random unless given) and returned, with each TOTP secret, so
that a test can compute the codes; nothing here is meant for a real firm's database."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pyotp

from ccaudit.audit.context import Clock, utcnow
from ccaudit.audit.integrity.signing import generate_key, load_private_key, public_pem
from ccaudit.audit.people.access import MFA_ROLES
from ccaudit.audit.service import AuditService
from ccaudit.demo.generator import generate
from ccaudit.settings import Settings

FIRM = ("9A00", "範例證券股份有限公司")
AS_OF = dt.date(2026, 11, 30)
# user -> (name, role in the firm; None for the superuser)
TEAM: dict[str, tuple[str, str | None]] = {
    "admin": ("Ada Admin", None),
    "ava": ("Ava Lin 林雅文", "admin"),
    "alice": ("Alice Chen 陳愛麗", "auditor"),
    "bob": ("Bob Wang 王柏宇", "reviewer"),
    "carol": ("Carol Huang 黃凱若", "control_owner"),
    "vic": ("Vic Tsai 蔡維克", "viewer"),
}
# Roles whose holders must use a second factor (access.MFA_ROLES; None: the superuser, who must too).
TOTP_ROLES = frozenset({None, *(role.value for role in MFA_ROLES)})


@dataclass(frozen=True)
class Member:
    user_id: str
    name: str
    role: str | None
    password: str
    totp_secret: str | None = None  # base32, as an authenticator app holds it
    key_path: str | None = None  # the reviewer's Ed25519 private key (PEM, under key_passphrase) ...
    key_passphrase: str | None = None  # ... also sealed by the server under the same passphrase


@dataclass(frozen=True)
class Workspace:
    db_url: str
    data_dir: str
    firm_id: str
    firm_name: str
    audit_id: int  # the current year's audit (draft)
    previous_audit_id: int | None  # last year's, signed off (None when not seeded)
    evidence_dir: str  # the current year's demo evidence
    members: dict[str, Member] = field(default_factory=dict)

    def write(self, path: Path) -> None:
        """Save as JSON (mode 0600: it holds the made-up passwords and secrets)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(asdict(self), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> Workspace:
        raw = json.loads(path.read_text(encoding="utf-8"))
        members = {k: Member(**v) for k, v in raw.pop("members").items()}
        return cls(**raw, members=members)


def seed_workspace(
    settings: Settings,
    out: Path,
    *,
    scale: float = 1.0,
    previous_year: bool = True,
    run: bool = True,
    passwords: dict[str, str] | None = None,
    clock: Clock = utcnow,
) -> Workspace:
    """Seed settings' database with the demo firm's team and audits; demo evidence goes under `out`.

    `previous_year`: last year's audit inspected, settled, submitted and signed off, then carried over
    into this year's (so that the dashboard has a trend); otherwise this year's audit is opened fresh.
    `run`: this year's demo evidence inspected and attached to this year's audit."""
    out.mkdir(parents=True, exist_ok=True)
    service = AuditService.open(settings, clock)
    try:
        members = _team(service, settings, passwords or {})
        previous_id = None
        if previous_year:
            last_as_of = AS_OF.replace(year=AS_OF.year - 1)
            previous_id = service.open_audit("alice", FIRM[0], last_as_of.year, last_as_of)
            evidence = out / f"evidence-{last_as_of.year}"
            generate(out / "previous", scale=scale, as_of=last_as_of, firm=FIRM, evidence_dir=evidence, seed=2025)
            service.run_inspection("alice", previous_id, evidence)
            _sign_off(service, previous_id, members["bob"], last_as_of)
            audit_id, _ = service.carry_over("alice", previous_id, AS_OF)
        else:
            audit_id = service.open_audit("alice", FIRM[0], AS_OF.year, AS_OF)
        evidence = out / f"evidence-{AS_OF.year}"
        generate(out / "current", scale=scale, as_of=AS_OF, firm=FIRM, evidence_dir=evidence)
        if run:
            service.run_inspection("alice", audit_id, evidence)

    finally:
        service.close()
    return Workspace(
        settings.database_url(), str(settings.data_dir), FIRM[0], FIRM[1], audit_id, previous_id, str(evidence),
        members,
    )


def _team(service: AuditService, settings: Settings, passwords: dict[str, str]) -> dict[str, Member]:
    members: dict[str, Member] = {}
    for user_id, (name, role) in TEAM.items():
        password = passwords.get(user_id) or secrets.token_urlsafe(12)
        service.add_user("admin", user_id, name, password)
        if user_id == "admin":
            service.add_firm("admin", *FIRM)
        if role is not None:
            service.grant("admin", user_id, FIRM[0], role)
        members[user_id] = Member(user_id, name, role, password)
    members = _second_factors(service, settings, members)
    bob = members["bob"]
    passphrase = passwords.get("bob-key") or secrets.token_urlsafe(12)
    key_path = settings.data_dir / "keys" / "bob.pem"
    service.register_key("bob", public_pem(generate_key(key_path, passphrase).public_key()))
    service.seal_key("bob", key_path.read_bytes(), passphrase, passphrase)  # signing in the browser too
    members["bob"] = replace(bob, key_path=str(key_path), key_passphrase=passphrase)
    return members


def _second_factors(service: AuditService, settings: Settings, members: dict[str, Member]) -> dict[str, Member]:
    """Enrol a TOTP authenticator for everyone whose roles need one (web/mfa.py), as the enrolment page
    does: a secret, then a first code, here the previous time step's (so this step's code is still free)."""
    from ccaudit.web.mfa import Mfa
    from ccaudit.web.serverkey import ServerKey

    mfa = Mfa(service.db, ServerKey.load(settings), service.clock)
    enrolled = {}
    for user_id, member in members.items():
        if member.role not in TOTP_ROLES:
            enrolled[user_id] = member
            continue
        secret = mfa.pending_secret(user_id)
        totp = pyotp.TOTP(secret)
        if not mfa.confirm(user_id, totp.generate_otp(totp.timecode(service.clock()) - 1)):
            raise RuntimeError(f"enrolling {user_id}'s second factor failed")
        enrolled[user_id] = replace(member, totp_secret=secret)
    return enrolled


def _sign_off(service: AuditService, audit_id: int, reviewer: Member, as_of: dt.date) -> None:
    """What last year's team did: confirm every derived result, defer the rest, give each remediation
    item an owner and due date, submit (alice) and sign off (bob)."""
    _, left = service.confirm_derived("alice", audit_id)
    for requirement_id in left:
        service.defer("alice", audit_id, requirement_id, "evidence requested; assessed in the follow-up")
    for item in service.snapshot(audit_id, "alice").remediation:
        if item.owner is None:
            service.update_remediation("alice", item.item_id, owner="carol", due_date=as_of + dt.timedelta(days=120))
    service.submit("alice", audit_id)
    assert reviewer.key_path is not None
    service.signoff("bob", audit_id, load_private_key(Path(reviewer.key_path), reviewer.key_passphrase))
