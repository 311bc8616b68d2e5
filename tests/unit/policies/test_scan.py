"""A scan proposes, per clause, covered / not found per topic with the passages quoted, from documents
in either language; what no document says is "not found", never covered."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest

from ccaudit.errors import EvidenceError
from ccaudit.evidence.store import sha256_of
from ccaudit.policies.models import Proposal
from ccaudit.policies.scan import scan
from ccaudit.policies.topics import english_pattern, load_rules
from ccaudit.settings import Settings

AS_OF = dt.date(2026, 11, 30)
TOPICS_1211 = ["provider_selection", "audit", "backup", "service_level", "security_protection", "recovery_time",
               "compensating_measures"]


@pytest.mark.parametrize("name", ["cloud_zh.pdf", "cloud_zh.docx", "cloud_zh.odt", "cloud_zh.md",
                                  "cloud_zh_big5.txt"])
def test_a_chinese_cloud_rule_covers_every_topic_of_12_1_1(library: Path, tmp_path: Path, name: str) -> None:
    result = scan([library / name], tmp_path / "out", Settings(), as_of=AS_OF)
    clause = result.clause("12.1.1")
    assert clause is not None
    assert [t.topic for t in clause.topics] == TOPICS_1211
    assert clause.proposal is Proposal.COVERED and clause.proposed_attestation == "met"
    recovery = next(t for t in clause.topics if t.topic == "recovery_time")
    quote = recovery.quotes[0]
    assert "四小時" in quote.excerpt and quote.document == name and quote.sha256 == sha256_of(library / name)
    assert "rto" in quote.matched.split("; ")  # full-width ＲＴＯ matched in NFKC
    if name.endswith(".pdf"):
        assert quote.page == 2
    else:
        assert quote.page is None and quote.paragraph == 8


def test_an_english_policy_that_leaves_topics_out_is_partly_covered_never_covered(
    library: Path, tmp_path: Path
) -> None:
    result = scan([library / "mobile_en.docx"], tmp_path / "out", Settings(), as_of=AS_OF)
    mobile = result.clause("12.3.1.1")
    assert mobile is not None and mobile.proposal is Proposal.PARTLY_COVERED
    assert mobile.proposed_attestation == "not_met" and mobile.missing == ["return"]
    request = next(t for t in mobile.topics if t.topic == "request")
    assert request.quotes[0].excerpt.startswith("Employees request a company mobile device")
    shareable = result.clause("12.2.1.1")
    assert shareable is not None and shareable.proposal is Proposal.COVERED
    cloud = result.clause("12.1.1")
    assert cloud is not None and cloud.proposal is Proposal.NOT_FOUND and cloud.missing == TOPICS_1211
    assert all(not t.quotes and t.passages == 0 for t in cloud.topics)


def test_outputs_keep_the_documents_and_quote_passages_safely(library: Path, tmp_path: Path) -> None:
    evil = tmp_path / "docs" / "evil.md"
    evil.parent.mkdir()
    evil.write_text("=HYPERLINK(\"http://x\") cloud backups are taken every day.\n", encoding="utf-8")
    (tmp_path / "docs" / ".hidden.md").write_text("backup", encoding="utf-8")
    (tmp_path / "docs" / "notes.xlsx").write_bytes(b"PK")
    out = tmp_path / "out"
    result = scan([library / "cloud_zh.md", tmp_path / "docs"], out, Settings(), as_of=AS_OF)
    assert [d.name for d in result.documents] == ["cloud_zh.md", "docs/evil.md"]
    assert sorted((s.name, s.reason) for s in result.skipped) == [
        ("docs/.hidden.md", "hidden or system file"), ("docs/notes.xlsx", "not PDF, DOCX, ODT, Markdown or plain text")]
    for d in result.documents:
        assert sha256_of(out / "documents" / "blobs" / d.sha256) == d.sha256
    stored = json.loads((out / "policy_coverage.json").read_text(encoding="utf-8"))
    assert stored["kind"] == "ccaudit.policy_coverage"
    assert stored["clauses"][0]["text"]["zh-TW"].startswith("公司如使用")
    with (out / "policy_passages.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    evil_rows = [r for r in rows if r["document"] == "docs/evil.md"]
    assert evil_rows and all(r["excerpt"].startswith("'=HYPERLINK") for r in evil_rows)
    assert {"requirement_id": "12.1.2", "topic": "legal_compliance", "status": "not_found"}.items() <= next(
        r for r in rows if r["topic"] == "legal_compliance").items()


def test_the_same_file_twice_is_read_once(library: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.md"
    copy.write_bytes((library / "cloud_zh.md").read_bytes())
    result = scan([library / "cloud_zh.md", copy], tmp_path / "out", Settings(), as_of=AS_OF)
    assert len(result.documents) == 1 and result.skipped[0].reason == "the same file as cloud_zh.md"


def test_every_bad_file_is_named_and_nothing_is_written(library: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4 broken")
    (tmp_path / "old.doc").write_bytes(b"x")
    os.mkfifo(tmp_path / "pipe.md")
    out = tmp_path / "out"
    with pytest.raises(EvidenceError) as caught:
        scan([library / "cloud_zh.md", tmp_path / "bad.pdf", tmp_path / "old.doc"], out, Settings(), as_of=AS_OF)
    message = str(caught.value)
    assert "2 policy document(s) cannot be read; nothing was written" in message
    assert "bad.pdf: cannot be read as PDF" in message and "old.doc: not a format" in message
    assert not out.exists()
    with pytest.raises(EvidenceError, match=r"pipe\.md: not a regular file"):
        scan([tmp_path / "pipe.md"], out, Settings(), as_of=AS_OF)


def test_a_link_out_of_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (tmp_path / "secret.md").write_text("backup", encoding="utf-8")
    (folder / "policy.md").symlink_to(tmp_path / "secret.md")
    with pytest.raises(EvidenceError, match=r"policy\.md"):
        scan([folder], tmp_path / "out", Settings(), as_of=AS_OF)


def test_english_phrases_match_whole_words_with_stems_and_gaps() -> None:
    import re

    def hits(phrase: str, text: str) -> bool:
        return re.search(english_pattern(phrase), text) is not None

    assert hits("encrypt*", "data is encrypted in transit") and not hits("sla", "the slate is clean")
    assert hits("service level*", "service-levels are agreed") and hits("select* * provider*",
                                                                       "selecting a cloud service provider")
    assert not hits("select* * provider*", "select one of the many, many other possible providers")


def test_the_topic_rules_name_only_catalog_clauses_and_the_register_s_topic_codes() -> None:
    from ccaudit.catalog.loader import DEFAULT_CATALOG, CatalogLibrary
    from ccaudit.checks.loader import CheckLibrary

    catalog = CatalogLibrary.load().in_force(DEFAULT_CATALOG, AS_OF)
    rules = load_rules(catalog=catalog)
    parent = {r.id: r.parent for r in catalog.requirements}
    checked = 0
    for check in CheckLibrary.load():
        if check.meta.query_template != "policy_coverage":
            continue
        requirement = next(r for r in catalog.requirements if check.meta.id in r.checks)
        # the register's topics of a clause are found by the rules of that clause or its siblings
        ours = {t.id for c_id, c in rules.clauses.items() if parent[c_id] == requirement.parent for t in c.topics}
        assert set(check.meta.vars["topics"]) <= ours, check.meta.id
        checked += 1
    assert checked == 7


def test_every_word_of_proposals_and_topic_titles_has_a_chinese_form() -> None:
    from tests.unit.findings.test_zh_tw_complete import english

    from ccaudit.policies import texts

    for table in (texts.PROPOSAL, texts.TOPIC_STATUS, texts.DECISION, texts.HEADERS, texts.NOTE, texts.MESSAGES):
        for key, (_, zh) in table.items():
            prose = re.sub(r"`?ccaudit [a-z -]+(?: [A-Z]+)?`?", "", zh)  # a command to run is not prose
            assert not english(prose), f"{key}: {zh}"
    from tests.zh_text import english as english_prose

    assert not [zh for _, zh in texts.FORMAT.values() if english_prose(zh, frozenset({"DOCX", "ODT", "Markdown"}))]
    for clause_id, clause in load_rules().clauses.items():
        for topic in clause.topics:
            assert not english(topic.title.zh_tw), f"{clause_id} {topic.id}: {topic.title.zh_tw}"


def test_a_passage_counts_only_in_a_document_about_the_clause_s_area(tmp_path: Path) -> None:
    iot = tmp_path / "iot.md"
    iot.write_text("# 物聯網設備管理規範\n\n已知缺陷無法更新者，應建立補償性控制。\n", encoding="utf-8")
    cloud = tmp_path / "cloud.md"
    cloud.write_text("# 雲端運算服務作業安全規範\n\n雲端資料應每日備份。\n", encoding="utf-8")
    result = scan([iot, cloud], tmp_path / "out", Settings(), as_of=AS_OF)
    cloud_clause, iot_clause = result.clause("12.1.1"), result.clause("12.4.2")
    assert cloud_clause is not None and iot_clause is not None
    status = {t.topic: t.status for t in cloud_clause.topics}
    assert status["backup"] == "covered" and status["compensating_measures"] == "not_found"
    assert {t.topic: t.status for t in iot_clause.topics}["unfixable_defects"] == "covered"


def test_every_english_rule_is_a_valid_re2_expression_with_its_anchor_inside() -> None:
    import duckdb

    from ccaudit.policies.topics import context_rows, phrase_rows

    rules = load_rules()
    rows = [(r.pattern, r.anchor, r.phrase) for r in phrase_rows(rules) if r.lang == "en"]
    rows += [(c.pattern, c.anchor, c.pattern) for c in context_rows(rules) if c.lang == "en"]
    con = duckdb.connect()
    for pattern, anchor, phrase in rows:
        con.execute("SELECT regexp_matches('x', ?)", [pattern]).fetchall()  # RE2 refuses what it cannot compile
        assert anchor and anchor in phrase.lower().replace("*", ""), phrase
