"""zh-TW means zh-TW: every reason code, enum value, offending-row column, stock problem phrase, check
text and report label has a Traditional Chinese form, and none of them leaves an English word behind
(other than the few product and protocol names below, which Taiwanese auditors write in Latin letters)."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlglot
from sqlglot import exp

from ccaudit.checks.engines import DuckDBEngine, transpile
from ccaudit.checks.loader import CheckLibrary
from ccaudit.checks.params import InspectionParams
from ccaudit.checks.runner import wrap
from ccaudit.evidence.importer import import_folder, open_workspace
from ccaudit.evidence.models import FieldType
from ccaudit.evidence.store import EvidenceStore
from ccaudit.evidence.templates import TemplateRegistry
from ccaudit.findings.messages import Messages, placeholders
from ccaudit.findings.models import Reason
from ccaudit.reports import texts
from ccaudit.settings import Settings

# Names written in Latin letters in Taiwanese documents too; anything else in Latin letters is a miss.
ALLOWED = {
    "VPN", "IPsec", "SSL", "ZTNA", "VDI", "RDP", "SSH", "Telnet", "HTTP", "HTTPS", "SFTP", "FTPS", "FTP",
    "TLS", "SMTP", "STARTTLS", "OTP", "TOTP", "SMS", "IoT", "IP", "VLAN", "SHA", "ID", "UPS", "CISO", "RTO", "DLP",
    "MFA", "BYOD", "App", "ISO", "SOC", "UTC", "ccaudit", "findings.json", "ASA", "JSON", "RFC", "syslog",
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
# placeholders, command-line options quoted with their value (--max-rows all), and `code` (a device's setting or a
# file's field name as the vendor spells it: `logging timestamp`, `eventtime=`)
_NOT_PROSE = re.compile(r"\{[^}]*\}|--[a-z-]+(?: [a-z]+)?|`[^`]*`")
SRC = Path(__file__).resolve().parents[3] / "src" / "ccaudit"


def english(text: str) -> list[str]:
    """Latin-letter words not on the allow-list; identifiers with digits (CM-2026-01, SHA-256) are names."""
    words = (w.rstrip(".-") for w in _WORD.findall(_NOT_PROSE.sub("", text)))
    return [w for w in words if w not in ALLOWED and not re.search(r"\d", w)]


@pytest.fixture(scope="module")
def words() -> Messages:
    return Messages.load()


@pytest.fixture(scope="module")
def checks() -> CheckLibrary:
    return CheckLibrary.load()


def _sample(name: str) -> str | int | list[str]:
    """A parameter value as the code would pass it."""
    given: dict[str, str | int | list[str]] = {
        "check_id": "remote_login_used_mfa", "flag": "has_iot", "datasets": ["remote_sessions", "people"],
        "result": "met", "count": 3, "attestation_id": 7, "measures": ["CM-2026-01", "CM-2026-02"],
    }
    return given.get(name, "2026-11-30" if name in ("on", "review_by", "approved_on", "as_of") else "王小明")


def test_every_reason_code_renders_in_zh_tw_without_english(words: Messages) -> None:
    for code, (en, zh) in words.reasons.items():
        if code == "legacy_text":  # text stored by an earlier version: shown as it was written
            continue
        params = {p: _sample(p) for p in placeholders(en) | placeholders(zh)
                  if p not in ("check", "flag_label", "dataset_titles", "result_label")}
        params |= {k: _sample(k) for k in ("check_id", "flag", "datasets", "result") if f"{{{k}}}" in en}
        rendered = words.reason(Reason(code=code, params=params), "zh-TW")
        assert not english(rendered), f"{code}: {rendered}"
        assert "{" not in rendered and rendered != words.reason(Reason(code=code, params=params), "en")


def test_every_reason_code_the_code_emits_is_in_the_catalog(words: Messages) -> None:
    emitted = {m for path in SRC.rglob("*.py") for m in re.findall(r'code="([a-z_]+)"', path.read_text("utf-8"))}
    assert emitted >= {"offending_not_compensated", "out_of_scope", "measure_expired", "not_assessed"}
    assert sorted(emitted - set(words.reasons)) == []


def test_every_enum_value_has_a_zh_tw_label(words: Messages) -> None:
    for template in TemplateRegistry.load():
        for spec in template.fields:
            if spec.type is not FieldType.ENUM:
                continue
            for value in spec.values:
                label = words.value(spec.name, value, "zh-TW")
                assert label != value or not english(value), f"{template.id}.{spec.name}: {value}"
                assert not english(label), f"{template.id}.{spec.name}: {value} -> {label}"


def _output_columns(checks: CheckLibrary) -> Iterator[tuple[str, list[str]]]:
    """Every check's offending-row columns, from its query run on an empty workspace."""
    settings = Settings()
    with tempfile.TemporaryDirectory(prefix="ccaudit-zh-") as tmp:
        root = Path(tmp)
        (root / "evidence").mkdir()
        import_folder(root / "evidence", root / "ws.duckdb", EvidenceStore(root / "store"), TemplateRegistry.load(),
                      settings)
        con = open_workspace(root / "ws.duckdb", settings)
        try:
            engine = DuckDBEngine(con)
            engine.set_params(InspectionParams(dt.date(2026, 11, 30), 12))
            for check in checks:
                for relation in check.shared:  # what the runner builds before the check
                    engine.create_shared(relation.name, transpile(relation.sql, engine.dialect))
                engine.create_table(f"cols__{check.id}", transpile(wrap(check, ["12.0"]), engine.dialect))
                yield check.id, engine.columns(f"cols__{check.id}")
        finally:
            con.close()


