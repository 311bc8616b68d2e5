"""A minimal Windows event log file (.evtx) writer for tests: one chunk, records in binary XML without templates
(elements, attributes and text values written inline), checksums as the format defines them. Enough for a
reader of the format (the evtx library) to return the events as Event Viewer would show their XML."""

from __future__ import annotations

import datetime as dt
import struct
import zlib
from pathlib import Path

Element = tuple[str, dict[str, str], "list[Element] | str"]

_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


class _Chunk:
    def __init__(self) -> None:
        self.data = bytearray(512)  # header, string and template tables: filled in at the end

    def name(self) -> None:
        # a name defined inline: its offset is where it starts, right after the offset field
        here = len(self.data) + 4
        self.data += struct.pack("<I", here)
        return None

    def inline_name(self, text: str) -> None:
        self.name()
        chars = text.encode("utf-16-le")
        self.data += struct.pack("<IHH", 0, 0, len(text)) + chars + b"\x00\x00"

    def value(self, text: str) -> None:
        self.data += b"\x05\x01" + struct.pack("<H", len(text)) + text.encode("utf-16-le")

    def element(self, element: Element) -> None:
        tag, attributes, content = element
        self.data += b"\x41" if attributes else b"\x01"
        size_at = len(self.data)
        self.data += b"\x00\x00\x00\x00"
        self.inline_name(tag)
        if attributes:
            list_at = len(self.data)
            self.data += b"\x00\x00\x00\x00"
            for i, (key, val) in enumerate(attributes.items()):
                self.data += b"\x46" if i < len(attributes) - 1 else b"\x06"
                self.inline_name(key)
                self.value(val)
            struct.pack_into("<I", self.data, list_at, len(self.data) - list_at - 4)
        if not content:
            self.data += b"\x03"
        else:
            self.data += b"\x02"
            if isinstance(content, str):
                self.value(content)
            else:
                for child in content:
                    self.element(child)
            self.data += b"\x04"
        struct.pack_into("<I", self.data, size_at, len(self.data) - size_at - 4)

    def record(self, number: int, written: dt.datetime, event: Element) -> int:
        start = len(self.data)
        filetime = int((written - _FILETIME_EPOCH).total_seconds() * 10_000_000)
        self.data += b"\x2a\x2a\x00\x00" + b"\x00\x00\x00\x00" + struct.pack("<QQ", number, filetime)
        self.data += b"\x0f\x01\x01\x00"
        self.element(event)
        self.data += b"\x00"
        size = len(self.data) - start + 4
        self.data += struct.pack("<I", size)
        struct.pack_into("<I", self.data, start + 4, size)
        return start


def event(event_id: int, when: str, computer: str, data: dict[str, str]) -> Element:
    """A Security event as Event Viewer's XML view shows it."""
    system: list[Element] = [
        ("Provider", {"Name": "Microsoft-Windows-Security-Auditing",
                      "Guid": "{54849625-5478-4994-a5ba-3e3b0328c30d}"}, []),
        ("EventID", {}, str(event_id)), ("Version", {}, "2"), ("Level", {}, "0"), ("Task", {}, "12544"),
        ("TimeCreated", {"SystemTime": when}, []), ("Channel", {}, "Security"), ("Computer", {}, computer)]
    fields: list[Element] = [("Data", {"Name": k}, v) for k, v in data.items()]
    return ("Event", {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"},
            [("System", {}, system), ("EventData", {}, fields)])


def lsm_event(event_id: int, when: str, user: str, session: str, address: str | None) -> Element:
    """A TerminalServices-LocalSessionManager/Operational event (21 logon, 23 logoff, 24 disconnect, 25 reconnect)
    of host TS02."""
    system: list[Element] = [
        ("Provider", {"Name": "Microsoft-Windows-TerminalServices-LocalSessionManager"}, []),
        ("EventID", {}, str(event_id)), ("TimeCreated", {"SystemTime": when}, []),
        ("Channel", {}, "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"),
        ("Computer", {}, "TS02.corp.example.com")]
    fields: list[Element] = [("User", {}, user), ("SessionID", {}, session)] + (
        [("Address", {}, address)] if address else [])
    return ("Event", {}, [("System", {}, system), ("UserData", {}, [("EventXML", {"xmlns": "Event_NS"}, fields)])])


def write_evtx(path: Path, events: list[Element]) -> None:
    chunk = _Chunk()
    last = 0
    for number, item in enumerate(events, start=1):
        last = chunk.record(number, dt.datetime(2026, 11, 2, tzinfo=dt.UTC), item)
    free = len(chunk.data)
    data = chunk.data + bytearray(65536 - len(chunk.data))
    n = len(events)
    struct.pack_into("<8sQQQQIII", data, 0, b"ElfChnk\x00", 1, n, 1, n, 128, last, free)
    struct.pack_into("<I", data, 52, zlib.crc32(bytes(data[512:free])))
    struct.pack_into("<I", data, 124, zlib.crc32(bytes(data[0:120]) + bytes(data[128:512])))
    header = bytearray(4096)
    struct.pack_into("<8sQQQIHHHH", header, 0, b"ElfFile\x00", 0, 0, n + 1, 128, 2, 3, 4096, 1)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[0:120])))
    path.write_bytes(bytes(header) + bytes(data))
