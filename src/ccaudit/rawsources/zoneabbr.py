"""Time-zone abbreviations a log writes after its times (`tz="JST"`, Cisco's `clock timezone` name, `journalctl -o
short-full`'s `CST`): an abbreviation that names one offset is read as that offset, as a stated `+09:00` would be;
one that names several (CST is China +08:00, which Taiwan's systems also write for Asia/Taipei, US Central -06:00 or
Cuba -05:00) or none ccaudit knows is never guessed: its times are read in a zone the firm states for the file or
its gateway (--tz, tz: in evidence.yaml, the gateway's zone), and a file where it is not stated is refused.

The abbreviations and meanings are those of the IANA time zone database's current and recent rules (an abbreviation
used for two current offsets, such as IST for India, Ireland and Israel, is ambiguous). A standard/summer pair
(`MSK/MSD`, as some devices print their configured names) does not say which of the two is in effect: ambiguous."""

from __future__ import annotations

# abbreviation -> minutes east of UTC (what each means, in English and Traditional Chinese, is the note
# zone_abbr_meaning_<abbreviation> of content/messages/sources.yaml, so that a stored note says it in either language)
UNAMBIGUOUS: dict[str, int] = {
    "JST": 540, "KST": 540, "HKT": 480, "SGT": 480, "PHT": 480, "AWST": 480, "WITA": 480, "WIT": 540, "WIB": 420,
    "ICT": 420, "NPT": 345, "PKT": 300, "MSK": 180, "EET": 120, "EEST": 180, "CET": 60, "CEST": 120, "WET": 0,
    "WEST": 60, "AEST": 600, "AEDT": 660, "ACST": 570, "ACDT": 630, "NZST": 720, "NZDT": 780, "HST": -600,
    "AKST": -540, "AKDT": -480, "PDT": -420, "MDT": -360, "EST": -300, "EDT": -240,
}
# abbreviations naming several current offsets (CST: China +08:00, US Central -06:00, Cuba -05:00; IST: India,
# Ireland, Israel; PST: US Pacific, Philippines; MST: US Mountain, Malaysia; ...)
AMBIGUOUS = ("CST", "CDT", "IST", "PST", "MST", "BST", "AST", "GST", "SST", "AMT")

# A zone's text that is an abbreviation (letters, or a standard/summer pair of capitals), not an offset, UTC/GMT/Z or
# an IANA name (Asia/Taipei).
ABBREVIATION = r"^(?:[A-Za-z]{2,6}|[A-Z]{2,5}/[A-Z]{2,5})$"


def minutes_sql(text: str) -> str:
    """SQL: the minutes east of UTC of an unambiguous abbreviation (its case ignored); NULL for anything else."""
    whens = " ".join(f"WHEN '{k}' THEN {m}" for k, m in UNAMBIGUOUS.items())
    return f"CASE upper(trim({text})) {whens} END"


def meaning(abbr: str, lang: str) -> str:
    """What an abbreviation means, in English or Traditional Chinese: its one zone, the several it may name, a
    standard/summer pair, or none known."""
    from ccaudit.rawsources.notes import say

    key = abbr.upper()
    if key in UNAMBIGUOUS or key in AMBIGUOUS:
        return say(f"zone_abbr_meaning_{key.lower()}", lang)
    return say("zone_abbr_meaning_pair" if "/" in key else "zone_abbr_meaning_unknown", lang)


def offset_text(minutes: int) -> str:
    """+09:00, -05:00, +05:45."""
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
