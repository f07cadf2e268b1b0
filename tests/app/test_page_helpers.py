"""The page's pure helpers: upload rules, file resolution, markdown escaping, filters."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from app.files import has_page_preview, mime_type, resolve_doc
from app.options import build_filters, folders_of
from app.preview import page_text
from app.sidebar import synced
from app.text import answer_md, escape_md, quote_md
from app.uploads import (
    UploadRejected,
    check_content,
    folders,
    safe_name,
    save_upload,
)
from rag.settings import Settings
from tests.app.pagekit import SAMPLES
from tests.ingest.hostile import flate_bomb_pdf

PDF = (SAMPLES / "Employee Handbook.pdf").read_bytes()
DOCX = (SAMPLES / "policies" / "IT Security Policy.docx").read_bytes()
MB = 1024 * 1024


@pytest.mark.parametrize(("name", "expected"), [
    ("Report.pdf", "Report.pdf"),
    ("Policy v2.DOCX", "Policy v2.DOCX"),
    ("C:\\Users\\me\\Desktop\\Report.pdf", "Report.pdf"),
    ("/etc/Report.pdf", "Report.pdf"),
    ("差旅报销制度.docx", "差旅报销制度.docx"),
])
def test_safe_name_keeps_the_basename(name: str, expected: str) -> None:
    assert safe_name(name) == expected


@pytest.mark.parametrize("name", [
    "..", ".", "", "   ", "../x.pdf", "a/../../x.pdf", "..\\x.pdf", "x/..", ".hidden.pdf", "~$lock.docx",
    "evil\x00.pdf", "line\nbreak.pdf", "rtl\u202egpj.pdf", "notes.txt", "script.pdf.exe", "x.doc",
    "a" * 250 + ".pdf",
])
def test_safe_name_rejects(name: str) -> None:
    with pytest.raises(UploadRejected):
        safe_name(name)


def test_save_upload_writes_atomically_inside_the_folder(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "hr").mkdir(parents=True)
    assert save_upload(docs, "hr", "Handbook.pdf", PDF, max_bytes=MB) == ("hr/Handbook.pdf", False)
    assert (docs / "hr" / "Handbook.pdf").read_bytes() == PDF
    assert sorted(p.name for p in (docs / "hr").iterdir()) == ["Handbook.pdf"]  # no temporary left
    with pytest.raises(UploadRejected, match="exists"):
        save_upload(docs, "hr", "Handbook.pdf", PDF, max_bytes=MB)
    replaced = save_upload(docs, "hr", "Handbook.pdf", PDF, max_bytes=MB, replace=True)
    assert replaced == ("hr/Handbook.pdf", True)
    for folder in ("..", "../..", "/tmp", "missing"):
        with pytest.raises(UploadRejected, match="not a folder"):
            save_upload(docs, folder, "x.pdf", PDF, max_bytes=MB)
    with pytest.raises(UploadRejected, match="limit"):
        save_upload(docs, "", "big.pdf", PDF, max_bytes=len(PDF) - 1)


def test_save_upload_does_not_follow_symlinks_out(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    outside = tmp_path / "outside.pdf"
    outside.write_bytes(b"%PDF-1.4 original")
    (docs / "link.pdf").symlink_to(outside)
    (docs / "linkdir").symlink_to(tmp_path)
    with pytest.raises(UploadRejected):
        save_upload(docs, "", "link.pdf", PDF, max_bytes=MB, replace=True)
    with pytest.raises(UploadRejected):
        save_upload(docs, "linkdir", "x.pdf", PDF, max_bytes=MB)
    assert outside.read_bytes() == b"%PDF-1.4 original"


def test_folders_lists_visible_subfolders(tmp_path: Path) -> None:
    for d in ("b/c", "a", ".git/objects"):
        (tmp_path / d).mkdir(parents=True)
    assert folders(tmp_path) == ["", "a", "b", "b/c"]



def test_resolve_doc_stays_inside_the_docs_folder(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "sub" / "a.pdf").write_bytes(PDF)
    (tmp_path / "secret.pdf").write_bytes(PDF)
    os.symlink(tmp_path / "secret.pdf", docs / "link.pdf")
    assert resolve_doc(docs, "sub/a.pdf") == (docs / "sub" / "a.pdf").resolve()
    for rel in ("../secret.pdf", str(tmp_path / "secret.pdf"), "link.pdf", "sub", "", "missing.pdf", "a\x00"):
        assert resolve_doc(docs, rel) is None


def test_pdf_page_text() -> None:
    limits = Settings().limits
    text = page_text(SAMPLES / "Employee Handbook.pdf", 3, limits)
    assert text and "26 days" in text
    assert page_text(SAMPLES / "Employee Handbook.pdf", 99, limits) is None
    assert page_text(SAMPLES / "policies" / "IT Security Policy.docx", 1, limits) is None


def test_a_page_preview_of_a_bomb_costs_a_child_only(tmp_path: Path) -> None:
    """The preview reads the PDF in a child under the parse limits: the server process never inflates it."""
    bomb = flate_bomb_pdf(tmp_path / "bomb.pdf", 512)
    limits = Settings().limits.model_copy(update={"memory_mb": 300})
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert page_text(bomb, 1, limits) is None
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 100 * 1024  # KB: this process did not grow


def test_uploads_are_checked_by_the_kinds_sniffers() -> None:
    check_content("a.pdf", PDF, MB)
    check_content("a.docx", DOCX, MB)
    check_content("macros.DOCM", DOCX, MB)  # the Word kind's other suffix
    assert safe_name("macros.docm") == "macros.docm"
    for name, data, reason in [("a.pdf", DOCX, "not a PDF file"), ("a.docx", PDF, "not a Word .docx file"),
                               ("a.docx", b"PK\x03\x04 not really a zip", "not a Word .docx file"),
                               ("a.pdf", b"", "empty")]:
        with pytest.raises(UploadRejected, match=reason):
            check_content(name, data, MB)


def test_mime_type_and_page_preview_come_from_the_kinds(tmp_path: Path) -> None:
    assert mime_type(Path("a.pdf")) == "application/pdf"
    assert mime_type(Path("a.docm")) == "application/vnd.ms-word.document.macroEnabled.12"
    assert mime_type(Path("a.txt")) == "text/plain"
    renamed = tmp_path / "really a pdf.docx"
    renamed.write_bytes(PDF)
    assert has_page_preview(SAMPLES / "Employee Handbook.pdf") and has_page_preview(renamed)  # by content
    assert not has_page_preview(SAMPLES / "policies" / "IT Security Policy.docx")
    assert not has_page_preview(tmp_path / "missing.pdf")


def test_markdown_escaping() -> None:
    assert escape_md("**bold** <b>x</b> $5 [a](b) # h") == r"\*\*bold\*\* \<b\>x\<\/b\> \$5 \[a\]\(b\) \# h"
    assert quote_md("one\n\ntwo *x*") == "> one  \n>\n> two \\*x\\*  "
    assert answer_md("**26 days**, $5 ![i](http://x)") == r"**26 days**, \$5 i (`http://x`)"


def test_filters_from_the_sidebar() -> None:
    known = ["a.pdf", "hr/b.pdf", "hr/sub/c.pdf", "it/d.docx"]
    assert build_filters([], [], known) is None
    assert build_filters(["a.pdf"], [], known) == {"file": ["a.pdf"]}
    assert build_filters([], ["hr"], known) == {"folder": ["hr"]}
    assert build_filters(["a.pdf"], ["hr"], known) == {"file": ["a.pdf", "hr/b.pdf", "hr/sub/c.pdf"]}
    assert folders_of(known) == ["hr", "hr/sub", "it"]


def test_sync_time() -> None:
    assert synced(None) == "never"
    assert synced(1000.0, now=1000.0 + 125).endswith("(2 min ago)")
