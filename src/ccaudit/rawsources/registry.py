"""Every raw source ccaudit reads. A new source is one module with a `SOURCE` and one line here."""

from __future__ import annotations

from ccaudit.errors import EvidenceError
from ccaudit.rawsources import (
    cisco_asa,
    defender_logons,
    entra,
    fortigate,
    globalprotect,
    openvpn_log,
    openvpn_status,
    windows_security,
)
from ccaudit.rawsources.base import RawSource

SOURCES: dict[str, RawSource] = {s.id: s for s in (fortigate.SOURCE, openvpn_status.SOURCE, openvpn_log.SOURCE,
                                                   globalprotect.SOURCE, cisco_asa.SOURCE, entra.SOURCE,
                                                   windows_security.SOURCE, defender_logons.SOURCE)}


def get(name: str) -> RawSource:
    try:
        return SOURCES[name]
    except KeyError:
        raise EvidenceError(f"unknown source {name!r}: one of {', '.join(SOURCES)} or auto "
                            "(`ccaudit sources` lists them)") from None