def test_every_offending_row_column_has_a_zh_tw_header(words: Messages, checks: CheckLibrary) -> None:
    exported = ["source_row", "source_sha256"]  # findings/writer.py renames _row and _file on export
    for check_id, columns in _output_columns(checks):
        view = texts.OffendingView([*columns, *exported], "zh-TW")
        for column, header in zip(view.columns, view.headers, strict=True):
            assert words.has_column(column), f"{check_id}: column {column} has no zh-TW label"
            assert not english(header), f"{check_id}: {column} -> {header}"


def _literals(sql: str, column: str) -> set[str]:
    found = set()
    for alias in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Alias):
        if alias.alias == column:
            found |= {lit.this.strip() for lit in alias.this.find_all(exp.Literal)
                      if lit.is_string and lit.this.strip()}
    return found


def test_every_stock_phrase_and_topic_a_check_writes_has_a_zh_tw_label(words: Messages, checks: CheckLibrary) -> None:
    for check in checks:
        for column in ("problem", "missing_terms"):
            for phrase in _literals(check.sql, column):
                label = words.value(column, phrase, "zh-TW")
                assert words.has_value(column, phrase) and not english(label), f"{check.id}: {column} {phrase!r}"
        for topic in check.meta.vars.get("topics", []) if check.meta.vars else []:
            label = words.value("topic", topic, "zh-TW")
            assert words.has_value("topic", topic) and not english(label), f"{check.id}: topic {topic}"


def test_every_check_states_itself_in_zh_tw(checks: CheckLibrary) -> None:
    for check in checks:
        meta = check.meta
        for part in ("title", "sentence", "rationale", "remediation"):
            zh = getattr(meta, part).zh_tw
            assert re.search(r"[\u4e00-\u9fff]", zh), f"{check.id}: {part} has no zh-TW text"
            assert not english(zh), f"{check.id}: {part}: {english(zh)}"


def test_sample_sentences_in_zh_tw_label_codes_and_stock_phrases(words: Messages, checks: CheckLibrary) -> None:
    from ccaudit.findings.sentence import render

    check = checks.get("cloud_user_policy_covers_topics")
    row = {"topic": "recovery_time", "doc_id": None, "problem": "no current approved document covers this topic"}
    sentence = render(check.meta.sentence.zh_tw, words.row(row, "zh-TW"))
    assert "復原時間" in sentence and "無現行核定文件涵蓋此主題" in sentence and not english(sentence)


def test_report_labels_are_chinese_in_zh_tw() -> None:
    tables = [texts.L, texts.OBLIGATION, texts.REMEDIATION_STATUS, texts.ATTESTATION, texts.SIGN_OFF, texts.OUTCOME,
              texts.SOURCE_KIND]
    for table in tables:
        for key, (_, zh) in table.items():
            assert not english(zh), f"{key}: {zh}"


