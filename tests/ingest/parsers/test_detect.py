from __future__ import annotations

from pathlib import Path

import pytest

from ingest.parsers import parse
from ingest.parsers.detect import detect
from rag.errors import ParseError


def test_legacy_doc_and_unknown_types(tmp_path: Path) -> None:
    doc = tmp_path / "old.doc"
    doc.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(ParseError, match=r"legacy Word \.doc"):
        parse(doc)
    txt = tmp_path / "notes.pdf"
    txt.write_text("just text, not a PDF")
    with pytest.raises(ParseError, match="unsupported file type"):
        detect(txt)
    empty = tmp_path / "empty.docx"
    empty.write_bytes(b"")
    with pytest.raises(ParseError, match="empty file"):
        parse(empty)
