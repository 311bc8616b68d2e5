"""`ccaudit audit …`, `ccaudit firm|user …` and `ccaudit verify`: thin commands over
ccaudit.audit.service, one module per subject (audits, people, verification).

The acting user comes from the setting CCAUDIT_USER; the database from --db or CCAUDIT_DB (default:
SQLite in CCAUDIT_DATA_DIR). Bad input exits 2 with nothing changed; a failed verification exits 1.
"""

from __future__ import annotations

import typer

from ccaudit.cli.audit.audits import audit_app
from ccaudit.cli.audit.people import firm_app, user_app
from ccaudit.cli.audit.policies import register as register_policies
from ccaudit.cli.audit.sign import sign_digest
from ccaudit.cli.audit.story import audit_history, audit_trail
from ccaudit.cli.audit.tokens import token_app
from ccaudit.cli.audit.verify import verify


def register(app: typer.Typer) -> None:
    """Add the audit command groups and `verify` to the main app."""
    app.add_typer(firm_app, name="firm")
    app.add_typer(user_app, name="user")
    audit_app.command("trail")(audit_trail)
    audit_app.command("history")(audit_history)
    audit_app.command("sign-digest")(sign_digest)
    register_policies(audit_app)
    app.add_typer(audit_app, name="audit")
    app.command("verify")(verify)
    app.add_typer(token_app, name="token")
