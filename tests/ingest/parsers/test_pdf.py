from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.parsers import parse
from ingest.parsers.base import Block
from ingest.parsers.pdf import clean_page_text, garbled_share, mixed_scripts
from ingest.parsers.pdf_cid_text import CidPageReader
from rag.errors import ParseError
from tests.conftest import SAMPLES, SHARED, needs_shared
from tests.ingest.pdfs import write_pdf


def page_texts(blocks: list[Block]) -> dict[int, str]:
    """A page's text may come in several blocks, one per section."""
    pages: dict[int, str] = {}
    for b in blocks:
        if b.page:
            pages[b.page] = f"{pages.get(b.page, '')}\n{b.text}".strip()
    return pages


def test_sample_pdf_pages_are_physical_and_one_based() -> None:
    doc = parse(SAMPLES / "Employee Handbook.pdf")
    assert doc.kind == "pdf" and doc.pages == 6
    pages = page_texts(doc.blocks)
    assert sorted(pages) == [1, 2, 3, 4, 5, 6]
    assert "26 days" in pages[3]
    assert "26 days" not in pages[2]


def test_gold_evidence_is_on_the_gold_page() -> None:
    """Pages of a real eval PDF agree with the question set's 1-based physical page numbers."""
    needs_shared()
    rows = [json.loads(line) for line in (SHARED / "xquad_en_wiki/questions_pdf.jsonl").open()][:40]
    docs: dict[str, dict[int, str]] = {}
    hits = 0
    for row in rows:
        name = row["source_file"]
        if name not in docs:
            doc = parse(SHARED / "xquad_en_wiki/pdf" / name)
            docs[name] = page_texts(doc.blocks)
        answer = row["answers_all"][0] if row.get("answers_all") else row["answer"]
        hits += answer in docs[name].get(row["page"], "").replace("\n", " ")
    assert hits >= 0.9 * len(rows)


def test_garbled_detection() -> None:
    assert garbled_share("\ufffd\ufffd\ufffdab") > 0.5
    assert garbled_share("plain text") == 0
    assert mixed_scripts("ୈೋ৚ҰߢͷදͷΘͨ͘͠ͱ͍ݱ৊ʹ" * 3)
    assert not mixed_scripts("北风机器人 Northwind Robotics 差旅报销制度 policy" * 2)
    assert not mixed_scripts("これは日本語のテキストです。漢字とひらがなとカタカナ。" * 2)


def test_line_wraps_inside_cjk_text_are_joined() -> None:
    assert clean_page_text("差旅报\n销制度。\n第二条") == "差旅报销制度。第二条"
    assert clean_page_text("two\nlines 中\nEnglish") == "two\nlines 中\nEnglish"


# One letter of another script for each of a..z: what a wrong ToUnicode map makes of a text layer.
_SCRIPTS = [0x03B1, 0x0431, 0x0561, 0x0628, 0x0915, 0x0995, 0x0B95, 0x0E01, 0x10D0, 0x05D0, 0x0B15, 0x0C95, 0x0C15,
            0x0A95, 0x0A15, 0x0D15, 0x0D9A, 0x0F40, 0x1000, 0x1200, 0x13A0, 0x1780, 0x1820, 0x0780, 0x07CA, 0x0710]


def wrongly_mapped_pdf(path: Path, pages: int) -> Path:
    """A PDF whose font's ToUnicode map sends every letter to another script, on every page."""
    cmap = "\n".join(f"<{0x61 + i:02x}> <{u:04x}>" for i, u in enumerate(_SCRIPTS))
    to_unicode = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
                  "1 begincodespacerange <00> <ff> endcodespacerange\n"
                  f"26 beginbfchar\n{cmap}\nendbfchar\nendcmap end end").encode()
    line = b"(the quick brown fox jumps over the lazy dog) Tj 0 -16 Td "
    content = b"BT /F1 12 Tf 72 720 Td " + line * 20 + b"ET"
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 4 0 R >>"
    stream = b"<< /Length %d >>\nstream\n%s\nendstream" % (len(to_unicode), to_unicode)
    return write_pdf(path, font, [content] * pages, extra=[stream])


def test_a_wrongly_mapped_text_layer_is_refused_by_every_reader(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[int] = []
    page_text = CidPageReader.page_text

    def spy(self: CidPageReader, index: int) -> str | None:
        asked.append(index)
        return page_text(self, index)

    monkeypatch.setattr(CidPageReader, "page_text", spy)
    with pytest.raises(ParseError, match="garbled text layer"):
        parse(wrongly_mapped_pdf(tmp_path / "wrong.pdf", pages=3))
    assert asked == [0]  # pdfminer reads it no better: not asked again for the other pages
