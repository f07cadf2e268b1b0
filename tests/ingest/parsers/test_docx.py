from __future__ import annotations

from pathlib import Path

import docx

from ingest.parsers import parse
from tests.conftest import SAMPLES, SHARED, needs_shared


def test_headings_tables_and_order() -> None:
    doc = parse(SAMPLES / "policies/IT Security Policy.docx")
    assert doc.kind == "docx"
    texts = [b.text for b in doc.blocks]
    table = next(b for b in doc.blocks if "Confidential |" in b.text)
    assert "7 years" in table.text
    assert table.headings[0] == "IT Security Policy"
    assert any(len(b.headings) >= 3 for b in doc.blocks)
    assert texts.index(table.text) > 0  # tables stay in document order, not appended at the end


def test_tracked_changes_keep_insertions_drop_deletions() -> None:
    needs_shared()
    text = " ".join(b.text for b in parse(SHARED / "nasty/docx/docling_track_changes.docx").blocks)
    assert "Inserted paragraph." in text and "Hello world" in text
    assert "Deleted paragraph." not in text and "earth" not in text


def test_strict_ooxml_and_content_controls() -> None:
    needs_shared()
    assert parse(SHARED / "nasty/docx/docling_Strict_ooxml.docx").blocks[0].text == "Some text"
    text = " ".join(b.text for b in parse(SHARED / "nasty/docx/docling_content_control_with_picture.docx").blocks)
    assert "COVER TITLE INSIDE SDT" in text


def test_text_box_included_and_header_not_repeated(tmp_path: Path) -> None:
    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "CONFIDENTIAL HEADER"
    d.add_heading("Chapter", level=1)
    p = d.add_paragraph("Body text.")
    # A text box as Word writes it: a drawing whose txbxContent holds its own paragraphs.
    box = (
        '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
        'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        "<mc:AlternateContent><mc:Choice Requires=\"wps\"><w:drawing><wps:txbx><w:txbxContent>"
        "<w:p><w:r><w:t>Text inside the box</w:t></w:r></w:p></w:txbxContent></wps:txbx></w:drawing>"
        "</mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>Text inside the box</w:t></w:r>"
        "</w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    from lxml import etree

    p._p.append(etree.fromstring(box))
    path = tmp_path / "box.docx"
    d.save(str(path))
    blocks = parse(path).blocks
    text = " ".join(b.text for b in blocks)
    assert text.count("Text inside the box") == 1
    assert "CONFIDENTIAL HEADER" not in text
    assert blocks[0].headings == ("Chapter",)


def test_chinese_headings() -> None:
    doc = parse(SAMPLES / "policies/差旅报销制度.docx")
    assert any("住宿标准" in " ".join(b.headings) for b in doc.blocks)
