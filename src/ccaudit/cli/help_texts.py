"""`ccaudit … --help` in the command's language. Typer renders help from the Click command tree it builds
(`typer.main.get_command`): the usage line from `Command.collect_usage_pieces` written by the context's
`HelpFormatter.write_usage`, then `typer.rich_utils.rich_format_help` prints each parameter's `help`, its value's
label (`metavar`, else Typer's type label such as `<path>`), and its module settings' words (panel titles,
`[default: …]`, `[required]`). In zh-TW `command_in` puts the catalog's words (content/messages/cli.yaml
`help`, `help_params`, `help_words`, `help_values`, `help_panels`) on that tree before it runs; in English it
changes nothing but resetting the module settings, so the English help is Typer's own."""

from __future__ import annotations

import functools
import sys
from typing import Any

import typer
from typer._click import HelpFormatter

from ccaudit.cli.texts import CliTexts, is_zh, texts

# typer.rich_utils' module settings -> (the English Typer sets, the catalog's key); set on every call so that an
# English command after a Chinese one (tests run many in one process) is English again
_RICH_WORDS = {
    "ARGUMENTS_PANEL_TITLE": ("Arguments", "panel:Arguments"),
    "OPTIONS_PANEL_TITLE": ("Options", "panel:Options"),
    "COMMANDS_PANEL_TITLE": ("Commands", "panel:Commands"),
    "DEFAULT_STRING": ("[default: {}]", "default"),
    "REQUIRED_LONG_STRING": ("[required]", "required"),
    "ENVVAR_STRING": ("[env var: {}]", "envvar"),
    "DEPRECATED_STRING": ("(deprecated) ", "deprecated"),
}
_OPTIONS_METAVAR = "[OPTIONS]"  # Click's and Typer's defaults, replaced only where a command keeps them
_SUBCOMMAND_METAVAR = "COMMAND [ARGS]..."


def param_key(param: Any) -> str:
    """How the catalog names a parameter: an option by its long name (`--as-of`), an argument by its Python
    name (`evidence_dir`)."""
    if param.param_type_name == "argument":
        return str(param.name)
    return str(next((opt for opt in param.opts if opt.startswith("--")), param.opts[0]))


def command_in(command: Any, lang: str) -> Any:
    """The Click command tree Typer built, with its help said in `lang`: in zh-TW each command's summary, each
    option's and argument's help, an argument's name, the kind of value an option takes, `Usage:` and the help
    page's frame from the catalog; in English as Typer words it."""
    rich_utils = sys.modules.get("typer.rich_utils")  # loaded only to print help: not imported to reset it
    if is_zh(lang):
        from typer import rich_utils
    said = texts()
    words = {**{f"panel:{k}": v for k, v in said.help_panels.items()}, **said.help_words} if is_zh(lang) else {}
    for name, (english, key) in _RICH_WORDS.items():
        if rich_utils is not None:
            setattr(rich_utils, name, words.get(key, english))
    if rich_utils is not None:
        current = getattr(rich_utils, "highlighter")  # noqa: B009  (a module setting, as the panels' titles)
        original = getattr(current, "original", current)
        setattr(rich_utils, "highlighter", _folding(original) if is_zh(lang) else original)  # noqa: B010
    if is_zh(lang):
        _relabel(command, "", said)
    return command


def _relabel(command: Any, path: str, said: CliTexts) -> None:
    if path in said.help:
        command.help = said.help[path]
        command.short_help = None
    ctx = typer.Context(command, info_name=path.rsplit(" ", 1)[-1] or "ccaudit")
    help_option = command.get_help_option(ctx)  # made once per command and kept (Click caches it)
    if help_option is not None:
        help_option.help = said.help_words["help_option"]
    for param in [*command.params, *([help_option] if help_option is not None else [])]:
        _relabel_param(param, path, ctx, said)
    if command.options_metavar == _OPTIONS_METAVAR:
        command.options_metavar = said.help_words["options_metavar"]
    if getattr(command, "subcommand_metavar", None) == _SUBCOMMAND_METAVAR:
        command.subcommand_metavar = said.help_words["subcommand_metavar"]
    command.context_class = _context_saying(command.context_class, said.help_words["usage"])
    for name, sub in (getattr(command, "commands", None) or {}).items():
        _relabel(sub, f"{path} {name}".strip(), said)


def _relabel_param(param: Any, path: str, ctx: typer.Context, said: CliTexts) -> None:
    label = value_label(param.display_type_rich(ctx), said)
    if param.param_type_name == "argument":
        # an argument's type label ignores `metavar` (which names the argument): said on the object itself
        param.display_type_rich = lambda ctx: label
    else:
        param.metavar = label
    words = said.param_words(path, param_key(param))
    if words is None:
        return
    param.help = words.help
    if words.name is not None and param.param_type_name == "argument":
        param.metavar = words.name


def value_label(english: str | None, said: CliTexts) -> str | None:
    """The kind of value an option takes in zh-TW: Typer's type label (`<path>`, `<int range>`, `<list[str]>`)
    or a command's own metavar (`DAY`) from the catalog's `help_values`; a choice (`duckdb|postgres|spark`),
    typed as it is, and a label the catalog does not know stay as they are."""
    if english is None:
        return None
    many = english.endswith("...")
    bare = english.removesuffix("...")
    if "|" in bare and not bare.startswith("<"):
        return english
    zh = said.help_values.get(bare)
    return english if zh is None else zh + ("..." if many and zh else "")


@functools.cache
def _folding(original: Any) -> Any:
    """Typer's highlighter (typer.rich_utils.highlighter, which every help text, option name and usage line goes
    through) that also lets the text fold where a line is full. Rich breaks lines only at spaces, which Chinese
    does not write: a clause longer than the help column was cut with an ellipsis at 80 columns. `overflow="fold"`
    is Rich's own answer for CJK text (Textualize/rich#2494); English help keeps Typer's highlighter."""

    class Folding(type(original)):  # type: ignore[misc]
        def highlight(self, text: Any) -> None:
            super().highlight(text)
            text.overflow = "fold"

    folding = Folding()
    folding.original = original
    return folding


@functools.cache
def _context_saying(base: type[Any], usage: str) -> type[Any]:
    """A Context class whose help formatter begins the usage line with `usage` instead of Click's `Usage: `
    (Click's `HelpFormatter.write_usage` default, the one hook for it)."""

    class SaidFormatter(HelpFormatter):
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, usage if prefix is None else prefix)

    class SaidContext(base):  # type: ignore[misc]
        formatter_class = SaidFormatter

    return SaidContext
