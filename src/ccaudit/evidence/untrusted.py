"""Guards for files that come from outside, applied before anything reads them.

- A path in the evidence folder must be a regular file inside the folder: a link that leads out of it
  (to another folder, to /proc/self/environ) or a special file (FIFO, device, socket) is refused by
  name, without reading it, so no content of a file that is not evidence reaches a message.
- evidence.yaml is read with a loader that refuses aliases (a 350-byte alias bomb expands to gigabytes
  when validated) and nesting deeper than any real configuration needs.
- A workbook is a zip archive: its members' declared sizes and compression ratio are checked before
  the spreadsheet library opens it, so a small file cannot expand to gigabytes in memory.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import Node

from ccaudit.errors import EvidenceError
from ccaudit.textsafe import visible

if TYPE_CHECKING:
    from ccaudit.settings import Settings

MAX_YAML_DEPTH = 32
MAX_YAML_BYTES = 1 << 20


@dataclass(frozen=True)
class WorkbookLimits:
    """Settings.xlsx_max_uncompressed_bytes, xlsx_max_compression_ratio and max_cell_chars."""

    uncompressed_bytes: int = 256 << 20
    compression_ratio: int = 200  # deflate reaches ~1000 on a run of one byte; real sheets stay far below
    cell_chars: int = 32_767  # Excel's own limit for one cell

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkbookLimits:
        """The limits of the command's own Settings (CCAUDIT_XLSX_*, CCAUDIT_MAX_CELL_CHARS)."""
        return cls(settings.xlsx_max_uncompressed_bytes, settings.xlsx_max_compression_ratio, settings.max_cell_chars)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def check_inside(path: Path, root: Path, *, directory: bool = False) -> None:
    """Refuse `path` unless it is a regular file (or, with `directory`, a folder) inside `root`."""
    rel = path.relative_to(root).as_posix()
    name = visible(rel)
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are no text: the name could not be written into any result
        raise EvidenceError(f"{name}: the file name is not valid UTF-8 text; rename the file") from None
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise EvidenceError(f"{name}: a link to a file that does not exist; copy the file in instead") from None
        if not target.is_relative_to(root.resolve()):
            raise EvidenceError(
                f"{name}: a link to a file outside the evidence folder; copy the file into the folder instead"
            )
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise EvidenceError(f"{name}: cannot be read ({exc.strerror})") from None
    if directory and stat.S_ISDIR(mode):
        return
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else _kind(mode)
        raise EvidenceError(
            f"{name}: {what}, not a regular file; ccaudit reads only regular files in the evidence folder"
        )


class _BoundedLoader(yaml.SafeLoader):
    """SafeLoader without aliases and with bounded nesting."""

    depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"aliases (*name) are not accepted in evidence.yaml (line {mark.line + 1})")
        self.depth += 1
        try:
            if self.depth > MAX_YAML_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise yaml.YAMLError(f"nested more than {MAX_YAML_DEPTH} levels deep (line {mark.line + 1})")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load_yaml(path: Path, root: Path) -> Any:
    """The content of a small YAML file in the evidence folder, or an EvidenceError saying why not."""
    check_inside(path, root)
    name = visible(path.relative_to(root).as_posix())
    if path.stat().st_size > MAX_YAML_BYTES:
        raise EvidenceError(f"invalid {name}: larger than {MAX_YAML_BYTES // 1024} KiB (it holds a few options)")
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_BoundedLoader)  # a SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise EvidenceError(f"invalid {name}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except yaml.YAMLError as exc:
        raise EvidenceError(f"invalid {name}: not valid YAML: {exc}") from None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date that does not exist: 2024-02-30
        raise EvidenceError(f"invalid {name}: a value that cannot be read: {exc}") from None
    except RecursionError:
        raise EvidenceError(f"invalid {name}: nested too deeply") from None


def check_workbook(path: Path, limits: WorkbookLimits) -> None:
    """Refuse a workbook (a zip archive) whose members would expand beyond the limits when read.
    The declared sizes are what the reader trusts too: a member that inflates past its declared
    size fails its size check in the zip reader."""
    if not zipfile.is_zipfile(path):
        return  # .xls and broken files: the spreadsheet library reports them
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    name = visible(path.name)
    total = 0
    for member in members:
        total += member.file_size
        if total > limits.uncompressed_bytes:
            raise EvidenceError(
                f"{name}: expands to more than {limits.uncompressed_bytes:,} bytes when opened (at "
                f"{visible(member.filename)}); the limit is CCAUDIT_XLSX_MAX_UNCOMPRESSED_BYTES"
            )
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > 1 << 20 and ratio > limits.compression_ratio:
            raise EvidenceError(
                f"{name}: {visible(member.filename)} expands {ratio:,.0f} times (to {member.file_size:,} bytes), "
                f"more than any workbook; the limit is CCAUDIT_XLSX_MAX_COMPRESSION_RATIO="
                f"{limits.compression_ratio}"
            )
