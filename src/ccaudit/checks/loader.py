"""Loads check folders: content/checks/<area>/<check_id>/{check.yaml, query.sql, cases.yaml}."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import jinja2
import yaml
from pydantic import ValidationError

from ccaudit.checks.models import Check, CheckMetadata, SharedRelation
from ccaudit.content import BUILTIN, load_yaml
from ccaudit.errors import CatalogError
from ccaudit.evidence.readers import quote_literal

TEMPLATES = "_templates"
SHARED = "_shared"
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def _sql_list(values: Iterable[Any]) -> str:
    return ", ".join(quote_literal(str(v)) for v in values)


def _sql_values(values: Iterable[Any]) -> str:
    """A portable one-column VALUES body: ('a'), ('b')."""
    return ", ".join(f"({quote_literal(str(v))})" for v in values)


def _environment(root: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(root / TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
    )
    env.filters["sql_list"] = _sql_list
    env.filters["sql_values"] = _sql_values
    env.filters["sql_str"] = lambda v: quote_literal(str(v))
    env.filters["sql_int"] = lambda v: str(int(v))
    return env


class CheckLibrary:
    """Every loaded check by ID; aliases resolve to the current ID."""

    def __init__(self, checks: Iterable[Check]) -> None:
        self._by_id: dict[str, Check] = {}
        self._alias: dict[str, str] = {}
        for check in checks:
            if check.id in self._by_id:
                raise CatalogError(f"check {check.id} is defined twice ({check.folder})")
            self._by_id[check.id] = check
            for alias in check.meta.aliases:
                self._alias[alias] = check.id

    @classmethod
    def load(cls, extra_paths: Iterable[Path] = ()) -> CheckLibrary:
        roots = [r for r in (BUILTIN / "checks", *(Path(p) / "checks" for p in extra_paths)) if r.is_dir()]
        shared: dict[str, SharedRelation] = {}
        for root in roots:  # a pack may read the shared relations of the packs loaded before it, or its own
            for relation in load_shared(root):
                if relation.name in shared:
                    raise CatalogError(f"shared relation {relation.name} is defined twice ({relation.path})")
                shared[relation.name] = relation
        return cls(check for root in roots for check in load_pack(root, shared))

    def __iter__(self) -> Iterator[Check]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, check_id: object) -> bool:
        return check_id in self._by_id or check_id in self._alias

    def get(self, check_id: str) -> Check:
        key = self._alias.get(check_id, check_id)
        if key not in self._by_id:
            raise CatalogError(f"unknown check {check_id!r}")
        return self._by_id[key]


def load_shared(root: Path) -> Iterator[SharedRelation]:
    """The pack's shared relations: checks/_shared/<name>.sql, each one SELECT."""
    for path in sorted((root / SHARED).glob("*.sql")):
        name = path.stem
        if not _NAME.match(name):
            raise CatalogError(f"shared relation {path}: its name must be snake_case")
        sql = path.read_text(encoding="utf-8").strip().rstrip(";")
        yield SharedRelation(name=name, sql=sql, path=path)


def load_pack(root: Path, shared: Mapping[str, SharedRelation] | None = None) -> Iterator[Check]:
    env = _environment(root)
    known = dict(shared) if shared is not None else {r.name: r for r in load_shared(root)}
    for meta_path in sorted(root.glob("*/*/check.yaml")):
        folder = meta_path.parent
        if folder.parent.name in (TEMPLATES, SHARED):
            continue
        yield load_check(folder, env, known)


def load_check(folder: Path, env: jinja2.Environment, shared: Mapping[str, SharedRelation] | None = None) -> Check:
    try:
        meta = CheckMetadata.model_validate(load_yaml((folder / "check.yaml").read_text(encoding="utf-8")))
    except (yaml.YAMLError, ValidationError) as exc:
        raise CatalogError(f"check {folder}: check.yaml is invalid: {exc}") from exc
    if meta.id != folder.name:
        raise CatalogError(f"check {folder}: id {meta.id!r} differs from its folder name")
    try:
        if meta.query_template:
            template = env.get_template(f"{meta.query_template}.sql")
        else:
            template = env.from_string((folder / "query.sql").read_text(encoding="utf-8"))
        sql = template.render(**meta.vars).strip().rstrip(";")
    except (OSError, jinja2.TemplateError) as exc:
        raise CatalogError(f"check {meta.id}: its query cannot be rendered: {exc}") from exc
    unknown = [n for n in meta.shared if n not in (shared or {})]
    if unknown:
        raise CatalogError(f"check {meta.id}: names unknown shared relation(s) {', '.join(unknown)} (checks/{SHARED}/)")
    relations = tuple((shared or {})[n] for n in meta.shared)
    return Check(meta=meta, sql=sql, folder=folder, area=folder.parent.name, shared=relations)