def test_every_parse_report_note_says_itself_in_zh_tw() -> None:
    # what `sources parse` prints and `inspect` warns about raw exports (content/messages/sources.yaml): each note
    # in Chinese with the same placeholders, and a stored English note turned back into it
    from ccaudit.rawsources import notes

    for code, (en, zh) in notes.catalog().items():
        assert placeholders(en) == placeholders(zh), code
        params = {p: _sample(p) for p in placeholders(en)}
        rendered = notes.say(code, "zh-TW", **params)
        assert not english(rendered), f"{code}: {rendered}"
        assert notes.translate(notes.say(code, "en", **params), "zh-TW") == rendered, code
    users = [path.read_text("utf-8") for path in SRC.rglob("*.py") if "rawsources.notes" in path.read_text("utf-8")]
    emitted = {m for text in users for m in re.findall(r'\b(?:say|line|_say)\(\s*"([a-z_]+)"', text)}
    emitted |= {f"device_file_{kind}" for kind in ("devices", "apps", "actions")}
    from ccaudit.rawsources.mdm import EMPTY_REASON

    emitted |= set(EMPTY_REASON.values())
    # the CLI's own lines are said with cli.texts.tell (content/messages/cli.yaml), checked by their own test
    assert emitted <= set(notes.catalog()), emitted - set(notes.catalog())


def _sql_texts(column: str, files: str = "*.py") -> Iterator[tuple[str, str]]:
    """(file, text) for each string a parser's SQL writes into `column`: the literals after THEN/ELSE in the CASE
    that ends `END AS column` (a literal continued with || gets a sample value, as the line would give)."""
    for path in sorted((SRC / "rawsources").glob(files)):
        code = re.sub(r"'\s*\|\|\s*'", "", path.read_text("utf-8"))  # 'a ' || 'b' is 'a b'
        for case in re.findall(r"CASE\s+WHEN(?:(?!CASE\s+WHEN).)*?END AS " + column + r"\b", code, re.DOTALL):
            for text, more in re.findall(r"(?:THEN|ELSE)\s+'((?:[^']|'')+)'(\s*\|\|\s*\w+\s*\|\|\s*'[^']*')?", case):
                if more:  # 'a key appears twice (' || dup_key || '): ...'
                    text += "王小明" + re.search(r"'([^']*)'$", more).group(1)  # type: ignore[union-attr]
                yield path.name, text.replace("''", "'")


def test_every_problem_a_parser_gives_a_line_is_a_note_in_zh_tw() -> None:
    # what parse_report.json, `sources parse --lang zh-TW` and `inspect --lang zh-TW` say of a malformed line
    from ccaudit.rawsources import notes

    problems = list(_sql_texts("problem"))
    assert {name for name, _ in problems} >= {"openvpn_log.py", "cisco_asa.py", "fortigate.py", "entra.py",
                                                "globalprotect.py", "windows_security.py", "openvpn_status.py"}
    for name, text in problems:
        assert notes.code_of(text) is not None, f"{name}: {text!r} is no note in content/messages/sources.yaml"
        zh = notes.translate(text, "zh-TW")
        assert zh != text and not english(zh), f"{name}: {text!r} -> {zh!r}"


def test_session_notes_and_server_stops_say_themselves_in_zh_tw() -> None:
    from ccaudit.rawsources import notes
    from ccaudit.rawsources.base import SERVER_STOP_REASONS

    stop = f"{SERVER_STOP_REASONS[0]}: SIGTERM[hard,] received, process exiting"
    assert notes.code_of(stop) == ("session_server_stop", {"message": "SIGTERM[hard,] received, process exiting"})
    assert notes.translate(stop, "zh-TW") == "因伺服器停止而結束：SIGTERM[hard,] received, process exiting"
    restart = f"{SERVER_STOP_REASONS[1]}: the session ended before this line"
    assert notes.code_of(restart) == ("session_server_restart", {})
    for _, text in _sql_texts("note", "parse.py"):  # remote_sessions.csv notes written by the pairing
        assert notes.code_of(text) is not None, text
        assert not english(notes.translate(text, "zh-TW")), text


