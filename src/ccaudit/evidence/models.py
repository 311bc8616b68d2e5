"""Dataset templates: what each evidence file must contain, as typed data loaded from YAML."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
# Dates (and the day of timestamps) outside this range are refused unless a field states its own:
# years 0001 or 9999 are typing slips that would otherwise move counts and windows.
DATE_RANGE = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))
Bound = int | float | dt.date


class Text(BaseModel):
    """A text in English and Traditional Chinese."""

    model_config = ConfigDict(populate_by_name=True, frozen=True)

    en: str
    zh_tw: Annotated[str, Field(alias="zh-TW")]

    def get(self, lang: str) -> str:
        return self.zh_tw if lang.lower().startswith("zh") else self.en


class FieldType(StrEnum):
    STRING = "string"
    ENUM = "enum"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    TIMESTAMP = "timestamp"  # stored as local wall time in `name` and UTC in `name_utc`
    TIME = "time"  # time of day, stored as minutes after midnight
    LIST = "list"  # several values in one cell, stored in a child table <dataset>__<name>


SQL_TYPES = {
    FieldType.STRING: "VARCHAR",
    FieldType.ENUM: "VARCHAR",
    FieldType.INTEGER: "BIGINT",
    FieldType.NUMBER: "DOUBLE",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.DATE: "DATE",
    FieldType.TIMESTAMP: "TIMESTAMP",
    FieldType.TIME: "INTEGER",
    FieldType.LIST: "VARCHAR",  # each value, in the child table
}


class FieldSpec(BaseModel):
    """One column of a dataset template."""

    model_config = ConfigDict(frozen=True)

    name: str
    zh: str
    type: FieldType
    required: bool = False
    description: str = ""
    aliases: tuple[str, ...] = ()
    values: tuple[str, ...] = ()  # enum: accepted values (compared case-insensitively)
    value_aliases: dict[str, str] = Field(default_factory=dict)  # enum: other spellings -> value
    example: str = ""
    minimum: Annotated[Bound | None, Field(alias="min")] = None  # integer, number, date, timestamp
    maximum: Annotated[Bound | None, Field(alias="max")] = None
    identifier: bool | None = Field(
        None, description="Normalised as an identifier (NFKC, invisible characters removed); "
                          "by default the key's text fields and text fields named *_id.")
    surrogate: str | None = Field(
        None, description="A key domain (person, session, device): the table also carries an integer column "
                          "(key_column) equal for equal values of every field of the domain, for checks to join on.")

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if not _IDENT.match(self.name):
            raise ValueError(f"field name {self.name!r} must be snake_case")
        if self.type is FieldType.ENUM and not self.values:
            raise ValueError(f"enum field {self.name!r} needs values")
        for bound in (self.minimum, self.maximum):
            if bound is None:
                continue
            dated = self.type in (FieldType.DATE, FieldType.TIMESTAMP)
            numeric = self.type in (FieldType.INTEGER, FieldType.NUMBER)
            if not ((dated and isinstance(bound, dt.date)) or (numeric and not isinstance(bound, dt.date))):
                raise ValueError(f"field {self.name!r}: min/max {bound!r} does not fit type {self.type}")
        if self.identifier and self.type is not FieldType.STRING:
            raise ValueError(f"field {self.name!r}: only text fields can be identifiers")
        if self.surrogate is not None and (self.type is not FieldType.STRING or not _IDENT.match(self.surrogate)):
            raise ValueError(f"field {self.name!r}: a surrogate key domain is a snake_case name on a text field")
        return self

    @property
    def key_column(self) -> str:
        """The integer surrogate key column of a field with a key domain: person_id -> _person_key."""
        return f"_{self.name.removesuffix('_id')}_key"

    def bounds(self) -> tuple[Bound, Bound] | None:
        """The range a value must lie in (both ends included), or None for a field without one."""
        if self.type in (FieldType.DATE, FieldType.TIMESTAMP):
            return (self.minimum or DATE_RANGE[0], self.maximum or DATE_RANGE[1])
        if self.minimum is None and self.maximum is None:
            return None
        return (self.minimum if self.minimum is not None else float("-inf"),
                self.maximum if self.maximum is not None else float("inf"))

    def range_text(self) -> str:
        """The range in words ('from 1 to 36', 'at least 0'), or '' when unbounded."""
        bounds = self.bounds()
        if bounds is None:
            return ""
        low, high = bounds
        if low == float("-inf"):
            return f"at most {high}"
        if high == float("inf"):
            return f"at least {low}"
        return f"from {low} to {high}"

    def header_names(self) -> tuple[str, ...]:
        """Every header spelling that maps to this field."""
        return (self.name, self.zh, *self.aliases)

    def expected(self) -> str:
        """What a valid value looks like, for error messages and template notes."""
        shape = self._shape()
        stated = self.minimum is not None or self.maximum is not None  # the default date range goes unsaid
        return f"{shape}; {self.range_text()}" if stated else shape

    def _shape(self) -> str:
        return {
            FieldType.STRING: "text",
            FieldType.ENUM: "one of " + ", ".join(self.values),
            FieldType.INTEGER: "a whole number",
            FieldType.NUMBER: "a number",
            FieldType.BOOLEAN: "true/false, Y/N, 是/否 or V/X",
            FieldType.DATE: "a date: 2024-05-15, 2024/5/15, ROC 113/05/15, 1130515 or 民國113年5月15日",
            FieldType.TIMESTAMP: "a date and time, e.g. 2024-05-15 08:30:00 (local) or 2024-05-15T00:30:00Z",
            FieldType.TIME: "a time of day HH:MM (24:00 for the end of the day)",
            FieldType.LIST: "values separated by ; , 、 or |",
        }[self.type]


class DatasetTemplate(BaseModel):
    """A documented evidence dataset: the columns, their types and the file names that carry it."""

    model_config = ConfigDict(frozen=True)

    id: str
    title: Text
    description: Text
    key: tuple[str, ...] = ()
    file_aliases: tuple[str, ...] = ()
    naive_timestamps: str = Field(
        "local", description="How timestamps without an offset are read: 'local' (firm zone) or 'utc'."
    )
    fields: tuple[FieldSpec, ...]
    min_rows: int = Field(0, ge=0, description="Records a firm in scope must have: fewer is not evidence of "
                                                 "compliance; the checks that need it are needs_review.")
    min_rows_when: str | None = Field(None, description="firm_profile scope flag: min_rows applies only when "
                                                         "it is true (or unknown).")
    single_row: bool = Field(False, description="Exactly one record (firm_profile); otherwise refused.")

    @model_validator(mode="after")
    def _check(self) -> DatasetTemplate:
        if not _IDENT.match(self.id):
            raise ValueError(f"dataset id {self.id!r} must be snake_case")
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"dataset {self.id}: duplicate field names")
        missing = set(self.key) - set(names)
        if missing:
            raise ValueError(f"dataset {self.id}: key names unknown fields {sorted(missing)}")
        columns = [f.key_column for f in self.fields if f.surrogate is not None]
        if len(set(columns)) != len(columns) or set(columns) & set(names):
            raise ValueError(f"dataset {self.id}: surrogate key columns {columns} clash")
        if self.naive_timestamps not in ("local", "utc"):
            raise ValueError(f"dataset {self.id}: naive_timestamps must be 'local' or 'utc'")
        return self

    def field(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def table_columns(self) -> list[tuple[str, str]]:
        """(column, SQL type) of the normalised table, in order; list fields live in child tables."""
        cols: list[tuple[str, str]] = [("_file", "VARCHAR"), ("_row", "BIGINT")]
        for spec in self.fields:
            if spec.type is FieldType.LIST:
                continue
            cols.append((spec.name, SQL_TYPES[spec.type]))
            if spec.type is FieldType.TIMESTAMP:
                cols.append((f"{spec.name}_utc", "TIMESTAMP"))
        return cols

    def surrogates(self) -> list[FieldSpec]:
        """Fields with a key domain: the table carries each one's integer key column (evidence/surrogate.py)."""
        return [f for f in self.fields if f.surrogate is not None]

    def surrogate_columns(self) -> list[tuple[str, str]]:
        """(column, SQL type) of the integer key columns, which follow table_columns() and the list texts."""
        return [(f.key_column, "BIGINT") for f in self.surrogates()]

    def list_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.type is FieldType.LIST]

    def identifiers(self) -> list[FieldSpec]:
        """Text fields normalised as identifiers: stated in the template, else the key's text
        fields and text fields named *_id (the columns records are matched and joined on)."""
        def chosen(spec: FieldSpec) -> bool:
            if spec.identifier is not None:
                return spec.identifier
            return spec.type is FieldType.STRING and (spec.name in self.key or spec.name.endswith("_id"))
        return [f for f in self.fields if chosen(f)]
