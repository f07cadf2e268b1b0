from __future__ import annotations

import json

from ingest.parsers import parse
from ingest.parsers.base import Block
from ingest.parsers.pdf import clean_page_text, garbled_share, mixed_scripts
from tests.conftest import SAMPLES, SHARED, needs_shared


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
