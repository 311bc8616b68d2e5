"""The topic rules of content/policy_topics.yaml: for each clause, the topics its rules must cover and
the bilingual phrases that show a passage covers one. Loaded, validated against the catalog, and
flattened into rows (one per phrase) for the matching query in coverage.py."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ccaudit.catalog.models import Catalog
from ccaudit.errors import CatalogError
from ccaudit.evidence.models import Text

Rule = Annotated[str | list[str], Field()]
_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """An English phrase: NFKC, lower case, runs of white space as one space (as extract.folded)."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text).lower()).strip()


def fold_zh(text: str) -> str:
    """A zh-TW phrase as passages are matched (extract.folded: no space beside a Chinese character)."""
    from ccaudit.policies.extract import folded

    return folded(text)


class Topic(BaseModel):
    model_config = ConfigDict(frozen=True, populate_by_name=True)

    id: str
    title: Text
    zh: tuple[Rule, ...] = ()
    en: tuple[Rule, ...] = ()

    @field_validator("zh", "en")
    @classmethod
    def _phrases(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        for rule in rules:
            parts = [rule] if isinstance(rule, str) else rule
            if not parts or any(not str(p).strip() for p in parts):
                raise ValueError("a rule is a phrase or a non-empty list of phrases")
        return rules


class Clause(BaseModel):
    model_config = ConfigDict(frozen=True)

    area: str
    topics: tuple[Topic, ...]


class AreaContext(BaseModel):
    """Phrases that show a document is about an area (its title names it, usually)."""

    model_config = ConfigDict(frozen=True)

    zh: tuple[str, ...] = ()
    en: tuple[str, ...] = ()


class TopicRules(BaseModel):
    model_config = ConfigDict(frozen=True)

    catalog: str
    areas: dict[str, AreaContext] = {}
    clauses: dict[str, Clause]
    sha256: str = ""  # of the file the rules came from


@dataclass(frozen=True)
class PhraseRow:
    """One phrase of one rule: a passage covers the topic when it matches every phrase of some rule."""

    requirement_id: str
    topic: str
    rule_no: int
    lang: str  # en | zh-TW
    phrase: str  # as written in the rules (quoted back in the proposal)
    pattern: str  # zh-TW: the folded phrase (substring); en: an RE2 expression over folded text
    parts: int  # phrases in this rule
    anchor: str  # a literal every match contains (zh-TW: the pattern; en: the phrase's longest word stem)
    area: str  # the clause's area: only documents about it count (when the area has context phrases)


@dataclass(frozen=True)
class ContextRow:
    area: str
    lang: str
    pattern: str
    anchor: str


def context_rows(rules: TopicRules) -> list[ContextRow]:
    rows = []
    for area, context in rules.areas.items():
        rows += [ContextRow(area, "zh-TW", fold_zh(p), fold_zh(p)) for p in context.zh]
        rows += [ContextRow(area, "en", english_pattern(p), english_anchor(p)) for p in context.en]
    return rows


def english_pattern(phrase: str) -> str:
    """Whole words; `word*` any ending; a lone `*` up to three words; words apart by non-word characters."""
    words = fold(phrase).split(" ")
    out: list[str] = []
    for word in words:
        if word == "*":
            out.append(r"(?:\w+\W+){0,3}?")
            continue
        stem = word.rstrip("*")
        chunk = r"\W+".join(re.escape(w) for w in re.split(r"\W+", stem) if w) or re.escape(stem)
        out.append(chunk + (r"\w*" if word.endswith("*") else ""))
    body = ""
    for i, chunk in enumerate(out):
        if i and not out[i - 1].endswith("?"):
            body += r"\W+"
        body += chunk
    return r"\b" + body + r"\b"


def english_anchor(phrase: str) -> str:
    """The longest run of word characters in the phrase (a stem's, before its *): every match contains it."""
    return max(re.findall(r"\w+", fold(phrase).replace("*", " ")), key=len, default="")


def default_path() -> Path:
    return Path(str(resources.files("ccaudit.content").joinpath("policy_topics.yaml")))


def load_rules(path: Path | None = None, catalog: Catalog | None = None) -> TopicRules:
    """Read and validate the rules; with `catalog`, every clause must be one of its assessable requirements."""
    path = path or default_path()
    raw = path.read_bytes()
    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: 10 times faster
        data = yaml.load(raw, Loader=loader) or {}
        rules = TopicRules.model_validate({**data, "sha256": hashlib.sha256(raw).hexdigest()})
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"{path.name}: invalid topic rules: {exc}") from None
    if catalog is not None:
        known = {r.id for r in catalog.requirements if r.assessable}
        unknown = sorted(set(rules.clauses) - known)
        if unknown:
            raise CatalogError(f"{path.name}: clauses not in catalog {catalog.id} v{catalog.version}: {unknown}")
    for clause_id, clause in rules.clauses.items():
        if rules.areas and clause.area not in rules.areas:
            raise CatalogError(f"{path.name}: clause {clause_id}'s area {clause.area} has no context phrases")
        ids = [t.id for t in clause.topics]
        if len(set(ids)) != len(ids):
            raise CatalogError(f"{path.name}: clause {clause_id} names a topic twice")
    return rules


def phrase_rows(rules: TopicRules) -> list[PhraseRow]:
    """Every phrase of every rule, ready for the matching query."""
    rows: list[PhraseRow] = []
    for clause_id, clause in rules.clauses.items():
        for topic in clause.topics:
            rule_no = 0
            for lang, listed in (("zh-TW", topic.zh), ("en", topic.en)):
                for rule in listed:
                    rule_no += 1
                    parts = [rule] if isinstance(rule, str) else list(rule)
                    for phrase in parts:
                        pattern = fold_zh(phrase) if lang == "zh-TW" else english_pattern(phrase)
                        anchor = pattern if lang == "zh-TW" else english_anchor(phrase)
                        rows.append(PhraseRow(clause_id, topic.id, rule_no, lang, phrase, pattern, len(parts), anchor,
                                              clause.area))
    return rows
