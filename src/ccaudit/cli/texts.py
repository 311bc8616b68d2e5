"""What the commands outside `audit` print, and the parser's refusals, in English or Traditional Chinese: the
catalog content/messages/cli.yaml. `tell` renders a line by key; `usage_message` says a Typer usage error (a
missing or unknown option, an unknown command, a value that does not convert) in the command's language from
the error's parts, with pydantic's reason said by the errors catalog (errortexts.py)."""

from __future__ import annotations

import errno
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ccaudit.content import BUILTIN, load_yaml

CATALOG = BUILTIN / "messages" / "cli.yaml"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def is_zh(lang: str) -> bool:
    return lang.lower().startswith("zh")


@dataclass(frozen=True)
class ParamWords:
    """An option's or argument's help in zh-TW and, for an argument, the name the usage line and a usage error
    give it (an option keeps its --name: it is typed)."""

    help: str
    name: str | None = None

    @classmethod
    def of(cls, said: Any) -> ParamWords:
        return cls(str(said["help"]), str(said["name"])) if isinstance(said, dict) else cls(str(said))


@dataclass(frozen=True)
class CliTexts:
    lines: dict[str, tuple[str, str]]
    stages: dict[str, tuple[str, str]]
    usage: dict[str, tuple[str, str]]
    patterns: tuple[tuple[re.Pattern[str], str, str], ...]
    os_errors: dict[str, str]
    sources: dict[str, tuple[str, str]]  # a raw source's id -> (product, expects) in zh-TW
    help: dict[str, str]  # a command's path ("audit open"; "" for ccaudit itself) -> its summary in zh-TW
    help_panels: dict[str, str]  # Typer's help panel titles in zh-TW
    help_params: dict[str, dict[str, ParamWords]]  # a command's path ("*": shared) -> option or argument -> words
    help_words: dict[str, str]  # the frame of a help page in zh-TW: `Usage:`, [OPTIONS], [default: …], --help
    help_values: dict[str, str]  # the kind of value an option takes, as Typer labels it (<str>, <path>) -> zh-TW

    @classmethod
    def load(cls, path: Path = CATALOG) -> CliTexts:
        doc: Any = load_yaml(path.read_text(encoding="utf-8")) or {}

        def pairs(section: str) -> dict[str, tuple[str, str]]:
            return {key: (item["en"], item["zh-TW"]) for key, item in (doc.get(section) or {}).items()}

        patterns = []
        for item in doc.get("patterns") or []:
            parts = _PLACEHOLDER.split(item["en"])
            body = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
            patterns.append((re.compile(f"^{body}$", re.DOTALL), item["en"], item["zh-TW"]))
        return cls(pairs("lines"), pairs("stages"), pairs("usage"), tuple(patterns),
                   {str(k): str(v) for k, v in (doc.get("os_errors") or {}).items()},
                   {str(k): (v["product"], v["expects"]) for k, v in (doc.get("sources") or {}).items()},
                   {str(k): str(v) for k, v in (doc.get("help") or {}).items()},
                   {str(k): str(v) for k, v in (doc.get("help_panels") or {}).items()},
                   {str(path): {str(key): ParamWords.of(said) for key, said in (params or {}).items()}
                    for path, params in (doc.get("help_params") or {}).items()},
                   {str(k): str(v) for k, v in (doc.get("help_words") or {}).items()},
                   {str(k): str(v) for k, v in (doc.get("help_values") or {}).items()})

    def param_words(self, path: str, key: str) -> ParamWords | None:
        """What `--help` says of an option or argument (`param_key`) of the command at `path` in zh-TW: the
        command's own entry, else the shared one (`*`), else None."""
        own = self.help_params.get(path, {}).get(key)
        return own if own is not None else self.help_params.get("*", {}).get(key)


@functools.cache
def texts() -> CliTexts:
    return CliTexts.load()


def tell(key: str, lang: str, **values: object) -> str:
    """The line `key` in `lang`, filled with `values` (a missing one is a programming error: KeyError)."""
    en, zh = texts().lines[key]
    return (zh if is_zh(lang) else en).format(**values)


def source_words(source_id: str, product: str, expects: str, lang: str) -> tuple[str, str]:
    """A raw source's product and the export it expects, in `lang` (as the source says them in English)."""
    said = texts().sources.get(source_id) if is_zh(lang) else None
    return said if said is not None else (product, expects)


def choices(values: list[str] | tuple[str, ...], lang: str) -> str:
    """The values an option takes, as the user types them: `a`、`b` in Chinese, a, b in English."""
    return "、".join(f"`{v}`" for v in values) if is_zh(lang) else ", ".join(values)


