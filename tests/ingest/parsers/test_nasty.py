"""Every real-world odd file in shared/eval/nasty either parses to text or fails with a one-line reason."""

from __future__ import annotations

import json

import pytest

from ingest.parsers import ParseOptions, parse
from rag.errors import ParseError
from tests.conftest import SHARED, needs_shared

PASSWORDS = ParseOptions(passwords=("1234", "usersecret", "baz"))

# Files that must fail, and a word their reason must contain.
EXPECTED_FAILURES = {
    "derived/zero_bytes.pdf": "empty",
    "derived/zero_pages.pdf": "no pages",
    "derived/docx_truncated.docx": "corrupt",
    "derived/truncated_half_irs_i1040nr.pdf": "corrupt",
    "image_only/docling_ocr_test_scanned.pdf": "scanned? OCR not enabled",
    "image_only/docling_ocr_test_rotated_90.pdf": "scanned? OCR not enabled",
    "image_only/pyPDF_imagemagick_ccittfax_1page.pdf": "scanned",
    "zero_text/docling_empty_page.pdf": "no extractable text",
    "malformed/pdfminer_issue-1113-evil-xobjects.pdf": "corrupt",
    "structure/pyPDF_unreadable_metadata.pdf": "corrupt",
    "structure/pdfminer_pdf-with-jbig2.pdf": "scanned",
}


def _manifest() -> list[dict]:
    path = SHARED / "nasty" / "manifest.json"
    return json.loads(path.read_text()) if path.exists() else []


@pytest.mark.parametrize("entry", _manifest(), ids=lambda e: e["file"])
def test_every_nasty_file_is_handled(entry: dict) -> None:
    needs_shared()
    path = SHARED / "nasty" / entry["file"]
    try:
        doc = parse(path, PASSWORDS)
    except ParseError as e:
        reason = str(e)
        assert reason and "\n" not in reason and len(reason) < 300
        expected = EXPECTED_FAILURES.get(entry["file"])
        assert expected is not None, f"unexpected failure: {reason}"
        assert expected in reason
        return
    assert entry["file"] not in EXPECTED_FAILURES, "should have failed"
    assert doc.blocks and all(b.text.strip() for b in doc.blocks)


def test_encrypted_without_password_says_so() -> None:
    needs_shared()
    with pytest.raises(ParseError, match="encrypted: password required"):
        parse(SHARED / "nasty/encrypted/docling_userpw_1234.pdf")
    doc = parse(SHARED / "nasty/encrypted/docling_userpw_1234.pdf", ParseOptions(passwords=("wrong", "1234")))
    assert "DocLayNet" in doc.blocks[0].text


def test_vertical_japanese_reads_as_words() -> None:
    # Non-embedded CJK fonts without a Unicode map, one character per text object: pdfium drops them
    # where no CJK font is installed, pypdf reads raw character ids; pdfminer maps them (pdf_cid_text.py).
    needs_shared()
    doc = parse(SHARED / "nasty/cjk/pdfminer_kampo_japanese_gazette.pdf")
    assert "道路交通法施行令" in doc.blocks[0].text


def test_mislabelled_files_are_parsed_by_content() -> None:
    needs_shared()
    assert parse(SHARED / "nasty/derived/docx_renamed_to.pdf").kind == "docx"
    assert parse(SHARED / "nasty/derived/pdf_renamed_to.docx").kind == "pdf"


def test_real_filing_encrypted_with_empty_password() -> None:
    needs_shared()
    doc = parse(SHARED / "financebench/docs/ADOBE_2022_10K.pdf")
    assert doc.pages > 50 and len(doc.blocks) > 50