def test_every_command_line_text_says_itself_in_zh_tw() -> None:
    # what the commands outside `audit` print and the parser's refusals (content/messages/cli.yaml): each in Chinese
    # with the same placeholders, no English word once filled, and every key the commands say is in the catalog
    from tests.zh_text import english as english_prose

    from ccaudit.cli.texts import CliTexts
    from ccaudit.rawsources.mdm import MDM_SOURCES
    from ccaudit.rawsources.registry import SOURCES

    cli = CliTexts.load()
    for key, (en, zh) in [*cli.lines.items(), *cli.stages.items(), *cli.usage.items()]:
        assert placeholders(en) == placeholders(zh), key
        rendered = zh.format(**{p: _sample(p) for p in placeholders(zh)})
        assert not english_prose(rendered), f"{key}: {rendered}"
    for _, en, zh in cli.patterns:
        assert placeholders(zh) <= placeholders(en) and not english_prose(zh), en
    assert not [zh for zh in cli.os_errors.values() if english_prose(zh)]
    assert set(cli.sources) == set(SOURCES) | set(MDM_SOURCES)  # `ccaudit sources` says each source in Chinese
    told = {m for path in SRC.joinpath("cli").rglob("*.py")
            for m in re.findall(r'\btell\(\s*"([a-z_]+)"', path.read_text("utf-8"))}
    assert told == set(cli.lines), told ^ set(cli.lines)  # every key said is there, and every line there is said


def test_every_command_has_a_zh_tw_summary_for_its_help() -> None:
    # `ccaudit … --help` with CCAUDIT_LANG=zh-TW: each command's summary from content/messages/cli.yaml `help`
    import typer
    from tests.zh_text import english as english_prose

    from ccaudit.cli.main import app
    from ccaudit.cli.texts import CliTexts

    said = CliTexts.load().help

    def paths(command: object, path: str) -> list[str]:
        subs = getattr(command, "commands", None) or {}
        return [path] + [p for name, sub in subs.items() for p in paths(sub, f"{path} {name}".strip())]

    commands = paths(typer.main.get_command(app), "")
    assert set(commands) == set(said), (set(commands) ^ set(said))
    assert not [text for text in said.values() if english_prose(text)]


def _params_by_command() -> Iterator[tuple[str, object]]:
    """Every option and argument of every command, with the command's path ("audit open")."""
    import typer

    from ccaudit.cli.main import app

    def walk(command: object, path: str) -> Iterator[tuple[str, object]]:
        yield from ((path, param) for param in getattr(command, "params", []))
        for name, sub in (getattr(command, "commands", None) or {}).items():
            yield from walk(sub, f"{path} {name}".strip())

    return walk(typer.main.get_command(app), "")


def test_every_option_and_argument_has_its_zh_tw_help() -> None:
    # `ccaudit … --help` with CCAUDIT_LANG=zh-TW: each option's and argument's help from cli.yaml `help_params`
    from tests.zh_text import english as english_prose

    from ccaudit.cli.help_texts import param_key
    from ccaudit.cli.texts import CliTexts

    said = CliTexts.load()
    missing, used, shared = [], set(), {}
    for path, param in _params_by_command():
        key = param_key(param)
        own = said.help_params.get(path, {}).get(key)
        words = said.param_words(path, key)
        if words is None or (getattr(param, "param_type_name", "") == "argument" and not words.name):
            missing.append(f"{path or 'ccaudit'} {key}")  # an argument also needs its name: the usage line says it
        used.add((path, key) if own is not None else ("*", key))
        if own is None:  # a shared entry stands only for options that say the same thing in English
            shared.setdefault(key, set()).add(getattr(param, "help", None))
    assert not missing, f"options and arguments without their zh-TW help in cli.yaml help_params: {missing}"
    listed = {(path, key) for path, params in said.help_params.items() for key in params}
    assert not listed - used, f"help_params entries no command has: {sorted(listed - used)}"
    different = {key: helps for key, helps in shared.items() if len(helps) > 1}
    assert not different, f"a shared (`*`) entry standing for different English helps: {different}"
    prose = {f"{path} {key}": words for path, params in said.help_params.items() for key, words in params.items()}
    assert not {k: w for k, w in prose.items() if english_prose(w.help) or english_prose(w.name or "")}
    assert not [w for w in [*said.help_words.values(), *said.help_values.values()] if english_prose(w)]
