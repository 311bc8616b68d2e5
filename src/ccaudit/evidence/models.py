"""Dataset templates: what each evidence file must contain, as typed data loaded from YAML."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


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

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if not _IDENT.match(self.name):
            raise ValueError(f"field name {self.name!r} must be snake_case")
        if self.type is FieldType.ENUM and not self.values:
            raise ValueError(f"enum field {self.name!r} needs values")
        return self

    def header_names(self) -> tuple[str, ...]:
        """Every header spelling that maps to this field."""
        return (self.name, self.zh, *self.aliases)

    def expected(self) -> str:
        """What a valid value looks like, for error messages and template notes."""
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

    def list_fields(self) -> list[FieldSpec]:
        return [f for f in self.fields if f.type is FieldType.LIST]