def listed(values: list[str] | tuple[str, ...], lang: str) -> str:
    """Several paths or names in a line: separated by 、 in Chinese, by commas in English."""
    return ("、" if is_zh(lang) else ", ").join(values)


def stage(name: str, lang: str) -> str:
    """A progress bar stage (import, checks, firms, generate) in `lang`; an unknown one as it is."""
    pair = texts().stages.get(name)
    return name if pair is None else pair[1] if is_zh(lang) else pair[0]


def said_again(message: str, lang: str) -> str:
    """A sentence the parser, the date reader or the errors catalog knows, said in `lang`; anything else as it is."""
    if not is_zh(lang):
        return message
    for regex, _, zh in texts().patterns:
        match = regex.match(message)
        if match is not None:
            return _fill(zh, match.groupdict())
    from ccaudit.errortexts import say_error

    return say_error(message, lang)


def _fill(template: str, values: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


def os_problem(exc: OSError, lang: str) -> str:
    """What the operating system said about a path, in `lang` for the common cases (its words otherwise)."""
    english = exc.strerror or str(exc)
    if not is_zh(lang) or exc.errno is None:
        return english
    return texts().os_errors.get(errno.errorcode.get(exc.errno, ""), english)


def usage_message(exc: Exception, lang: str) -> str:
    """A Typer usage error as Typer words it (English), or in Chinese from its parts (the error classes of the
    Click that Typer 0.29 vendors; tests/cli/test_zh_tw_commands.py fails if a Typer release moves them)."""
    format_message = getattr(exc, "format_message", None)
    english = format_message() if callable(format_message) else str(exc)
    if not is_zh(lang):
        return english
    try:
        from typer._click import exceptions as click_errors
    except ImportError:  # a Typer without its vendored Click: the sentence said again where the catalog knows it
        return said_again(english, lang)
    usage = {key: zh for key, (_, zh) in texts().usage.items()}
    if isinstance(exc, click_errors.MissingParameter):
        hint = _hint(exc)
        kind = exc.param_type or (exc.param.param_type_name if exc.param is not None else "parameter")
        return usage.get(f"missing_{kind}", usage["missing_parameter"]).format(hint=hint)
    if isinstance(exc, click_errors.NoSuchOption):
        said = usage["no_such_option"].format(name=exc.option_name)
        if exc.possibilities:
            said += usage["possible_options"].format(names="、".join(sorted(exc.possibilities)))
        return said
    if isinstance(exc, click_errors.BadParameter):
        reason = _reason(exc, lang)
        hint = _hint(exc)
        return usage["invalid_value_for"].format(hint=hint, message=reason) if hint else \
            usage["invalid_value"].format(message=reason)
    if isinstance(exc, click_errors.FileError):
        return usage["could_not_open"].format(name=exc.ui_filename, problem=said_again(exc.message, lang))
    if isinstance(exc, click_errors.ClickException):
        return said_again(exc.message, lang)
    return said_again(english, lang)


def _hint(exc: Any) -> str:
    """The option or argument a usage error is about, as Typer names it ('--as-of', 'EVIDENCE_DIR')."""
    hint = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(repr(h) for h in hint)


def _reason(exc: Any, lang: str) -> str:
    """Why a value was refused: pydantic's reason (a number out of range, not a number) from the errors catalog's
    `validation` words, else the message said again."""
    from pydantic import ValidationError

    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        from ccaudit.errortexts import error_texts

        first = cause.errors()[0]
        return error_texts().field_message(first["type"], first.get("ctx"), str(first["msg"]), lang)
    return said_again(str(exc.message), lang)


def settings_problem(exc: Any, lang: str) -> str:
    """A CCAUDIT_* setting that does not parse (pydantic's ValidationError), named with its value and the reason
    in `lang` (settings.settings_problem in English)."""
    from ccaudit.settings import settings_problem as in_english

    if not is_zh(lang):
        return in_english(exc)
    from ccaudit.errortexts import error_texts

    lines = []
    for error in exc.errors():
        name = "CCAUDIT_" + "_".join(str(part) for part in error["loc"][:1]).upper()
        ctx = dict(error.get("ctx") or {})
        if isinstance(ctx.get("expected"), str):  # 'duckdb', 'postgres' or 'spark'
            ctx["expected"] = ctx["expected"].replace(" or ", "、").replace(", ", "、")
        problem = error_texts().field_message(error["type"], ctx, str(error["msg"]), lang)
        if problem == error["msg"]:  # a validator's own sentence
            problem = said_again(str(error["msg"]).removeprefix("Value error, "), lang)
        lines.append(tell("setting_problem", lang, name=name, value=repr(error.get("input")), problem=problem))
    return "；".join(lines) or in_english(exc)
