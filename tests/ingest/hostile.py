"""Hostile files, made on the spot, and parsers that misbehave on purpose.

The parse worker unpickles the registry's parsers by reference, so every parser here is a module-level
function it can import; a test adds them to the registry with `register` (or `registry.PARSERS`).
"""

from __future__ import annotations

import os
import struct
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.parsers import registry
from ingest.parsers.base import Block, ParsedDoc, ParseOptions, Parser, Sample
from tests.ingest.pdfs import write_objects

if TYPE_CHECKING:
    import pytest

# --- parsers -----------------------------------------------------------------------------------------


def buggy(path: Path, options: ParseOptions) -> ParsedDoc:
    raise IndexError("list index out of range")


def revised(parse: Callable[[Path, ParseOptions], ParsedDoc], path: Path, options: ParseOptions) -> ParsedDoc:
    """`parse`'s reading with every block a little different, as a new parser version might read it."""
    doc = parse(path, options)
    doc.blocks = [replace(b, text=f"{b.text} Revised reading.") for b in doc.blocks]
    return doc


MAGIC = b"HOSTILE "


def _sniff(sample: Sample) -> bool:
    return sample.head.startswith(MAGIC)


def _misbehave(path: Path, options: ParseOptions) -> ParsedDoc:
    """Does what the file says after MAGIC; any other word reads as one passage."""
    what = path.read_bytes()[len(MAGIC):].strip().decode()
    if what == "abort":
        os.abort()  # what pypdfium2 does on a failed assertion or allocation: SIGABRT
    if what == "hang":
        time.sleep(3600)  # waits without computing: only the clock stops it
    if what == "spin":
        while True:
            pass
    if what == "grow":
        hoard = []
        while True:
            hoard.append(bytearray(1 << 24))
    return ParsedDoc(kind="hostile", blocks=[Block(text=f"A well-behaved file of the test kind says {what}.")])


HOSTILE = Parser(name="hostile", label="hostile test file", mime_types={".hostile": "application/x-hostile"},
                 sniff=_sniff, parse=_misbehave, version=1)


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PARSERS", (*registry.PARSERS, HOSTILE))


def write_hostile(path: Path, what: str) -> Path:
    path.write_bytes(MAGIC + what.encode())
    return path


# --- files -------------------------------------------------------------------------------------------

SAMPLE_DOCX = Path(__file__).resolve().parents[2] / "data" / "docs" / "policies" / "IT Security Policy.docx"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 5 0 R "
         b"/Resources << /Font << /F1 3 0 R >> >> >>")


def spaces_deflated(prefix: bytes, mb: int, *, zlib_wrapper: bool) -> bytes:
    """`prefix` and `mb` MiB of spaces, deflated in a blink: after a full flush the compressor starts
    afresh, so every MiB packs to the same bytes, packed once and repeated."""
    chunk = b" " * (1 << 20)
    packer = zlib.compressobj(9, zlib.DEFLATED, 15 if zlib_wrapper else -15)
    head = packer.compress(prefix) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    data = head + block * mb + packer.flush()
    if zlib_wrapper:  # its checksum covers all the spaces, not the one MiB packed
        adler = zlib.adler32(prefix)
        for _ in range(mb):
            adler = zlib.adler32(chunk, adler)
        data = data[:-4] + adler.to_bytes(4, "big")
    return data


def _stream(data: bytes, *, deflated: bool = False) -> bytes:
    fil = b" /Filter /FlateDecode" if deflated else b""
    return b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), fil, data)


def flate_bomb_pdf(path: Path, mb: int) -> Path:
    """One page whose content stream, a few hundred KB in the file, inflates to `mb` MiB."""
    content = spaces_deflated(b"BT /F1 12 Tf 72 700 Td (Nothing to see) Tj ET\n", mb, zlib_wrapper=True)
    return write_objects(path, [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
                                _FONT, _PAGE, _stream(content, deflated=True)])


def repeated_page_pdf(path: Path, times: int) -> Path:
    """One page object listed `times` times in the page tree: six bytes a page."""
    kids = b" ".join([b"4 0 R"] * times)
    content = b"BT /F1 12 Tf 72 700 Td (The same page once more, read again and again.) Tj ET"
    return write_objects(path, [b"<< /Type /Catalog /Pages 2 0 R >>",
                                b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, times), _FONT, _PAGE,
                                _stream(content)])


def write_zip(path: Path, members: Sequence[tuple[str, bytes, int, int]]) -> Path:
    """A ZIP of raw-deflated members (name, data, CRC-32, declared unpacked size), written by hand so a
    member can be as large, or declare itself as small, as a test needs."""
    out, central = bytearray(), bytearray()
    for name, data, crc, size in members:
        raw = name.encode()
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 33, crc, len(data), size, len(raw), 0) + raw + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 33, crc, len(data), size, len(raw),
                               0, 0, 0, 0, 0, offset) + raw
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0)
    path.write_bytes(bytes(out))
    return path


def docx_with_body(path: Path, body: bytes, declared: int) -> Path:
    """The sample Word file with `body` (raw deflate) as its main document part, declaring `declared`
    bytes unpacked; its CRC is never checked: nothing reads such a part to its end."""
    members = []
    with zipfile.ZipFile(SAMPLE_DOCX) as zf:
        for name in zf.namelist():
            if name == "word/document.xml":
                members.append((name, body, 0, declared))
                continue
            data = zf.read(name)
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            members.append((name, packer.compress(data) + packer.flush(), zlib.crc32(data), len(data)))
    return write_zip(path, members)
