"""Which passages cover which topic: one relational query over the documents' passages, the rules' phrases
(topics.phrase_rows) and the areas' context phrases (topics.context_rows). A rule holds in a passage
when every one of its phrases occurs in it (zh-TW: as a substring of the folded text; en: as whole
words, RE2), and only in a document about the clause's area (one that names it somewhere, when the rules
give the area context phrases): "backup" in the IoT rule does not cover the cloud rule's backup. A topic
is covered when some rule holds somewhere. The result is a proposal per clause, never a verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from ccaudit.policies.extract import Passage, folded
from ccaudit.policies.topics import PhraseRow, TopicRules, context_rows

QUOTED_PER_TOPIC = 3
WINDOW = 70  # characters quoted each side of the match

_HELD = """
CREATE TEMP TABLE held AS
WITH about AS (  -- the areas a document is about: it names the area somewhere (its title, usually)
    SELECT DISTINCT c.area, p.doc_no
    FROM contexts c JOIN passages p ON contains(p.folded, c.anchor)
    WHERE c.lang = 'zh-TW' OR regexp_matches(p.folded, c.pattern)
),
candidates AS (  -- a literal every match contains: cheap, and it spares most regular expressions
    SELECT r.*, p.doc_no, p.seq, p.heading, p.folded,
           NOT EXISTS (SELECT 1 FROM contexts c WHERE c.area = r.area)
           OR EXISTS (SELECT 1 FROM about a WHERE a.area = r.area AND a.doc_no = p.doc_no) AS in_area
    FROM phrases r JOIN passages p ON contains(p.folded, r.anchor)
),
hits AS (
    SELECT requirement_id, topic, rule_no, lang, parts, phrase, doc_no, seq, heading, in_area,
           CASE WHEN lang = 'zh-TW' THEN strpos(folded, pattern)
                ELSE strpos(folded, regexp_extract(folded, pattern)) END AS pos
    FROM candidates
    WHERE lang = 'zh-TW' OR regexp_matches(folded, pattern)
)
-- every phrase of the rule in the same passage
SELECT requirement_id, topic, rule_no, lang, doc_no, seq, bool_and(heading) AS heading, bool_and(in_area) AS in_area,
       string_agg(DISTINCT phrase, ' + ' ORDER BY phrase) AS matched, min(pos) AS pos
FROM hits
GROUP BY requirement_id, topic, rule_no, lang, doc_no, seq
HAVING count(DISTINCT phrase) = max(parts)
"""

# topics each document covers, wherever its area (for the register: the document it names says so)
_DOC_TOPICS = "SELECT DISTINCT doc_no, topic FROM held ORDER BY doc_no, topic"

_MATCH = f"""
WITH per_passage AS (  -- a passage quoted once per topic, with the rules it meets
    SELECT requirement_id, topic, doc_no, seq, bool_and(heading) AS heading, min(pos) AS pos, count(*) AS rules,
           string_agg(DISTINCT matched, '; ' ORDER BY matched) AS matched,
           string_agg(DISTINCT lang, ', ' ORDER BY lang) AS langs
    FROM held
    WHERE in_area
    GROUP BY requirement_id, topic, doc_no, seq
),
ranked AS (
    SELECT *, count(*) OVER (PARTITION BY requirement_id, topic) AS passages,
           row_number() OVER (PARTITION BY requirement_id, topic ORDER BY rules DESC, heading, doc_no, seq) AS n
    FROM per_passage
)
SELECT k.requirement_id, k.topic, k.passages, k.doc_no, p.page, p.paragraph, p.line, p.section, k.matched,
       k.langs,
       CASE WHEN k.pos > {WINDOW + 1} THEN '…' ELSE '' END
       || substr(p.text, greatest(1, k.pos - {WINDOW}), {2 * WINDOW + 40})
       || CASE WHEN length(p.text) >= k.pos - {WINDOW} + {2 * WINDOW + 40} THEN '…' ELSE '' END AS excerpt
FROM ranked k JOIN passages p ON p.doc_no = k.doc_no AND p.seq = k.seq
WHERE k.n <= {QUOTED_PER_TOPIC}
ORDER BY k.requirement_id, k.topic, k.n
"""


@dataclass(frozen=True)
class Quote:
    doc_no: int
    page: int | None
    paragraph: int
    line: int | None
    section: str | None
    matched: str  # the rule's phrases that matched
    langs: str
    excerpt: str


@dataclass(frozen=True)
class TopicHits:
    passages: int  # passages that cover the topic (quotes: the first QUOTED_PER_TOPIC)
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class Matched:
    hits: dict[tuple[str, str], TopicHits]  # (requirement ID, topic) -> its passages; absent: not found
    doc_topics: dict[int, set[str]]  # document number -> the topics some passage of it covers


def match(documents: Sequence[Sequence[Passage]], rules: TopicRules, phrases: Sequence[PhraseRow]) -> Matched:
    """The passages covering each clause's topics, and the topics each document covers."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(
            "CREATE TABLE passages (doc_no INTEGER, seq INTEGER, page INTEGER, paragraph INTEGER, line INTEGER, "
            "section VARCHAR, heading BOOLEAN, text VARCHAR, folded VARCHAR)"
        )
        con.execute(
            "CREATE TABLE phrases (requirement_id VARCHAR, topic VARCHAR, rule_no INTEGER, lang VARCHAR, "
            "phrase VARCHAR, pattern VARCHAR, parts INTEGER, anchor VARCHAR, area VARCHAR)"
        )
        con.execute("CREATE TABLE contexts (area VARCHAR, lang VARCHAR, pattern VARCHAR, anchor VARCHAR)")
        passages = [
            (d, s, p.page, p.paragraph, p.line, p.section, p.section == p.text[:120], p.text, folded(p.text))
            for d, doc in enumerate(documents)
            for s, p in enumerate(doc)
        ]
        _insert(con, "passages", passages, 9)
        _insert(con, "phrases", [
            (r.requirement_id, r.topic, r.rule_no, r.lang, r.phrase, r.pattern, r.parts, r.anchor, r.area)
            for r in phrases
        ], 9)  # fmt: skip
        _insert(con, "contexts", [(c.area, c.lang, c.pattern, c.anchor) for c in context_rows(rules)], 4)
        con.execute(_HELD)
        doc_topics: dict[int, set[str]] = {}
        for doc_no, topic in con.execute(_DOC_TOPICS).fetchall():
            doc_topics.setdefault(doc_no, set()).add(topic)
        found: dict[tuple[str, str], list[Quote]] = {}
        counts: dict[tuple[str, str], int] = {}
        for req, topic, passages, doc_no, page, para, line, section, matched, langs, excerpt in con.execute(
            _MATCH
        ).fetchall():
            found.setdefault((req, topic), []).append(Quote(doc_no, page, para, line, section, matched, langs, excerpt))
            counts[(req, topic)] = passages
        return Matched({key: TopicHits(counts[key], tuple(quotes)) for key, quotes in found.items()}, doc_topics)
    finally:
        con.close()


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[tuple[object, ...]], width: int) -> None:
    """All rows in one statement, column by column (executemany costs milliseconds a row)."""
    if not rows:
        return
    columns = [list(col) for col in zip(*rows, strict=True)]
    con.execute(f"INSERT INTO {table} SELECT {', '.join(['unnest(?)'] * width)}", columns)
