"""The registry of file kinds: detection by content (files on disk and uploads alike), suffixes, MIME types."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ingest.parsers import detect, parse, registry
from ingest.parsers.base import Sample
from rag.errors import ParseError
from tests.conftest import SAMPLES

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def zip_bytes(members: dict[str, bytes], stored: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_legacy_doc_and_unknown_types(tmp_path: Path) -> None:
    doc = tmp_path / "old.doc"
    doc.write_bytes(OLE + b"\0" * 600)
    with pytest.raises(ParseError, match=r"legacy Word \.doc"):
        parse(doc)
    txt = tmp_path / "notes.pdf"
    txt.write_text("just text, not a PDF")
    with pytest.raises(ParseError, match=r"^unsupported file type \(not a PDF or Word \.docx by content\)$"):
        detect(txt)
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match=r"^empty file \(0 bytes\)$"):
        parse(empty)


@pytest.mark.parametrize(("data", "reason"), [
    (OLE + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "encrypted Word document"),
    (b"PK\x03\x04 not really a zip", "corrupt or truncated ZIP container"),
    (zip_bytes({"mimetype": b"application/epub+zip"}), "ZIP file that is not a Word document"),
    # A PDF stored as a ZIP's first member puts "%PDF-" in the first bytes: still a ZIP.
    (zip_bytes({"a.pdf": (SAMPLES / "Employee Handbook.pdf").read_bytes()}, stored=True),
     "ZIP file that is not a Word document"),
])
def test_files_that_cannot_be_read_say_what_they_are(tmp_path: Path, data: bytes, reason: str) -> None:
    path = tmp_path / "x.docx"
    path.write_bytes(data)
    with pytest.raises(ParseError, match=reason):
        parse(path)


@pytest.mark.parametrize(("rel", "kind"), [
    ("Employee Handbook.pdf", "pdf"), ("policies/IT Security Policy.docx", "docx"),
])
def test_a_file_and_its_bytes_are_the_same_kind(rel: str, kind: str) -> None:
    path = SAMPLES / rel
    assert detect(path).name == registry.detect(Sample(path.read_bytes())).name == kind
    assert parse(path).kind == kind
    # Junk before the header is allowed within the first 1024 bytes, as the PDF spec says.
    if kind == "pdf":
        assert registry.detect(Sample(b"\0" * 500 + path.read_bytes())).name == "pdf"


def test_suffixes_and_mime_types_come_from_the_kinds() -> None:
    assert set(registry.document_suffixes()) == {".pdf", ".docx", ".docm", ".doc"}
    assert set(registry.document_suffixes(readable_only=True)) == {".pdf", ".docx", ".docm"}
    assert registry.mime_type(Path("a.DOCM")) == "application/vnd.ms-word.document.macroEnabled.12"
    assert registry.mime_type(Path("notes.txt")) is None
    assert registry.for_suffix(".PDF") is registry.named("pdf")
    assert [p.name for p in registry.PARSERS if p.page_preview] == ["pdf"]
    assert len({p.name for p in registry.PARSERS}) == len(registry.PARSERS)
